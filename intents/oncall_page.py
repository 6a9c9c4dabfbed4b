"""Page the on-call: ask for confirmation first, with the pending page in a context."""
from fulfillment import Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import service_or_none, unknown_name

PENDING = "page-pending"


@intent("oncall.page",
        phrases=["page the on-call for [checkout](service): [database is down](message)",
                 "page [payments](service)", "wake up whoever is on call for [search](service)",
                 "page the on-call for [checkout](service)"],
        params={"service": Param("@service", required=True, prompt="Page the on-call for which service?"),
                "message": Param("@sys.any", prompt="What should the page say?")},
        output_contexts=[(PENDING, 2)])
def oncall_page(turn: Turn) -> Reply:
    name = turn.text("service")
    if not name:
        return Reply.say("Page the on-call for which service?").chips(*_oncall.known_services(4))
    found = _oncall.resolve(name)
    if found is None:
        return unknown_name(name)
    kind, thing = found
    team = _oncall.team_of(kind, thing)
    shift = _oncall.current_shift(team.id) if team else None
    if shift is None:
        return Reply.say(f"Nobody is on call for {thing.name} right now, so there is nobody to page.")
    who = shift.primary.get("name", "the on-call")
    message = turn.text("message") or f"{turn.caller_id.split(':')[-1] or 'Someone'} asked for help with {thing.name}"
    return (Reply.say(f"Page {who} (on call for {thing.name}) with \"{message}\"? Say yes or no.")
            .chips("Yes", "No")
            .set_context(PENDING, 2, page_service=thing.id, page_target=thing.name,
                         page_message=message, page_oncall=who)
            .set_session(page_service=thing.id, page_target=thing.name, page_message=message,
                         page_oncall=who))
