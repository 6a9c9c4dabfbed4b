"""'Did my page reach Tom?': the caller's latest page, answered from its delivery record."""
from fulfillment import Param, Reply, Turn, intent
from intents import _oncall, _pages


@intent("page.status",
        phrases=["did my page reach [Tom](person)", "did [Tom Okafor](person) get my page",
                 "did my page go through", "was my page delivered", "status of my page"],
        params={"person": Param("@sys.person")})
def page_status(turn: Turn) -> Reply:
    person = turn.text("person")
    page = _pages.latest_by(_pages.asker(turn)[0], person)
    if page is None:
        whom = f" to {person}" if person else ""
        return Reply.say(f"I have no page from you{whom} on record.").chips("Page the on-call for checkout")
    who = page.get("oncall") or "the on-call"
    attempts = page.get("attempts") or []
    status = page.get("status")
    if status == "delivered":
        via = {"chat": "Google Chat", "slack": "Slack", "webhook": "their webhook"}.get(
            str(page.get("delivered_via")), "their route")
        return Reply.say(f"Yes: your page reached {who} at {_pages.when(page.get('delivered_at'))} "
                         f"via {via}.").chips("Open incidents")
    if status == "failed":
        last = attempts[-1].get("detail", "") if attempts else ""
        return Reply.say(f"No: your page to {who} failed after {len(attempts)} "
                         f"attempt{'s' if len(attempts) != 1 else ''}{f' ({last})' if last else ''}. "
                         f"Try calling them, or page the secondary.").chips("Who is on call?")
    if attempts:
        return Reply.say(f"Not yet: {len(attempts)} attempt{'s' if len(attempts) != 1 else ''} to reach {who} "
                         f"failed so far ({attempts[-1].get('detail', 'no answer')}); I'm still retrying.")
    return Reply.say(f"Your page to {who} is queued, sent {_oncall.ago(page['created_at'])}; "
                     f"not delivered yet.")
