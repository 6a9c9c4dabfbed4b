"""`python -m fulfillment agent export --cx`: the Dialogflow CX agent, built from intents/.

Writes the JSON package CX exports (`ExportAgentRequest.DataFormat.JSON_PACKAGE`) and
restores (`AgentsClient.restore_agent`), one folder per resource, referring to each other
by display name:

    agent.json
    intents/NAME/NAME.json                          displayName, parameters (id, entityType)
    intents/NAME/trainingPhrases/LANG.json          parts, parameterId for annotated words
    entityTypes/NAME/NAME.json                      kind KIND_MAP
    entityTypes/NAME/entities/LANG.json             value, synonyms per language
    webhooks/webhook.json                           the function's URL and its auth
    flows/Default Start Flow/Default Start Flow.json  a route per intent -> webhook, tag = intent name
    flows/Default Start Flow/pages/NAME.json        a form collecting an intent's required parameters

Field names and layout follow real CX exports (see tests/test_agent_cx.py for which ones).
Ids are derived from names, so two exports of the same code are byte-for-byte comparable.

Settings: AGENT_NAME, AGENT_TIMEZONE (UTC), WEBHOOK_URL, WEBHOOK_TIMEOUT_CX_S (5),
WEBHOOK_HEADER_NAME / WEBHOOK_HEADER_SECRET (sent as a request header when set),
WEBHOOK_BASIC_USER / WEBHOOK_BASIC_PASSWORD (when set). The webhook always asks Dialogflow's
service agent for an ID token (`serviceAgentAuth: ID_TOKEN`), which `auth.py` verifies.
"""

from __future__ import annotations

from typing import Any

from fulfillment import app, entities, i18n, router
from fulfillment.agent.export_es import _ANNOTATION, _id, file_name, write_export, zip_files
from fulfillment.settings import settings

START_FLOW = "Default Start Flow"
START_FLOW_ID = "00000000-0000-0000-0000-000000000000"  # CX's fixed id for the start flow
WEBHOOK = "webhook"
WELCOME = "Default Welcome Intent"  # CX's built-in greeting intent


def cx_language(language: str) -> str:
    """CX language codes are lower case with a hyphen: pt-br, en-us, de."""
    return language.replace("_", "-").lower()


def intent_display_name(intent: router.Intent) -> str:
    """The intent's name, except that the greeting is CX's own Default Welcome Intent."""
    return WELCOME if WELCOME in intent.aliases else intent.name


def training_phrases(intent: router.Intent, language: str) -> list[dict[str, Any]]:
    """ "who is on call for [payments](service)" -> parts, the annotated one with its parameterId."""
    out = []
    for phrase in intent.phrases_in(language):
        parts: list[dict[str, Any]] = []
        position = 0
        for match in _ANNOTATION.finditer(phrase):
            if match.start() > position:
                parts.append({"text": phrase[position : match.start()]})
            if match.group(2) not in intent.params:
                raise ValueError(f"{intent.name}: phrase {phrase!r} annotates undeclared parameter {match.group(2)!r}")
            parts.append({"text": match.group(1), "parameterId": match.group(2)})
            position = match.end()
        if position < len(phrase):
            parts.append({"text": phrase[position:]})
        out.append(
            {
                "id": _id(intent.name, "cx-phrase", language, phrase),
                "parts": parts,
                "repeatCount": 1,
                "languageCode": cx_language(language),
            }
        )
    return out


def intent_json(intent: router.Intent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": _id("cx-intent", intent.name),
        "displayName": intent_display_name(intent),
        "priority": 500000,
    }
    if intent.params:
        body["parameters"] = [
            {"id": name, "entityType": p.entity, **({"isList": True} if p.is_list else {})}
            for name, p in intent.params.items()
        ]
    body["description"] = f"tag {intent.name} (generated from intents/; do not edit in the console)"
    return body


def _fulfillment(tag: str) -> dict[str, Any]:
    return {"webhook": WEBHOOK, "tag": tag}


def _text(language: str, text: str) -> dict[str, Any]:
    return {"text": {"text": [text]}, "languageCode": cx_language(language)}


def form_page(intent: router.Intent, languages: list[str]) -> dict[str, Any]:
    """A page that asks for each required parameter with its declared prompt (in every
    language), then calls the webhook with the intent's tag and goes back to the start."""
    parameters = []
    for name, p in intent.params.items():
        entry: dict[str, Any] = {"displayName": name, "required": p.required, "entityType": p.entity}
        if p.is_list:
            entry["isList"] = True
        if p.required and p.prompt:
            entry["fillBehavior"] = {
                "initialPromptFulfillment": {
                    "messages": [_text(lang, i18n.translate(lang, p.prompt)) for lang in languages]
                }
            }
        parameters.append(entry)
    return {
        "name": _id("cx-page", intent.name),
        "displayName": page_name(intent),
        "form": {"parameters": parameters},
        "transitionRoutes": [
            {
                "condition": '$page.params.status = "FINAL"',
                "triggerFulfillment": _fulfillment(intent.name),
                "targetPage": "START_PAGE",
                "name": _id("cx-page-route", intent.name),
            }
        ],
    }


