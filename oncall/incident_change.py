"""Acknowledge and resolve share one atomic update and one way of answering."""

from fulfillment import Reply, Turn
from fulfillment.i18n import _
from oncall import clock, incidents


def _who(by: str, caller: str) -> str:
    """A person's name as recorded; callers known only by their session are "someone else"."""
    if by == caller:
        return _("you")
    surface, _sep, ident = by.partition(":")
    if ident:
        return _("{surface} user {ident}", surface=surface.replace("_", " ").title(), ident=ident)
    return by if " " in by or not any(ch.isdigit() for ch in by) else _("someone else")


def change(turn: Turn, action: str) -> Reply:
    number = turn.integer("number")
    if number is None or number <= 0:
        return Reply.say(_("Which incident number?"))
    outcome, incident = incidents.change_incident(number, action, turn.caller_id)
    if outcome == "missing" or incident is None:
        return Reply.say(_("I can't find incident {number}.", number=number)).chips(_("Open incidents"))
    title = incident.get("title", "")
    if outcome == "resolved":
        return Reply.say(
            _(
                "Incident {number} ({title}) is already resolved, by {who} {ago}.",
                number=number,
                title=title,
                who=_who(incident.get("resolved_by", _("someone")), turn.caller_id),
                ago=clock.ago(incident["resolved_at"]),
            )
        )
    past = "acknowledged" if action == "acknowledge" else "resolved"
    if outcome == "already":
        by = _who(incident.get(f"{past}_by", _("someone")), turn.caller_id)
        ago = clock.ago(incident[f"{past}_at"])
        text = (
            _("Incident {number} was already acknowledged by {who} {ago}.", number=number, who=by, ago=ago)
            if action == "acknowledge"
            else _("Incident {number} was already resolved by {who} {ago}.", number=number, who=by, ago=ago)
        )
        return Reply.say(text).chips(_("Open incidents"))
    if action == "acknowledge":
        return Reply.say(_("Done: incident {number} ({title}) is acknowledged.", number=number, title=title)).chips(
            _("Resolve incident {number}", number=number), _("Open incidents")
        )
    return Reply.say(_("Done: incident {number} ({title}) is resolved.", number=number, title=title)).chips(
        _("Open incidents")
    )
