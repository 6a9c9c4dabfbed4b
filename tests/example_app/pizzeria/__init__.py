"""The pizzeria's intents and how it describes itself to the framework."""

from dataclasses import dataclass

from fulfillment import App, section, setting


@dataclass(frozen=True)
class PizzeriaSettings:
    closing_hour: int = setting("CLOSING_HOUR", 23, "the hour the kitchen closes")


def pizzeria_settings() -> PizzeriaSettings:
    return section(PizzeriaSettings)


APP = App(
    name="pizzeria",
    description="Luigi's pizzeria: orders and opening hours",
    realm="pizzeria",
    messages={"handler_error": "Mamma mia, the oven is acting up. Please try again."},
    settings=(PizzeriaSettings,),
)
