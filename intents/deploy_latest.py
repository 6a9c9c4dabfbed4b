"""When a service was last deployed: version, who, when, status."""

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_, _
from oncall import clock, deploys
from oncall.answers import ask_for_service

NOTES = {
    "succeeded": "",
    "rolled_back": N_("It was rolled back."),
    "failed": N_("It failed."),
    "in_progress": N_("It is still rolling out."),
}


@intent(
    "deploy.latest",
    blocking="firestore",
    phrases={
        "en": [
            "when was [checkout](service) last deployed",
            "last deploy of [payments](service)",
            "what version of [search](service) is live",
        ],
        "de": [
            "wann wurde [checkout](service) zuletzt deployt",
            "letztes deployment von [payments](service)",
            "welche version von [search](service) läuft",
        ],
        "fr": [
            "quand [checkout](service) a-t-il été déployé",
            "dernier déploiement de [payments](service)",
            "quelle version de [search](service) est en ligne",
        ],
        "es": [
            "cuándo se desplegó [checkout](service)",
            "último despliegue de [payments](service)",
            "qué versión de [search](service) está activa",
        ],
        "pt_BR": [
            "quando o [checkout](service) foi implantado",
            "último deploy do [payments](service)",
            "qual versão do [search](service) está no ar",
        ],
        "ja": [
            "[checkout](service)の最新デプロイ",
            "[payments](service)はいつデプロイされた",
            "[search](service)のバージョンは",
        ],
    },
    params={"service": Param("@service", required=True, prompt=N_("Which service?"))},
)
def deploy_latest(turn: Turn) -> Reply:
    service = ask_for_service(turn)
    if isinstance(service, Reply):
        return service
    deploy = deploys.latest_deploy(service.id)
    if deploy is None:
        return Reply.say(_("I have no deploys on record for {service}.", service=service.name))
    status = deploy.get("status", "done")
    note = (
        _(NOTES[status])
        if status in NOTES and NOTES[status]
        else ("" if status in NOTES else _("Status: {status}.", status=status))
    )
    text = _(
        "{service} {version} was deployed by {by} {ago}.",
        service=service.name,
        version=deploy["version"],
        by=deploy["by"],
        ago=clock.ago(deploy["at"]),
    )
    return Reply.say(f"{text} {note}" if note else text).chips(_("How is {service}?", service=service.name))
