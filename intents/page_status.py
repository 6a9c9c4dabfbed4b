"""'Did my page reach Tom?': the caller's latest page, answered from its delivery record."""

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_, _, ngettext
from oncall import clock, pages

ROUTES = {"chat": "Google Chat", "slack": "Slack", "webhook": N_("their webhook")}


@intent(
    "page.status",
    phrases={
        "en": [
            "did my page reach [Tom](person)",
            "did [Tom Okafor](person) get my page",
            "did my page go through",
            "was my page delivered",
            "status of my page",
        ],
        "de": [
            "hat mein page [Tom](person) erreicht",
            "hat [Tom Okafor](person) mein page bekommen",
            "ist mein page angekommen",
            "status meines pages",
        ],
        "fr": [
            "mon bip a-t-il atteint [Tom](person)",
            "[Tom Okafor](person) a-t-il reçu mon bip",
            "mon bip est-il passé",
            "statut de mon bip",
        ],
        "es": [
            "mi aviso llegó a [Tom](person)",
            "[Tom Okafor](person) recibió mi aviso",
            "se entregó mi aviso",
            "estado de mi aviso",
        ],
        "pt_BR": [
            "meu acionamento chegou ao [Tom](person)",
            "o [Tom Okafor](person) recebeu meu acionamento",
            "meu acionamento foi entregue",
            "status do meu acionamento",
        ],
        "ja": [
            "[Tom](person)に呼び出しは届いた",
            "[Tom Okafor](person)は呼び出しを受け取った",
            "呼び出しは届いた",
            "呼び出しの状況",
        ],
    },
    params={"person": Param("@sys.person")},
)
def page_status(turn: Turn) -> Reply:
    person = turn.text("person")
    page = pages.latest_by(pages.asker(turn)[0], person)
    if page is None:
        text = (
            _("I have no page from you to {person} on record.", person=person)
            if person
            else _("I have no page from you on record.")
        )
        return Reply.say(text).chips(_("Page the on-call for checkout"))
    who = page.get("oncall") or _("the on-call")
    attempts = page.get("attempts") or []
    detail = str(attempts[-1].get("detail", "")) if attempts else ""
    status = page.get("status")
    if status == "delivered":
        route = ROUTES.get(str(page.get("delivered_via")))
        via = _(route) if route else _("their route")
        return Reply.say(
            _(
                "Yes: your page reached {who} at {time} via {via}.",
                who=who,
                time=pages.when(page.get("delivered_at")),
                via=via,
            )
        ).chips(_("Open incidents"))
    if status == "failed":
        n = len(attempts)
        text = (
            ngettext(
                "No: your page to {who} failed after {n} attempt ({detail}).",
                "No: your page to {who} failed after {n} attempts ({detail}).",
                n,
                who=who,
                detail=detail,
            )
            if detail
            else ngettext(
                "No: your page to {who} failed after {n} attempt.",
                "No: your page to {who} failed after {n} attempts.",
                n,
                who=who,
            )
        )
        advice = _("Try calling them, or page the secondary.")
        return Reply.say(f"{text} {advice}").chips(_("Who is on call?"))
    if attempts:
        return Reply.say(
            ngettext(
                "Not yet: {n} attempt to reach {who} failed so far ({detail}); I'm still retrying.",
                "Not yet: {n} attempts to reach {who} failed so far ({detail}); I'm still retrying.",
                len(attempts),
                who=who,
                detail=detail or _("no answer"),
            )
        )
    return Reply.say(
        _("Your page to {who} is queued, sent {ago}; not delivered yet.", who=who, ago=clock.ago(page["created_at"]))
    )
