"""How a service is doing: status, SLO, error budget, open incidents; with a card."""

from fulfillment import Button, Param, Reply, Turn, fmt, intent
from fulfillment.i18n import N_, _, ngettext
from oncall import directory, incidents
from oncall.answers import ask_for_service

STATUS_WORDS = {
    "operational": N_("operating normally"),
    "degraded": N_("degraded"),
    "outage": N_("in an outage"),
    "maintenance": N_("under maintenance"),
}
STATUS_NAMES = {
    "operational": N_("operational"),
    "degraded": N_("degraded"),
    "outage": N_("outage"),
    "maintenance": N_("maintenance"),
}


@intent(
    "service.status",
    blocking="firestore",
    phrases={
        "en": [
            "how is [checkout](service) doing",
            "status of [payments](service)",
            "is [search](service) ok",
            "how's [auth](service)",
        ],
        "de": ["wie geht es [checkout](service)", "status von [payments](service)", "läuft [search](service)"],
        "fr": ["comment va [checkout](service)", "état de [payments](service)", "est-ce que [search](service) va bien"],
        "es": ["cómo está [checkout](service)", "estado de [payments](service)", "[search](service) va bien"],
        "pt_BR": ["como está o [checkout](service)", "status do [payments](service)", "o [search](service) está ok"],
        "ja": ["[checkout](service)の状態は", "[payments](service)は大丈夫"],
    },
    params={"service": Param("@service", required=True, prompt=N_("Which service?"))},
)
def service_status(turn: Turn) -> Reply:
    service = ask_for_service(turn)
    if isinstance(service, Reply):
        return service
    doc = directory.get_service_doc(service.id) or {}
    open_count = incidents.count_open(service.id)
    status = doc.get("status", "unknown")
    parts = [
        _(
            "{service} is {status}.",
            service=service.name,
            status=_(STATUS_WORDS[status]) if status in STATUS_WORDS else status,
        )
    ]
    details = []
    if doc.get("slo_target") is not None:
        slo = fmt.percent(doc["slo_target"])
        details.append(_("SLO {slo}", slo=slo))
        budget = doc.get("error_budget_remaining")
        if budget is not None:
            left = fmt.percent(round(float(budget) * 100))
            parts.append(_("Its SLO target is {slo} with {left} of the error budget left.", slo=slo, left=left))
            details.append(_("{left} budget left", left=left))
        else:
            parts.append(_("Its SLO target is {slo}.", slo=slo))
    open_words = (
        _("no open incidents") if open_count == 0 else ngettext("{n} open incident", "{n} open incidents", open_count)
    )
    parts.append(
        _("There are no open incidents.")
        if open_count == 0
        else ngettext("There is {n} open incident.", "There are {n} open incidents.", open_count)
    )
    details.append(open_words)
    buttons = [Button(_("Dashboard"), doc["dashboard_url"])] if doc.get("dashboard_url") else []
    status_name = _(STATUS_NAMES[status]) if status in STATUS_NAMES else status
    reply = Reply.say(" ".join(parts)).card(
        f"{service.name}: {status_name}", " · ".join([_("tier {tier}", tier=service.tier), *details]), buttons=buttons
    )
    chips = [_("Open incidents for {service}", service=service.name)] if open_count else []
    return reply.chips(
        *chips,
        _("Who is on call for {target}?", target=service.name),
        _("Last deploy of {service}", service=service.name),
    )
