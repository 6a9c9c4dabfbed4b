"""Who is on call for a service or team, right now, in their own time."""
from fulfillment import Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import ask_for_service_or_team


@intent("oncall.current",
        phrases=["who is on call for [payments](service)", "who has the pager for [checkout](service)",
                 "who's on call", "on call for the [platform team](service)",
                 "who do I call about [search](service)"],
        params={"service": Param("@service", required=True, prompt="For which service or team?")})
def oncall_current(turn: Turn) -> Reply:
    found = ask_for_service_or_team(turn, "For which service or team?")
    if isinstance(found, Reply):
        return found
    kind, thing, team = found
    if team is None:
        return Reply.say(f"{thing.name} has no owning team on record, so I can't tell who is on call.")
    shift = _oncall.current_shift(team.id)
    subject = thing.name if kind == "service" else f"the {team.name} team"
    if shift is None:
        return Reply.say(f"Nobody is on call for {subject} right now: {team.name}'s rotation has a gap.")
    primary = shift.primary.get("name", "someone")
    window = _oncall.local_window(shift.starts, shift.ends, shift.primary.get("timezone") or team.timezone)
    text = f"{primary} is on call for {subject}, {window} their time."
    if shift.secondary:
        text += f" {shift.secondary.get('name')} is secondary."
    return (Reply.say(text)
            .chips(f"Page the on-call for {thing.name if kind == 'service' else team.name}",
                   f"Open incidents for {thing.name}" if kind == "service" else "Open incidents"))
