"""Who is on call for a service or team, right now, in their own time."""

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_, _
from oncall import clock, shifts
from oncall.answers import ask_for_service_or_team


@intent(
    "oncall.current",
    blocking="firestore",
    phrases={
        "en": [
            "who is on call for [payments](service)",
            "who has the pager for [checkout](service)",
            "who's on call",
            "on call for the [platform team](service)",
            "who do I call about [search](service)",
        ],
        "de": [
            "wer hat bereitschaft für [payments](service)",
            "wer hat den pager für [checkout](service)",
            "wer hat bereitschaft",
            "wen rufe ich wegen [search](service) an",
        ],
        "fr": [
            "qui est d'astreinte pour [payments](service)",
            "qui a le pager pour [checkout](service)",
            "qui est d'astreinte",
            "qui appeler pour [search](service)",
        ],
        "es": [
            "quién está de guardia para [payments](service)",
            "quién tiene el busca de [checkout](service)",
            "quién está de guardia",
            "a quién llamo por [search](service)",
        ],
        "pt_BR": [
            "quem está de plantão para [payments](service)",
            "quem está com o pager do [checkout](service)",
            "quem está de plantão",
            "para quem ligo sobre o [search](service)",
        ],
        "ja": ["[payments](service)の当番は誰", "[checkout](service)のオンコールは誰", "今の当番は誰"],
    },
    params={"service": Param("@service", required=True, prompt=N_("For which service or team?"))},
)
def oncall_current(turn: Turn) -> Reply:
    found = ask_for_service_or_team(turn)
    if isinstance(found, Reply):
        return found
    kind, thing, team = found
    if team is None:
        return Reply.say(_("{name} has no owning team on record, so I can't tell who is on call.", name=thing.name))
    shift = shifts.current_shift(team.id)
    subject = thing.name if kind == "service" else _("the {team} team", team=team.name)
    if shift is None:
        return Reply.say(
            _(
                "Nobody is on call for {subject} right now: {team}'s rotation has a gap.",
                subject=subject,
                team=team.name,
            )
        )
    primary = shift.primary.get("name", _("someone"))
    window = clock.local_window(shift.starts, shift.ends, shift.primary.get("timezone") or team.timezone)
    text = _(
        "{primary} is on call for {subject}, {window} their time.", primary=primary, subject=subject, window=window
    )
    if shift.secondary:
        text += " " + _("{secondary} is secondary.", secondary=shift.secondary.get("name"))
    return Reply.say(text).chips(
        _("Page the on-call for {name}", name=thing.name if kind == "service" else team.name),
        _("Open incidents for {service}", service=thing.name) if kind == "service" else _("Open incidents"),
    )
