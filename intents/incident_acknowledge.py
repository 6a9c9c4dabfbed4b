"""Acknowledge an incident atomically: of two people at once, exactly one wins."""
from fulfillment import Param, Reply, Turn, intent
from intents._incident_change import change


@intent("incident.acknowledge", blocking="firestore",
        phrases=["acknowledge incident [42](number)", "ack [42](number)", "I'm on incident [7](number)",
                 "acknowledge [12](number)"],
        params={"number": Param("@sys.number", required=True, prompt="Which incident number?")})
def incident_acknowledge(turn: Turn) -> Reply:
    return change(turn, "acknowledge")
