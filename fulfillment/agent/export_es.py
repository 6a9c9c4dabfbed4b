"""`python -m fulfillment agent export`: the Dialogflow ES agent, built from intents/.

Writes the zip layout the ES console's "Restore from ZIP" and `AgentsClient.restore_agent`
accept: agent.json, package.json, intents/NAME.json + intents/NAME_usersays_LANG.json,
entities/NAME.json + entities/NAME_entries_LANG.json. Ids are derived from names, so two
exports of the same code are byte-for-byte comparable.

Languages: every language with a message catalog (or AGENT_LANGUAGES=en,de,...), English the
default; each intent's phrases per language (NAME_usersays_de.json), prompts from the catalogs.

Settings: AGENT_NAME, AGENT_LANGUAGES, AGENT_TIMEZONE (UTC), WEBHOOK_URL,
WEBHOOK_BASIC_USER / WEBHOOK_BASIC_PASSWORD (the password goes into the zip only when set;
the zip is kept out of git and of the deployed source).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import uuid
import zipfile
from typing import Any, Callable

from fulfillment import app, entities, i18n, router
from fulfillment.settings import settings

_ANNOTATION = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_NS = uuid.UUID("6f1c3b1e-2d59-4b8e-9a53-8b0f8f3f6a11")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def file_name(name: str) -> str:
    """Dialogflow names export files after the intent's display name."""
    return re.sub(r'[\\/:*?"<>|]', "_", name)


def es_language(language: str) -> str:
    """ES language codes: de, pt-br, en-us (catalogs are named de, pt_BR)."""
    return language.replace("_", "-").lower()


def usersays(intent: router.Intent, language: str) -> list[dict[str, Any]]:
    """Training phrases, with "[payments](service)" annotations as entity-tagged parts."""
    out = []
    for phrase in intent.phrases_in(language):
        data, position = [], 0
        for match in _ANNOTATION.finditer(phrase):
            if match.start() > position:
                data.append({"text": phrase[position : match.start()], "userDefined": False})
            alias = match.group(2)
            param = intent.params.get(alias)
            if param is None:
                raise ValueError(f"{intent.name}: phrase {phrase!r} annotates undeclared parameter {alias!r}")
            data.append({"text": match.group(1), "alias": alias, "meta": param.entity, "userDefined": True})
            position = match.end()
        if position < len(phrase):
            data.append({"text": phrase[position:], "userDefined": False})
        phrase_id = (
            _id(intent.name, "phrase", phrase)
            if language == router.DEFAULT_LANGUAGE
            else _id(intent.name, "phrase", language, phrase)
        )
        out.append(
            {
                "id": phrase_id,
                "data": data,
                "isTemplate": False,
                "count": 0,
                "lang": es_language(language),
                "updated": 0,
            }
        )
    return out


def intent_json(intent: router.Intent, language: str, languages: list[str] | None = None) -> dict[str, Any]:
    """The intent; its parameters' prompts in every language (from the message catalogs)."""
    languages = languages or [language]
    parameters = [
        {
            "id": _id(intent.name, "param", name),
            "name": name,
            "required": p.required,
            "dataType": p.entity,
            "value": f"${name}",
            "defaultValue": "",
            "isList": p.is_list,
            "prompts": [{"lang": es_language(lang), "value": i18n.translate(lang, p.prompt)} for lang in languages]
            if p.prompt
            else [],
            "promptMessages": [],
            "noMatchPromptMessages": [],
            "noInputPromptMessages": [],
            "outputDialogContexts": [],
        }
        for name, p in intent.params.items()
    ]
    body: dict[str, Any] = {
        "id": _id("intent", intent.name),
        "name": intent.name,
        "auto": True,
        "contexts": list(intent.input_contexts),
        "responses": [
            {
                "resetContexts": False,
                "action": intent.name,
                "affectedContexts": [{"name": name, "lifespan": lifespan} for name, lifespan in intent.output_contexts],
                "parameters": parameters,
                "messages": [
                    {"type": "0", "title": "", "textToSpeech": "", "lang": es_language(language), "speech": []}
                ],
                "speech": [],
            }
        ],
        "priority": 500000,
        "webhookUsed": intent.webhook,
        "webhookForSlotFilling": False,
        "fallbackIntent": intent.fallback,
        "events": [{"name": event} for event in intent.events],
        "conditionalResponses": [],
        "condition": "",
        "conditionalFollowupEvents": [],
    }
    if intent.parent:
        root = intent.parent
        while router.intents()[root].parent:
            root = router.intents()[root].parent
        body["parentId"] = _id("intent", intent.parent)
        body["rootParentId"] = _id("intent", root)
    return body


