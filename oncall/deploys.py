"""Deploys: the latest one of a service (recorded from Cloud Build, see events/builds.py)."""

from __future__ import annotations

from fulfillment import store


def latest_deploy(service_id: str) -> dict | None:
    from google.cloud.firestore_v1 import FieldFilter, Query

    query = (
        store.client()
        .collection("deploys")
        .where(filter=FieldFilter("service", "==", service_id))
        .order_by("at", direction=Query.DESCENDING)
        .limit(1)
    )
    docs = list(query.stream(timeout=store.timeout()))
    return docs[0].to_dict() if docs else None
