"""Watchkeeper's intents: one module each. A module registers itself with @intent;
`fulfillment.router.load("intents")` imports them all. Modules starting with "_" are helpers.

`APP` is how Watchkeeper describes itself to the framework (its wording, realm, settings,
catalogs). main.py hands it over with `fulfillment.configure(APP)`; the command line finds it
here to export the agent the way it is deployed."""
from pathlib import Path

from fulfillment import App
from fulfillment.i18n import N_
from intents._settings import OnCallSettings

APP = App(
    name="watchkeeper",
    description="Watchkeeper: an on-call assistant (generated from intents/; do not edit in the console)",
    realm="watchkeeper",
    messages={"db_unavailable": N_("Sorry, I can't reach the incident database right now. "
                                   "Please try again in a minute.")},
    settings=(OnCallSettings,),
    locale_dir=str(Path(__file__).resolve().parent.parent / "locales"),
)
