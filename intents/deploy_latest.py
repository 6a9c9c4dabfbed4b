"""When a service was last deployed: version, who, when, status."""
from fulfillment import Param, Reply, Turn, intent
from intents import _oncall
from intents._replies import ask_for_service


@intent("deploy.latest",
        phrases=["when was [checkout](service) last deployed", "last deploy of [payments](service)",
                 "what version of [search](service) is live"],
        params={"service": Param("@service", required=True, prompt="Which service?")})
def deploy_latest(turn: Turn) -> Reply:
    service = ask_for_service(turn, "Which service?")
    if isinstance(service, Reply):
        return service
    deploy = _oncall.latest_deploy(service.id)
    if deploy is None:
        return Reply.say(f"I have no deploys on record for {service.name}.")
    status = deploy.get("status", "done")
    note = {"succeeded": "", "rolled_back": " It was rolled back.", "failed": " It failed.",
            "in_progress": " It is still rolling out."}.get(status, f" Status: {status}.")
    return Reply.say(f"{service.name} {deploy['version']} was deployed by {deploy['by']} "
                     f"{_oncall.ago(deploy['at'])}.{note}").chips(f"How is {service.name}?")
