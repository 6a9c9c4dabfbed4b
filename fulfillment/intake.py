"""The HTTP door: only POSTed JSON of a sane size gets in; everything else gets a short
JSON error that names the problem (405, 415, 413, 400)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .dialect import BadRequest

if TYPE_CHECKING:
    from flask import Request


def read_json(request: Request, max_bytes: int) -> Any:
    environ = request.environ                  # plain WSGI reads: cheaper than werkzeug's parsing
    method = environ.get("REQUEST_METHOD", "")
    if method != "POST":
        raise BadRequest(f"method {method} not allowed; Dialogflow webhooks use POST", 405, {"Allow": "POST"})
    content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        raise BadRequest(f"content type must be application/json, not {content_type or 'none'}", 415)
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit():
        if int(length) > max_bytes:
            raise BadRequest(f"body of {length} bytes is over the {max_bytes}-byte limit", 413)
        data = environ["wsgi.input"].read(int(length))
    else:
        data = request.stream.read(max_bytes + 1)    # chunked: no Content-Length to trust
        if len(data) > max_bytes:
            raise BadRequest(f"body is over the {max_bytes}-byte limit", 413)
    if not data.strip():
        raise BadRequest("empty body; expected a Dialogflow webhook request")
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise BadRequest("body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    except ValueError as exc:                 # e.g. an integer past Python's 4300-digit limit
        raise BadRequest(f"unreadable JSON: {str(exc)[:120]}") from None
