"""Page the on-call: ask for confirmation first, with the pending page in a context."""
from fulfillment import Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import ask_for_service_or_team

PENDING = "page-pending"


@intent("oncall.page",
        phrases=["page the on-call for [checkout](service): [database is down](message)",
                 "page [payments](service)", "wake up whoever is on call for [search](service)",
                 "page the on-call for [checkout](service)"],
        params={"service": Param("@service", required=True, prompt="Page the on-call for which service?"),
                "message": Param("@sys.any", prompt="What should the page say?")},
        output_contexts=[(PENDING, 2)])
def oncall_page(turn: Turn) -> Reply:
    found = ask_for_service_or_team(turn, "Page the on-call for which service?")
    if isinstance(found, Reply):
        return found
    kind, thing, team = found
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
