"""'yes' after a page request: create the page, exactly once per Dialogflow turn."""
from fulfillment import Reply, Turn, as_text, intent, store
from fulfillment.i18n import _
from intents import _oncall, _pages
from intents.oncall_page import PENDING


@intent("oncall.page.confirm", parent="oncall.page", input_contexts=[PENDING],
        phrases={"en": ["yes", "yes page them", "do it", "confirm", "go ahead"],
                 "de": ["ja", "ja, pagen", "mach das", "bestätigen"], "fr": ["oui", "vas-y", "confirme"],
                 "es": ["sí", "hazlo", "confirma"], "pt_BR": ["sim", "pode mandar", "confirma"],
                 "ja": ["はい", "お願い", "送って"]})
def oncall_page_confirm(turn: Turn) -> Reply:
    pending = turn.context(PENDING)
    values = pending.parameters if pending else turn.parameters
    # What comes back from the context is only as good as the caller: keep plain strings.
    service, who = as_text(values.get("page_service"))[:100], as_text(values.get("page_oncall"))[:100]
    message, target = as_text(values.get("page_message"))[:500], as_text(values.get("page_target"))[:100] or service
    if not service or not who:
        return (Reply.say(_("There is no page waiting to be sent. Who should I page?"))
                .chips(_("Page the on-call for checkout")))
    key = _oncall.page_id(turn.turn_id, f"{turn.session_id}|{service}|{message}")
    created = _oncall.create_page(key, {"service": service, "oncall": who, "message": message,
                                        "by": turn.caller_id, "turn": turn.turn_id, "session": turn.session_id})
    if created:
        _pages.publish(key, timeout=min(store.timeout(), 2.0))    # else queued: the outbox sweep sends it
    text = (_("Paged {who} for {target}.", who=who, target=target) if created
            else _("Paged {who} for {target}. (I had already sent this one.)", who=who, target=target))
    return (Reply.say(text)
            .delete_context(PENDING).set_session(page_service=None, page_target=None,
                                                 page_message=None, page_oncall=None)
            .chips(_("Open incidents"), _("Who is on call for {target}?", target=target)))
