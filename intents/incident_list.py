"""Open and acknowledged incidents, most severe and oldest first, at most five."""

from fulfillment import ListItem, Param, Reply, Turn, intent
from fulfillment.i18n import N_, _
from oncall import clock, directory, incidents
from oncall.answers import service_or_none

STATES = {"open": N_("open"), "acknowledged": N_("acknowledged")}


def _state(status: str) -> str:
    return _(STATES[status]) if status in STATES else status


def _scope(severity: int | None, service: str) -> str:
    if severity and service:
        return _("sev {severity} open incidents for {service}", severity=severity, service=service)
    if severity:
        return _("sev {severity} open incidents", severity=severity)
    if service:
        return _("open incidents for {service}", service=service)
    return _("open incidents")


@intent(
    "incident.list",
    blocking="firestore",
    phrases={
        "en": [
            "any open incidents",
            "what is on fire",
            "open incidents for [checkout](service)",
            "any [sev 1](severity) incidents",
            "list incidents",
        ],
        "de": [
            "gibt es offene incidents",
            "was brennt",
            "offene incidents für [checkout](service)",
            "gibt es [sev 1](severity) incidents",
        ],
        "fr": [
            "des incidents ouverts",
            "qu'est-ce qui brûle",
            "incidents ouverts pour [checkout](service)",
            "des incidents [sev 1](severity)",
        ],
        "es": [
            "hay incidentes abiertos",
            "qué está fallando",
            "incidentes abiertos de [checkout](service)",
            "hay incidentes [sev 1](severity)",
        ],
        "pt_BR": [
            "tem incidentes abertos",
            "o que está pegando fogo",
            "incidentes abertos do [checkout](service)",
            "tem incidentes [sev 1](severity)",
        ],
        "ja": ["未解決のインシデントは", "[checkout](service)のインシデント", "[sev 1](severity)のインシデントは"],
    },
    params={"service": Param("@service"), "severity": Param("@severity")},
)
def incident_list(turn: Turn) -> Reply:
    service: directory.Service | None = None
    if turn.text("service"):
        named = service_or_none(turn.text("service"))
        if isinstance(named, Reply):
            return named
        service = named
    severity = turn.integer("severity")
    if severity is not None and not 1 <= severity <= 4:  # 0, -1, 1e20: no such severity
        return Reply.say(_("Severities go from 1, the most urgent, to 4. Which severity?")).chips(_("Open incidents"))
    found = incidents.open_incidents(service.id if service else "", severity)
    scope = _scope(severity, service.name if service else "")
    if not found:
        return Reply.say(_("Good news: no {scope}.", scope=scope)).chips(_("Who is on call?"), _("Help"))
    names = {s.id: s.name for s in directory.directory().services.values()}
    items = [
        ListItem(
            _("#{number} sev {severity}: {title}", number=i["number"], severity=i["severity"], title=i["title"]),
            _(
                "{service}, {status}, opened {ago}",
                service=names.get(i["service"], i["service"]),
                status=_state(i["status"]),
                ago=clock.ago(i["opened_at"]),
            ),
            key=str(i["number"]),
        )
        for i in found
    ]
    first = found[0]
    count = (
        _("{count} {scope}", count=len(found), scope=scope) if len(found) < 5 else _("The top 5 {scope}", scope=scope)
    )
    summary = _(
        "{count}. The most urgent is #{number}, sev {severity}: {title}.",
        count=count,
        number=first["number"],
        severity=first["severity"],
        title=first["title"],
    )
    unacknowledged = next((i for i in found if i["status"] == "open"), None)
    chips = [_("Acknowledge incident {number}", number=unacknowledged["number"])] if unacknowledged else []
    return (
        Reply.say(summary)
        .list(scope[0].upper() + scope[1:], items)
        .chips(*chips, _("Resolve incident {number}", number=first["number"]))
    )
