"""Watchkeeper's intents: one module each. A module registers itself with @intent;
`fulfillment.router.load("intents")` imports them all. Modules starting with "_" are helpers.

The framework's polite failure sentences are generic; here they take Watchkeeper's words."""
from fulfillment import deadline
from fulfillment.i18n import N_

deadline.MESSAGES["db_unavailable"] = N_("Sorry, I can't reach the incident database right now. "
                                         "Please try again in a minute.")
