"""The HTTP door: only POSTed JSON of a sane size gets in; everything else gets a short
JSON error that names the problem (405, 415, 413, 400)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from fulfillment.http.refusal import Refusal
from fulfillment.jsonio import orjson

if TYPE_CHECKING:
    from flask import Request


def read_json(request: Request, max_bytes: int) -> Any:
    environ = request.environ  # plain WSGI reads: cheaper than werkzeug's parsing
    method = environ.get("REQUEST_METHOD", "")
    if method != "POST":
        raise Refusal(f"method {method} not allowed; Dialogflow webhooks use POST", 405, {"Allow": "POST"})
    content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        raise Refusal(f"content type must be application/json, not {content_type or 'none'}", 415)
    length = environ.get("CONTENT_LENGTH", "")
    expected = int(length) if length.isdigit() else -1
    if expected > max_bytes:
        raise Refusal(f"body of {length} bytes is over the {max_bytes}-byte limit", 413)
    try:
        if expected >= 0:
            data = environ["wsgi.input"].read(expected)
            # functions-framework reads the body again after every answer (`get_data()`, so a
            # client is never answered mid-upload); werkzeug's cache of it saves that: -19k
            # instructions a request (docs/benchmarks.md). Without the cache it reads an empty stream.
            request._cached_data = data
        else:
            data = request.stream.read(max_bytes + 1)  # chunked: no Content-Length to trust
    except Exception:  # noqa: BLE001 - gunicorn's chunk errors, a dropped client
        raise Refusal("unreadable body: malformed chunked encoding or cut short") from None
    if len(data) < expected:
        raise Refusal(f"body cut short: {len(data)} of {length} bytes arrived")
    if expected < 0 and len(data) > max_bytes:
        raise Refusal(f"body is over the {max_bytes}-byte limit", 413)
    body = _fast(data)  # a JSON value: the body was not empty
    if body is not _SLOW:
        return body
    if not data.strip():
        raise Refusal("empty body; expected a Dialogflow webhook request")
    try:
        # Strict decoding: json.loads(bytes) would let UTF-8-encoded surrogates (ED A0 80) through.
        text = data.decode(json.detect_encoding(data))
        body = json.loads(text)
    except UnicodeDecodeError:
        raise Refusal("body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise Refusal(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise Refusal("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer past Python's 4300-digit limit
        raise Refusal(f"unreadable JSON: {str(exc)[:120]}") from None
    if _ESCAPED_SURROGATE.search(text) and _has_lone_surrogate(body):
        raise Refusal("body is not valid Unicode: a lone UTF-16 surrogate (\\ud800-\\udfff) in a string")
    return body


_SLOW = object()


def _fast(data: bytes) -> Any:
    """The body parsed by orjson (less than half of json's instructions on a 1-5 KB body), or
    _SLOW where the standard library's reading could differ: orjson refuses what json accepts
    (a BOM, UTF-16, NaN, 1e400) and names errors its own way, so anything it refuses takes
    the standard path below. What orjson accepts is UTF-8 without lone surrogates. One
    difference stays: an integer past 64 bits reads as a float, as it does in Dialogflow
    itself (its parameters are protobuf Struct values: doubles)."""
    if orjson is None:
        return _SLOW
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _SLOW


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # cheap pre-check: most bodies have none
_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads pairs valid ones: any left is lone


def _has_lone_surrogate(value: Any) -> bool:
    """Walk the parsed body (iteratively: it may be nested up to json's own limit)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
