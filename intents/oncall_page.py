"""Page the on-call: ask for confirmation first, remembering the pending page (ES: a context,
CX: a session parameter; `Reply.remember`)."""

import uuid

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_, _
from oncall import shifts
from oncall.answers import ask_for_service_or_team

PENDING = "page-pending"


@intent(
    "oncall.page",
    blocking="firestore",
    phrases={
        "en": [
            "page the on-call for [checkout](service): [database is down](message)",
            "page [payments](service)",
            "wake up whoever is on call for [search](service)",
            "page the on-call for [checkout](service)",
        ],
        "de": [
            "pager die bereitschaft für [checkout](service): [datenbank ist down](message)",
            "page [payments](service)",
            "weck die bereitschaft für [search](service)",
        ],
        "fr": [
            "bipe l'astreinte de [checkout](service) : [la base est en panne](message)",
            "bipe [payments](service)",
            "réveille l'astreinte de [search](service)",
        ],
        "es": [
            "avisa a la guardia de [checkout](service): [la base de datos está caída](message)",
            "avisa a [payments](service)",
            "despierta a la guardia de [search](service)",
        ],
        "pt_BR": [
            "acione o plantão do [checkout](service): [o banco caiu](message)",
            "acione o [payments](service)",
            "acorde o plantão do [search](service)",
        ],
        "ja": [
            "[checkout](service)の当番を呼び出して：[データベースが落ちた](message)",
            "[payments](service)の当番を呼んで",
        ],
    },
    params={
        "service": Param("@service", required=True, prompt=N_("Page the on-call for which service?")),
        "message": Param("@sys.any", prompt=N_("What should the page say?")),
    },
    output_contexts=[(PENDING, 2)],
)
def oncall_page(turn: Turn) -> Reply:
    found = ask_for_service_or_team(turn)
    if isinstance(found, Reply):
        return found
    kind, thing, team = found
    shift = shifts.current_shift(team.id) if team else None
    if shift is None:
        return Reply.say(_("Nobody is on call for {name} right now, so there is nobody to page.", name=thing.name))
    who = shift.primary.get("name", _("the on-call"))
    message = turn.text("message") or default_message(turn, thing.name)
    nonce = uuid.uuid4().hex  # names this page request: a "yes" without a turn id pages it once
    return (
        Reply.say(
            _(
                'Page {who} (on call for {name}) with "{message}"? Say yes or no.',
                who=who,
                name=thing.name,
                message=message,
            )
        )
        .chips(_("Yes"), _("No"))
        .remember(
            PENDING,
            2,
            page_service=thing.id,
            page_target=thing.name,
            page_message=message,
            page_oncall=who,
            page_nonce=nonce,
        )
    )


def default_message(turn: Turn, target: str) -> str:
    """Words for a person: who asked when the platform says ("via Slack by U123"), never a
    session id."""
    surface, _sep, user = turn.caller_id.partition(":")
    if user and turn.caller_id != turn.session_id:
        return _(
            "Help needed with {name} (paged via {surface} by {user})",
            name=target,
            surface=surface.replace("_", " ").title(),
            user=user,
        )
    return _("Help needed with {name}", name=target)
