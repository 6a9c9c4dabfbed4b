"""Watchkeeper's intents: one module each. A module registers itself with @intent;
`fulfillment.router.load("intents")` imports them all. Modules starting with "_" are helpers.

Shared helpers, one concern each: `_directory` (services and teams, cached), `_shifts` (who is
on call), `_incidents`, `_deploys`, `_pages` (the page outbox), `_clock`, `_replies`, `_settings`.

Collections (see data/seed.json and firestore.indexes.json):
  services/{id}   name, aliases[], tier, team, status, slo_target, error_budget_remaining
  teams/{id}      name, timezone
  shifts/{id}     team, starts, ends, primary{name,timezone}, secondary{name,timezone}
                  (names denormalised so "who is on call" is one query)
  incidents/{n}   number, title, service, severity, status, opened_at, acknowledged_*, resolved_*
  deploys/{id}    service, version, by, at, status
  pages/{id}      id derived from the Dialogflow turn, so a redelivered turn pages once;
                  status queued/delivering/delivered/retrying/failed, attempts[] (see _pages)
  people/{id}     name, timezone, route{kind: chat|slack|webhook, url} (id: pages.person_id)
  alerts/{hash}   Cloud Monitoring incident id -> incident number (events/alerts.py)

`APP` is how Watchkeeper describes itself to the framework (its wording, realm, settings,
catalogs). main.py hands it over with `fulfillment.configure(APP)`; the command line finds it
here to export the agent the way it is deployed."""

from pathlib import Path

from fulfillment import App
from fulfillment.i18n import N_
from oncall.settings import OnCallSettings

APP = App(
    name="watchkeeper",
    description="Watchkeeper: an on-call assistant (generated from intents/; do not edit in the console)",
    realm="watchkeeper",
    messages={
        "db_unavailable": N_("Sorry, I can't reach the incident database right now. Please try again in a minute.")
    },
    settings=(OnCallSettings,),
    locale_dir=str(Path(__file__).resolve().parent.parent / "locales"),
)
