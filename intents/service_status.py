"""How a service is doing: status, SLO, error budget, open incidents; with a card."""
from fulfillment import Button, Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import ask_for_service

STATUS_WORDS = {"operational": "operating normally", "degraded": "degraded",
                "outage": "in an outage", "maintenance": "under maintenance"}


@intent("service.status",
        phrases=["how is [checkout](service) doing", "status of [payments](service)",
                 "is [search](service) ok", "how's [auth](service)"],
        params={"service": Param("@service", required=True, prompt="Which service?")})
def service_status(turn: Turn) -> Reply:
    service = ask_for_service(turn, "Which service?")
    if isinstance(service, Reply):
        return service
    doc = _oncall.get_service_doc(service.id) or {}
    open_count = _oncall.count_open(service.id)
    status = doc.get("status", "unknown")
    parts = [f"{service.name} is {STATUS_WORDS.get(status, status)}."]
    details = []
    if doc.get("slo_target") is not None:
        details.append(f"SLO {doc['slo_target']}%")
        parts.append(f"Its SLO target is {doc['slo_target']}%")
        budget = doc.get("error_budget_remaining")
        if budget is not None:
            parts[-1] += f" with {round(float(budget) * 100)}% of the error budget left."
            details.append(f"{round(float(budget) * 100)}% budget left")
        else:
            parts[-1] += "."
    incidents = "no open incidents" if open_count == 0 else f"{open_count} open incident{'s' if open_count > 1 else ''}"
    parts.append(f"There {'is' if open_count == 1 else 'are'} {incidents}.")
    details.append(incidents)
    buttons = [Button("Dashboard", doc["dashboard_url"])] if doc.get("dashboard_url") else []
    reply = (Reply.say(" ".join(parts))
             .card(f"{service.name}: {status}", " · ".join([f"tier {service.tier}", *details]), buttons=buttons))
    chips = [f"Open incidents for {service.name}"] if open_count else []
    return reply.chips(*chips, f"Who is on call for {service.name}?", f"Last deploy of {service.name}")
