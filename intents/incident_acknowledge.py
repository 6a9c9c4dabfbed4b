"""Acknowledge an incident atomically: of two people at once, exactly one wins."""

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_
from oncall.incident_change import change


@intent(
    "incident.acknowledge",
    blocking="firestore",
    phrases={
        "en": [
            "acknowledge incident [42](number)",
            "ack [42](number)",
            "I'm on incident [7](number)",
            "acknowledge [12](number)",
        ],
        "de": ["bestätige incident [42](number)", "ack [42](number)", "ich übernehme incident [7](number)"],
        "fr": ["acquitte l'incident [42](number)", "ack [42](number)", "je prends l'incident [7](number)"],
        "es": ["reconoce el incidente [42](number)", "ack [42](number)", "me encargo del incidente [7](number)"],
        "pt_BR": ["reconhecer incidente [42](number)", "ack [42](number)", "estou no incidente [7](number)"],
        "ja": ["インシデント[42](number)を確認", "[7](number)番のインシデントを対応します"],
    },
    params={"number": Param("@sys.number", required=True, prompt=N_("Which incident number?"))},
)
def incident_acknowledge(turn: Turn) -> Reply:
    return change(turn, "acknowledge")
