"""Cloud Build notifications (the `cloud-builds` topic; data = the Build resource) -> deploys.

Only final builds are recorded (SUCCESS, FAILURE, TIMEOUT, CANCELLED, and the rarer
INTERNAL_ERROR / EXPIRED); QUEUED and WORKING are acknowledged and ignored. The service is
the build's `_SERVICE` substitution, else its trigger name, resolved like spoken names.
The deploy's id is the build id, so a redelivered notification records nothing new.
"""

from __future__ import annotations

from typing import Any

from fulfillment import store
from fulfillment.push import Ignore, Message, Result
from oncall import clock, directory

from ._fields import mapping, rfc3339, text

FINAL = {
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "TIMEOUT": "timed_out",
    "CANCELLED": "cancelled",
    "INTERNAL_ERROR": "failed",
    "EXPIRED": "cancelled",
}


def handle(message: Message) -> Result:
    build = message.json()
    if not isinstance(build, dict) or not text(build.get("id")):
        raise Ignore("not a Cloud Build notification (no Build resource with an id)")
    status = text(build.get("status")).upper()
    fields: dict[str, Any] = {"build": text(build.get("id"), 100), "build_status": status}
    if status not in FINAL:
        return Result("not_final", fields)
    substitutions = {str(k): v for k, v in mapping(build.get("substitutions")).items()}
    trigger = text(substitutions.get("TRIGGER_NAME"), 200)
    wanted = text(substitutions.get("_SERVICE"), 200) or trigger
    if not wanted:
        raise Ignore("build has neither a _SERVICE substitution nor a trigger name")
    service = directory.service_named(wanted)
    if service is None:
        raise Ignore(f"unknown service {wanted!r} (from the build's _SERVICE or trigger name)")
    fields["service"] = service.id
    commit = text(substitutions.get("COMMIT_SHA"), 64) or text(
        mapping(mapping(build.get("sourceProvenance")).get("resolvedRepoSource")).get("commitSha"), 64
    )
    version = (
        text(substitutions.get("TAG_NAME"), 100)
        or text(substitutions.get("SHORT_SHA"), 40)
        or commit[:7]
        or fields["build"][:8]
    )
    finished = rfc3339(build.get("finishTime")) or clock.now()
    deploy = {
        "service": service.id,
        "version": version,
        "commit": commit,
        "status": FINAL[status],
        "build_status": status,
        "by": f"Cloud Build ({trigger})" if trigger else "Cloud Build",
        "trigger": trigger,
        "trigger_id": text(build.get("buildTriggerId"), 100),
        "started_at": rfc3339(build.get("startTime")),
        "at": finished,
        "log_url": text(build.get("logUrl"), 500),
        "build_id": fields["build"],
        "source": "cloud-build",
    }
    from google.api_core.exceptions import AlreadyExists, Conflict

    ref = store.client().collection("deploys").document("build-" + fields["build"])
    try:
        ref.create(deploy, timeout=store.timeout())
    except (AlreadyExists, Conflict):
        return Result("duplicate", fields)
    return Result("recorded", fields)
