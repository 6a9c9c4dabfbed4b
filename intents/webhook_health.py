"""How fast this webhook itself is: from this instance's recent request latencies."""
from fulfillment import Reply, Turn, intent, telemetry


@intent("webhook.health", inline=True, phrases=["how fast are you", "are you healthy", "what is your latency"])
def webhook_health(turn: Turn) -> Reply:
    stats = telemetry.recent_stats()
    if not stats["count"]:
        return Reply.say("This is my first request in the last hour, so I have nothing to report yet.")
    errors = f" {stats['errors']} of them failed or timed out." if stats["errors"] else " None failed."
    return Reply.say(f"In the last hour I answered {stats['count']} request{'s' if stats['count'] != 1 else ''}: "
                     f"half within {stats['p50']:.0f} ms, 99% within {stats['p99']:.0f} ms.{errors}")
