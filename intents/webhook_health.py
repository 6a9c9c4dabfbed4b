"""How fast this webhook itself is: from this instance's recent request latencies."""

from fulfillment import Reply, Turn, intent, recent_stats
from fulfillment.i18n import _, ngettext


@intent(
    "webhook.health",
    inline=True,
    phrases={
        "en": ["how fast are you", "are you healthy", "what is your latency"],
        "de": ["wie schnell bist du", "bist du gesund", "wie ist deine latenz"],
        "fr": ["es-tu rapide", "est-ce que tu vas bien", "quelle est ta latence"],
        "es": ["qué tan rápido eres", "estás bien", "cuál es tu latencia"],
        "pt_BR": ["quão rápido você é", "você está saudável", "qual é a sua latência"],
        "ja": ["応答速度は", "元気ですか", "レイテンシは"],
    },
)
def webhook_health(turn: Turn) -> Reply:
    stats = recent_stats()
    if not stats["count"]:
        return Reply.say(_("This is my first request in the last hour, so I have nothing to report yet."))
    answered = ngettext(
        "In the last hour I answered {n} request: half within {p50} ms, 99% within {p99} ms.",
        "In the last hour I answered {n} requests: half within {p50} ms, 99% within {p99} ms.",
        stats["count"],
        p50=f"{stats['p50']:.0f}",
        p99=f"{stats['p99']:.0f}",
    )
    errors = (
        ngettext("{n} of them failed or timed out.", "{n} of them failed or timed out.", stats["errors"])
        if stats["errors"]
        else _("None failed.")
    )
    return Reply.say(f"{answered} {errors}")
