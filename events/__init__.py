"""Signals in: Pub/Sub push deliveries on /events/<name> (see fulfillment/push.py).

/events/alerts   Cloud Monitoring incidents (Pub/Sub notification channel) -> incidents
/events/builds   Cloud Build notifications (the cloud-builds topic)           -> deploys
/events/pages    pages to deliver (PAGES_TOPIC)                               -> a person
/events/outbox   a periodic tick (Cloud Scheduler -> Pub/Sub)                 -> unpublished pages
"""

from __future__ import annotations

from fulfillment.push import Handler

from . import alerts, builds, pages

HANDLERS: dict[str, Handler] = {
    "alerts": alerts.handle,
    "builds": builds.handle,
    "pages": pages.handle,
    "outbox": pages.handle_outbox,
}
