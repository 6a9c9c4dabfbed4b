"""Watchkeeper's own settings: a section of the app's configuration (see fulfillment.settings).

Declared here, read once, checked at start-up by `fulfillment.configure(APP)` in main.py, and
listed in docs/configuration.md's table with the framework's.
"""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment import section, setting


@dataclass(frozen=True)
class OnCallSettings:
    directory_ttl_s: float = setting("DIRECTORY_TTL_S", 60.0, "how long the service/team name directory is cached")
    directory_miss_refresh_s: float = setting(
        "DIRECTORY_MISS_REFRESH_S", 10.0, "an unknown service or team name reloads the directory at most this often"
    )
    pages_topic: str = setting(
        "PAGES_TOPIC", "", "topic pages are published to (short name or full path); unset: pages stay queued"
    )
    page_max_attempts: int = setting("PAGE_MAX_ATTEMPTS", 5, "delivery attempts before a page is marked failed")
    page_delivery_timeout_s: float = setting("PAGE_DELIVERY_TIMEOUT_S", 4.0, "how long a page's receiver may take")
    outbox_after_s: float = setting(
        "OUTBOX_AFTER_S", 30.0, "a queued page older than this and not published is published by /events/outbox"
    )


def oncall_settings() -> OnCallSettings:
    return section(OnCallSettings)
