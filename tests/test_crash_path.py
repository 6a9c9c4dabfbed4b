"""When our own code fails past the handler (a rendering bug, say), the caller still gets a
valid apology in its dialect and the log line carries the stack trace."""

import json
from typing import Any

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from fulfillment.cli.simulate import cx_request, es_request

from conftest import assert_valid_response


@pytest.mark.parametrize("dialect_name,build", [("es", es_request), ("cx", cx_request)])
def test_a_bug_in_rendering_still_answers(monkeypatch, setenv, capfd, dialect_name, build):
    setenv("WEBHOOK_ALLOW_UNAUTHENTICATED", "1")
    import main
    from fulfillment.wire import dialect, fit

    def broken(reply, turn):
        raise KeyError("renderer bug")

    monkeypatch.setattr(dialect, "render", broken)
    monkeypatch.setattr(fit, "_rendered", type(fit._rendered)())
    request = Request(
        EnvironBuilder(
            method="POST", path="/", data=json.dumps(build("welcome")), content_type="application/json"
        ).get_environ()
    )
    result: Any = main.webhook(request)  # functions-framework's decorator erases the type
    body, status, headers = result
    assert status == 200
    answer = json.loads(body)
    assert_valid_response(answer, dialect_name)
    assert "something went wrong" in body.decode() and "renderer bug" not in body.decode()
    line = [json.loads(item) for item in capfd.readouterr().out.splitlines() if '"httpRequest"' in item][-1]
    assert line["outcome"] == "handler_error" and line["severity"] == "ERROR"
    assert "KeyError: 'renderer bug'" in line["message"] and line["@type"].endswith("ReportedErrorEvent")
