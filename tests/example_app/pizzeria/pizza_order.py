"""Order a pizza: the size is required (Dialogflow asks with the prompt), toppings optional."""

from fulfillment import Param, Reply, Turn, entity, intent

entity("size", {"small": ["small", "little"], "large": ["large", "big", "family"]}, fuzzy=False)


@intent(
    "pizza.order",
    inline=True,
    phrases=["a [large](size) pizza with [mushrooms](topping)", "I'd like a [small](size) pizza"],
    params={
        "size": Param("@size", required=True, prompt="Small or large?"),
        "topping": Param("@sys.any", is_list=True),
    },
)
def pizza_order(turn: Turn) -> Reply:
    if turn.text("size") == "burnt":
        raise RuntimeError("the oven caught fire")  # the framework's apology, the app's words
    toppings = [t for t in turn.param("topping", []) if isinstance(t, str)]
    with_what = " with " + " and ".join(toppings) if toppings else ""
    return (
        Reply.say(f"One {turn.text('size', 'medium')} pizza{with_what}, coming up.")
        .remember("last-order", 5, size=turn.text("size"))
        .chips("Opening hours")
    )
