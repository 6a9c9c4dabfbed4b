"""When is the kitchen open? Read from the pizzeria's own settings section."""

from fulfillment import Reply, Turn, intent
from pizzeria import pizzeria_settings


@intent("pizza.hours", inline=True, phrases=["when are you open", "opening hours"])
def pizza_hours(turn: Turn) -> Reply:
    last = turn.memory("last-order")
    again = f" Another {last['size']} one?" if last and last.get("size") else ""
    return Reply.say(f"We're open from noon until {pizzeria_settings().closing_hour}:00.{again}")