def agent_json(language: str, supported: list[str] | None = None) -> dict[str, Any]:
    cfg = settings()
    webhook: dict[str, Any] = {
        "url": cfg.webhook_url,
        "username": cfg.basic_user,
        "headers": {},
        "available": bool(cfg.webhook_url),
        "useForDomains": False,
        "cloudFunctionsEnabled": False,
        "cloudFunctionsInitialized": False,
    }
    if cfg.basic_password:
        webhook["password"] = cfg.basic_password
    if cfg.header_name and cfg.header_secret:
        webhook["headers"] = {cfg.header_name: cfg.header_secret}
    return {
        "description": app.current().description,
        "language": es_language(language),
        "shortDescription": "",
        "examples": "",
        "linkToDocs": "",
        "displayName": app.agent_name(),
        "disableInteractionLogs": False,
        "disableStackdriverLogs": True,
        "defaultTimezone": cfg.agent_timezone,
        "webhook": webhook,
        "isPrivate": True,
        "mlMinConfidence": 0.3,
        "supportedLanguages": [es_language(lang) for lang in supported or []],
        "enableOnePlatformApi": True,
        "onePlatformApiVersion": "v2",
        "analyzeQueryTextSentiment": False,
        "enabledKnowledgeBaseNames": [],
        "knowledgeServiceConfidenceAdjustment": 0.0,
        "dialogBuilderMode": False,
        "baseActionPackagesUrl": "",
        "enableSpellCorrection": False,
    }


def files(language: str | None = None, languages: list[str] | None = None) -> dict[str, Any]:
    """Every file of the export, by path, as JSON values: `language` alone, or `languages`
    (default: AGENT_LANGUAGES or every catalog), the first being the agent's default."""
    languages = languages or ([language] if language else i18n.agent_languages())
    language = languages[0]
    out: dict[str, Any] = {"agent.json": agent_json(language, languages[1:]), "package.json": {"version": "1.0.0"}}
    for intent in router.intents().values():
        name = file_name(intent.name)
        out[f"intents/{name}.json"] = intent_json(intent, language, languages)
        for lang in languages:
            if intent.phrases_in(lang):
                out[f"intents/{name}_usersays_{es_language(lang)}.json"] = usersays(intent, lang)
    for entity in entities.entities().values():
        out[f"entities/{entity.name}.json"] = {
            "id": _id("entity", entity.name),
            "name": entity.name,
            "isOverridable": True,
            "isEnum": False,
            "isRegexp": False,
            "automatedExpansion": False,
            "allowFuzzyExtraction": entity.fuzzy,
        }
        for lang in languages:
            out[f"entities/{entity.name}_entries_{es_language(lang)}.json"] = [
                {"value": value, "synonyms": list(synonyms)}
                for value, synonyms in entity.resolved_entries(lang).items()
            ]
    return out


def build_zip(language: str | None = None) -> bytes:
    return zip_files(files(language))


def zip_files(files: dict[str, Any]) -> bytes:
    """The export's files as a zip that is byte-for-byte the same for the same code."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, value in sorted(files.items()):
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, json.dumps(value, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def main(args: argparse.Namespace) -> int:
    return write_export(args.out, "ES agent", build_zip)


def write_export(out: str, what: str, build: Callable[[], bytes]) -> int:
    """`python -m fulfillment agent export [--cx]`: load the app's intents, write the zip."""
    names = app.load_for_command_line()
    data = build()
    with open(out, "wb") as f:
        f.write(data)
    print(
        f"wrote {out}: {what}, {len(names)} intents, {len(entities.entities())} entity types, {len(data)} bytes",
        file=sys.stderr,
    )
    return 0
