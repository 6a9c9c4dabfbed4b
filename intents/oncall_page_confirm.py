"""'yes' after a page request: create the page, exactly once per Dialogflow turn."""

import uuid

from fulfillment import Reply, Turn, as_text, intent, store
from fulfillment.i18n import _, current
from intents.oncall_page import PENDING
from oncall import directory, pages, shifts


@intent(
    "oncall.page.confirm",
    blocking="firestore",
    parent="oncall.page",
    input_contexts=[PENDING],
    phrases={
        "en": ["yes", "yes page them", "do it", "confirm", "go ahead"],
        "de": ["ja", "ja, pagen", "mach das", "bestätigen"],
        "fr": ["oui", "vas-y", "confirme"],
        "es": ["sí", "hazlo", "confirma"],
        "pt_BR": ["sim", "pode mandar", "confirma"],
        "ja": ["はい", "お願い", "送って"],
    },
)
def oncall_page_confirm(turn: Turn) -> Reply:
    # Only the pending page the webhook remembered counts, never parameters of this turn; and
    # the on-call person is looked up again, not taken from it. (Its keys start with page_: on
    # ES a context's values also fill the turn's parameters, and must not pose as `service`.)
    values = turn.memory(PENDING) or {}
    service = as_text(values.get("page_service"))[:100]
    message, target = as_text(values.get("page_message"))[:500], as_text(values.get("page_target"))[:100] or service
    found = directory.resolve(service) if service else None
    if found is None:
        return Reply.say(_("There is no page waiting to be sent. Who should I page?")).chips(
            _("Page the on-call for checkout")
        )
    kind, thing = found
    team = directory.team_of(kind, thing)
    shift = shifts.current_shift(team.id) if team else None
    if shift is None:
        return Reply.say(_("Nobody is on call for {name} right now, so there is nobody to page.", name=thing.name))
    who = as_text(shift.primary.get("name"))[:100] or _("the on-call")
    # Dialogflow's turn id, else the id the page request was given, else this turn alone.
    key = pages.page_id(turn.turn_id or as_text(values.get("page_nonce"))[:64], uuid.uuid4().hex)
    by, session = pages.asker(turn)  # the session stored like the logs: a pseudonym
    created = pages.create_page(
        key,
        {
            "service": thing.id,
            "oncall": who,
            "message": message,
            "by": by,
            "turn": turn.turn_id,
            "session": session,
            "language": current(),
        },
    )  # the asker's: the page's text falls back to it
    if created:
        pages.publish(key, timeout=min(store.timeout(), 2.0))  # else queued: the outbox sweep sends it
    text = (
        _("Paged {who} for {target}.", who=who, target=target)
        if created
        else _("Paged {who} for {target}. (I had already sent this one.)", who=who, target=target)
    )
    return Reply.say(text).forget(PENDING).chips(_("Open incidents"), _("Who is on call for {target}?", target=target))
