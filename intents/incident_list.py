"""Open and acknowledged incidents, most severe and oldest first, at most five."""
from fulfillment import ListItem, Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import service_or_none


@intent("incident.list",
        phrases=["any open incidents", "what is on fire", "open incidents for [checkout](service)",
                 "any [sev 1](severity) incidents", "list incidents"],
        params={"service": Param("@service"), "severity": Param("@severity")})
def incident_list(turn: Turn) -> Reply:
    service: _oncall.Service | None = None
    if turn.text("service"):
        named = service_or_none(turn.text("service"))
        if isinstance(named, Reply):
            return named
        service = named
    severity = turn.integer("severity")
    incidents = _oncall.open_incidents(service.id if service else "", severity)
    scope = " ".join(filter(None, [f"sev {severity}" if severity else "", "open incidents",
                                   f"for {service.name}" if service else ""]))
    if not incidents:
        return Reply.say(f"Good news: no {scope}.").chips("Who is on call?", "Help")
    names = {s.id: s.name for s in _oncall.directory().services.values()}
    items = [ListItem(f"#{i['number']} sev {i['severity']}: {i['title']}",
                      f"{names.get(i['service'], i['service'])}, {i['status']}, opened {_oncall.ago(i['opened_at'])}",
                      key=str(i["number"]))
             for i in incidents]
    first = incidents[0]
    summary = (f"{len(incidents)} {scope}" if len(incidents) < 5 else f"The top 5 {scope}") + \
              f". The most urgent is #{first['number']}, sev {first['severity']}: {first['title']}."
    unacknowledged = next((i for i in incidents if i["status"] == "open"), None)
    chips = [f"Acknowledge incident {unacknowledged['number']}"] if unacknowledged else []
    return (Reply.say(summary)
            .list(scope[0].upper() + scope[1:], items)
            .chips(*chips, f"Resolve incident {first['number']}"))