def page_name(intent: router.Intent) -> str:
    return f"{intent.name} form"


def _needs_form(intent: router.Intent) -> bool:
    return any(p.required for p in intent.params.values())


def start_flow(intents: list[router.Intent]) -> dict[str, Any]:
    """Each intent routes to the webhook (tag = its name), through its form page when it has
    required parameters; no match and no input go to the fallback's tag."""
    routes = []
    for intent in intents:
        if intent.fallback or not intent.webhook:
            continue
        route: dict[str, Any] = {"intent": intent_display_name(intent)}
        if _needs_form(intent):
            route["targetPage"] = page_name(intent)
        else:
            route["triggerFulfillment"] = _fulfillment(intent.name)
        route["name"] = _id("cx-route", intent.name)
        routes.append(route)
    fallback = next((i.name for i in intents if i.fallback), "")
    handlers = (
        [
            {"event": event, "triggerFulfillment": _fulfillment(fallback), "name": _id("cx-event", event)}
            for event in ("sys.no-match-default", "sys.no-input-default")
        ]
        if fallback
        else []
    )
    return {
        "name": START_FLOW_ID,
        "displayName": START_FLOW,
        "description": "Routes every intent to the webhook (generated from the intents' code)",
        "transitionRoutes": routes,
        "eventHandlers": handlers,
        "nluSettings": {"modelType": "MODEL_TYPE_STANDARD", "classificationThreshold": 0.3},
    }


def webhook_json() -> dict[str, Any]:
    cfg = settings()
    service: dict[str, Any] = {
        "uri": cfg.webhook_url,
        "webhookType": "STANDARD",
        "httpMethod": "POST",
        "serviceAgentAuth": "ID_TOKEN",
    }
    if cfg.header_name and cfg.header_secret:
        service["requestHeaders"] = {cfg.header_name: cfg.header_secret}
    if cfg.basic_user and cfg.basic_password:
        service["username"] = cfg.basic_user
        service["password"] = cfg.basic_password
    timeout = max(1, min(30, int(cfg.cx_timeout_s)))
    return {
        "name": _id("cx-webhook", WEBHOOK),
        "displayName": WEBHOOK,
        "genericWebService": service,
        "timeout": {"seconds": timeout},
    }


def agent_json(languages: list[str]) -> dict[str, Any]:
    return {
        "displayName": app.agent_name(),
        "defaultLanguageCode": cx_language(languages[0]),
        "supportedLanguageCodes": [cx_language(lang) for lang in languages[1:]],
        "timeZone": settings().agent_timezone,
        "description": app.current().description,
        "startFlow": START_FLOW,
        "enableStackdriverLogging": True,
        "enableSpellCorrection": False,
        "advancedSettings": {"loggingSettings": {"enableStackdriverLogging": True, "enableInteractionLogging": False}},
    }


def files(languages: list[str] | None = None) -> dict[str, Any]:
    """Every file of the CX package, by path, as JSON values."""
    languages = languages or i18n.agent_languages()
    intents = list(router.intents().values())
    out: dict[str, Any] = {
        "agent.json": agent_json(languages),
        f"webhooks/{WEBHOOK}.json": webhook_json(),
        f"flows/{START_FLOW}/{START_FLOW}.json": start_flow(intents),
    }
    for intent in intents:
        if intent.fallback:
            continue  # CX has no fallback intent: no-match events reach its tag
        name = file_name(intent_display_name(intent))
        out[f"intents/{name}/{name}.json"] = intent_json(intent)
        for lang in languages:
            phrases = training_phrases(intent, lang)
            if phrases:
                out[f"intents/{name}/trainingPhrases/{cx_language(lang)}.json"] = {"trainingPhrases": phrases}
        if _needs_form(intent):
            out[f"flows/{START_FLOW}/pages/{file_name(page_name(intent))}.json"] = form_page(intent, languages)
    for entity in entities.entities().values():
        out[f"entityTypes/{entity.name}/{entity.name}.json"] = {
            "name": _id("cx-entity", entity.name),
            "displayName": entity.name,
            "kind": "KIND_MAP",
            "enableFuzzyExtraction": entity.fuzzy,
        }
        for lang in languages:
            out[f"entityTypes/{entity.name}/entities/{cx_language(lang)}.json"] = {
                "entities": [
                    {"value": value, "synonyms": list(synonyms), "languageCode": cx_language(lang)}
                    for value, synonyms in entity.resolved_entries(lang).items()
                ]
            }
    return out


def build_zip(languages: list[str] | None = None) -> bytes:
    return zip_files(files(languages))


def main(args: Any) -> int:
    return write_export(args.out, "CX package", build_zip)
