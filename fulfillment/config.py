"""Settings from environment variables, read once per process.

Secrets (basic-auth password, shared header secret) are read here too and never logged.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    project: str
    database: str
    max_body_bytes: int
    es_budget_s: float
    cx_budget_s: float
    log_query_text: bool
    health_path: str
    version: str
    emulator: bool
    intent_packages: tuple[str, ...]

    @property
    def production(self) -> bool:
        return not self.emulator


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ.get
    cx_timeout = _float("WEBHOOK_TIMEOUT_CX_S", 5.0)
    return Settings(
        project=env("GOOGLE_CLOUD_PROJECT") or env("GCP_PROJECT") or env("GCLOUD_PROJECT") or "watchkeeper-local",
        database=env("FIRESTORE_DATABASE") or "(default)",
        max_body_bytes=int(_float("MAX_BODY_BYTES", 256 * 1024)),
        es_budget_s=_float("DEADLINE_ES_S", 4.0),
        cx_budget_s=_float("DEADLINE_CX_S", 0.8 * min(max(cx_timeout, 1.0), 30.0)),
        log_query_text=env("LOG_QUERY_TEXT", "").lower() in ("1", "true", "yes"),
        health_path=env("HEALTH_PATH") or "/healthz",
        version=env("K_REVISION") or env("WATCHKEEPER_VERSION") or "dev",
        emulator=bool(env("FIRESTORE_EMULATOR_HOST")),
        intent_packages=tuple(p.strip() for p in (env("INTENT_PACKAGES") or "intents").split(",") if p.strip()),
    )
