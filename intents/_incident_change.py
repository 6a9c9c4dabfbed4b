"""Acknowledge and resolve share one atomic update and one way of answering."""
from fulfillment import Reply, Turn
from intents import _oncall


def _who(by: str, caller: str) -> str:
    """A person's name as recorded; callers known only by their session are "someone else"."""
    if by == caller:
        return "you"
    surface, _, ident = by.partition(":")
    if ident:
        return f"{surface.replace('_', ' ').title()} user {ident}"
    return by if " " in by or not any(ch.isdigit() for ch in by) else "someone else"


def change(turn: Turn, action: str) -> Reply:
    number = turn.integer("number")
    if number is None or number <= 0:
        return Reply.say("Which incident number?")
    outcome, incident = _oncall.change_incident(number, action, turn.caller_id)
    if outcome == "missing" or incident is None:
        return Reply.say(f"I can't find incident {number}.").chips("Open incidents")
    title = incident.get("title", "")
    if outcome == "resolved":
        return Reply.say(f"Incident {number} ({title}) is already resolved, by "
                         f"{_who(incident.get('resolved_by', 'someone'), turn.caller_id)} "
                         f"{_oncall.ago(incident['resolved_at'])}.")
    past = "acknowledged" if action == "acknowledge" else "resolved"
    if outcome == "already":
        by = incident.get(f"{past}_by", "someone")
        return Reply.say(f"Incident {number} was already {past} by {_who(by, turn.caller_id)} "
                         f"{_oncall.ago(incident[f'{past}_at'])}.").chips("Open incidents")
    text = f"Done: incident {number} ({title}) is {past}."
    if action == "acknowledge":
        return Reply.say(text).chips(f"Resolve incident {number}", "Open incidents")
    return Reply.say(text).chips("Open incidents")
