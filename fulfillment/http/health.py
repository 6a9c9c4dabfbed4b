"""The health path: what an uptime check sees (alive, version, intents; nothing sensitive)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from fulfillment.settings import Settings


def is_health_check(environ: Mapping[str, Any], cfg: Settings) -> bool:
    """GET on the health path (or the root, for uptime checks on the bare URL)."""
    return environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").rstrip("/") in (cfg.health_path, "")


def status(registered: list[str]) -> dict[str, Any]:
    """For an uptime check: alive, which version, which intents. Nothing sensitive."""
    from fulfillment.settings import settings

    return {"status": "ok", "version": settings().version, "intents": registered}
