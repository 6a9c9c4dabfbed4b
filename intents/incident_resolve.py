"""Resolve an incident atomically (see incidents.change_incident)."""

from fulfillment import Param, Reply, Turn, intent
from fulfillment.i18n import N_
from oncall.incident_change import change


@intent(
    "incident.resolve",
    blocking="firestore",
    phrases={
        "en": ["resolve incident [42](number)", "close incident [7](number)", "incident [3](number) is fixed"],
        "de": ["löse incident [42](number)", "schließe incident [7](number)", "incident [3](number) ist behoben"],
        "fr": ["résous l'incident [42](number)", "ferme l'incident [7](number)", "l'incident [3](number) est corrigé"],
        "es": [
            "resuelve el incidente [42](number)",
            "cierra el incidente [7](number)",
            "el incidente [3](number) está arreglado",
        ],
        "pt_BR": [
            "resolver incidente [42](number)",
            "fechar incidente [7](number)",
            "o incidente [3](number) foi corrigido",
        ],
        "ja": ["インシデント[42](number)を解決", "インシデント[7](number)をクローズ"],
    },
    params={"number": Param("@sys.number", required=True, prompt=N_("Which incident number?"))},
)
def incident_resolve(turn: Turn) -> Reply:
    return change(turn, "resolve")
