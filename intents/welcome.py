"""Greets and says what can be asked."""
from fulfillment import Reply, Turn, intent

CHIPS = ("Who is on call?", "Open incidents", "How is checkout?", "Last deploy of payments")


@intent("welcome", inline=True, aliases=("Default Welcome Intent",), events=("WELCOME",),
        phrases=["hi", "hello", "hey watchkeeper", "good morning", "start"])
def welcome(turn: Turn) -> Reply:
    return GREETING


# Replies are immutable, so a constant one is built once and shared by every request.
GREETING = (Reply.say("Hi, I'm Watchkeeper. I know who is on call, what is on fire and what "
                      "was deployed. What do you need?")
            .chips(*CHIPS))
