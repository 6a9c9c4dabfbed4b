"""Resolve an incident atomically (see _oncall.change_incident)."""
from fulfillment import Param, Reply, Turn, intent
from intents._incident_change import change


@intent("incident.resolve", blocking="firestore",
        phrases=["resolve incident [42](number)", "close incident [7](number)", "incident [3](number) is fixed"],
        params={"number": Param("@sys.number", required=True, prompt="Which incident number?")})
def incident_resolve(turn: Turn) -> Reply:
    return change(turn, "resolve")
