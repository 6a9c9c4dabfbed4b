"""Surface-specific rich output shared by both dialects.

Dialogflow Messenger reads `richContent` custom payloads (ES and CX alike); Google
Assistant (Conversational Actions, shut down in 2023 but still rendered when a request
comes from it) reads `payload.google`. Handlers never see either format.
"""

from __future__ import annotations

from typing import Any, Mapping

from fulfillment.reply import Card, Chips, Image, ItemList, LinkOut, Message, Reply, Speech, Text

# A platform's name as Dialogflow writes it in `source` (ES originalDetectIntentRequest, CX
# payload), in the order they are tried: "facebook messenger" is Facebook's.
SURFACE_SOURCES = (
    ("telephony", "telephony"),
    ("facebook", "facebook"),
    ("messenger", "messenger"),
    ("google", "google_assistant"),
    ("slack", "slack"),
    ("telegram", "telegram"),
    ("twilio", "twilio"),
    ("viber", "viber"),
    ("skype", "skype"),
    ("hangouts", "hangouts"),
    ("kik", "kik"),
    ("line", "line"),
)


def surface_named(source: str) -> str:
    """The surface a request's `source` names ("" when it names none we know), ES and CX alike."""
    return next((name for key, name in SURFACE_SOURCES if key in source), "")


def rich_content_entries(data: Mapping[str, Any]) -> list[Any]:
    """A custom Messenger payload's `richContent` rows, flattened to join the reply's own card
    (Messenger shows one richContent block per message; several would be several bubbles)."""
    return [entry for row in data.get("richContent") or [] if isinstance(row, list) for entry in row]


def messenger_entries(message: Message) -> list[dict[str, Any]]:
    """Dialogflow Messenger `richContent` entries for one non-text message."""
    if isinstance(message, Chips):
        return [{"type": "chips", "options": [{"text": label} for label in message.labels]}] if message.labels else []
    if isinstance(message, Card):
        entries: list[dict[str, Any]] = []
        if message.image_url:
            entries.append({"type": "image", "rawUrl": message.image_url, "accessibilityText": message.title})
        info: dict[str, Any] = {"type": "info", "title": message.title}
        if message.subtitle:
            info["subtitle"] = message.subtitle
        if len(message.buttons) == 1:
            info["actionLink"] = message.buttons[0].url
        entries.append(info)
        if len(message.buttons) > 1:
            entries.extend(
                {"type": "button", "text": b.title, "link": b.url, "icon": {"type": "chevron_right"}}
                for b in message.buttons
            )
        return entries
    if isinstance(message, Image):
        return [{"type": "image", "rawUrl": message.url, "accessibilityText": message.alt or "image"}]
    if isinstance(message, ItemList):
        entries = [{"type": "description", "title": message.title}] if message.title else []
        for i, item in enumerate(message.items):
            if i:
                entries.append({"type": "divider"})
            entry: dict[str, Any] = {"type": "list", "title": item.title}
            if item.description:
                entry["subtitle"] = item.description
            entries.append(entry)
        return entries
    if isinstance(message, LinkOut):
        return [{"type": "button", "text": message.title, "link": message.url, "icon": {"type": "launch"}}]
    return []


def list_as_text(message: ItemList) -> str:
    """A list for surfaces without one: a numbered text bubble."""
    lines = [
        f"{i}. {item.title}" + (f" — {item.description}" if item.description else "")
        for i, item in enumerate(message.items, 1)
    ]
    return "\n".join([message.title, *lines] if message.title else lines)


def google_payload(reply: Reply) -> dict[str, Any]:
    """`payload.google` for Actions on Google: simpleResponse first, at most two bubbles,
    suggestions and a link-out apart, a list as an OPTION system intent."""
    items: list[dict[str, Any]] = []
    suggestions: list[dict[str, str]] = []
    extra: dict[str, Any] = {}
    for message in reply.messages:
        if isinstance(message, Text):
            items.append({"simpleResponse": {"textToSpeech": message.text}})
        elif isinstance(message, Speech):
            items.append({"simpleResponse": {"ssml": message.ssml, "displayText": message.display}})
        elif isinstance(message, Chips):
            suggestions.extend({"title": label[:25]} for label in message.labels)
        elif isinstance(message, Card):
            card: dict[str, Any] = {"title": message.title}
            if message.subtitle:
                card["formattedText"] = message.subtitle
            if message.image_url:
                card["image"] = {"url": message.image_url, "accessibilityText": message.title}
            if message.buttons:
                card["buttons"] = [{"title": b.title, "openUrlAction": {"url": b.url}} for b in message.buttons[:1]]
            items.append({"basicCard": card})
        elif isinstance(message, Image):
            items.append({"basicCard": {"image": {"url": message.url, "accessibilityText": message.alt or "image"}}})
        elif isinstance(message, LinkOut):
            extra["linkOutSuggestion"] = {"destinationName": message.title, "url": message.url}
        elif isinstance(message, ItemList) and len(message.items) >= 2:
            extra["systemIntent"] = {
                "intent": "actions.intent.OPTION",
                "data": {
                    "@type": "type.googleapis.com/google.actions.v2.OptionValueSpec",
                    "listSelect": {
                        "title": message.title,
                        "items": [
                            {
                                "optionInfo": {"key": item.key or item.title, "synonyms": []},
                                "title": item.title,
                                "description": item.description,
                            }
                            for item in message.items[:30]
                        ],
                    },
                },
            }
    simple = [i for i in items if "simpleResponse" in i][:2]
    others = [i for i in items if "simpleResponse" not in i][:1]
    if not simple:
        simple = [{"simpleResponse": {"textToSpeech": " "}}]
    rich_response: dict[str, Any] = {"items": [simple[0], *others, *simple[1:]]}
    if suggestions:
        rich_response["suggestions"] = suggestions[:8]
    if "linkOutSuggestion" in extra:
        rich_response["linkOutSuggestion"] = extra.pop("linkOutSuggestion")
    return {"expectUserResponse": not reply.end, "richResponse": rich_response, **extra}
