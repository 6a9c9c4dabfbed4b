"""Where a handler runs: on the request thread when nothing but Firestore can hold it up
(`blocking="firestore"`, whose every RPC `store` cuts to the time left), on a worker thread
when it may wait on anything else. The fault tests in test_deadline.py prove the deadline
holds for the first kind against a slow, silent or absent database."""

import threading
import time

import pytest

from fulfillment import Reply, app, deadline, router, store
from fulfillment.cli.simulate import es_request
from fulfillment.telemetry import timing
from fulfillment.wire.dialect import parse

seen: dict[str, str] = {}


def _firestore_only(turn):
    seen["firestore"] = threading.current_thread().name
    if turn.flag("late"):  # what a Firestore call cut at the deadline looks like
        time.sleep(0.3)
        raise store.DeadlineExpired("no time left for RunQuery")
    return Reply.say("ok")


def _may_block(turn):
    seen["any"] = threading.current_thread().name
    if turn.flag("hang"):
        time.sleep(2)
    return Reply.say("ok")


@pytest.fixture(autouse=True)
def test_intents():
    """Registered for these tests only: other tests list the registry."""
    router.intent("test.blocking.firestore", blocking="firestore")(_firestore_only)
    router.intent("test.blocking.any")(_may_block)
    store._failed_at = -1e9  # a database that answers
    yield
    for name in ("test.blocking.firestore", "test.blocking.any"):
        router._intents.pop(name, None)
        router._lookup.pop(name, None)


def _run(name, budget=5.0, **params):
    measure = timing.begin()
    measure.deadline = measure.started + budget
    try:
        turn = parse(es_request(name, params=params))
        return deadline.run(router.intent_for(turn), turn, measure)
    finally:
        timing.end()


def test_firestore_only_handler_runs_on_the_request_thread():
    assert _run("test.blocking.firestore").outcome == "ok"
    assert seen["firestore"] == threading.current_thread().name


def test_a_database_call_cut_at_the_deadline_reads_as_a_timeout():
    """As the worker path would report it: the user hears "taking too long"."""
    result = _run("test.blocking.firestore", budget=0.1, late=True)
    assert result.outcome == "timeout" and result.detail == "firestore"
    assert result.reply.texts == [app.current().message("timeout")]
    result = _run("test.blocking.firestore", budget=5.0, late=True)  # within the budget: the database's fault
    assert result.outcome == "db_unavailable"


def test_after_a_database_failure_the_worker_thread_keeps_the_deadline():
    """The client's sleeps between retries are not bounded per RPC: while the database fails,
    Firestore-only handlers go back to the worker thread."""
    store._note_failure()
    assert not store.healthy()
    assert _run("test.blocking.firestore").outcome == "ok"
    assert seen["firestore"].startswith("handler")


def test_other_handlers_keep_the_worker_thread_and_its_deadline():
    assert _run("test.blocking.any").outcome == "ok"
    assert seen["any"].startswith("handler")
    result = _run("test.blocking.any", budget=0.2, hang=True)  # sleeps 2 s: cut at the budget
    assert result.outcome == "timeout" and result.detail == "handler"


def test_declarations():
    declared = router.intents()
    assert declared["test.blocking.firestore"].on_request_thread
    assert not declared["test.blocking.any"].on_request_thread
    with pytest.raises(ValueError, match="blocking"):
        router.intent("test.blocking.bad", blocking="network")


def test_watchkeeper_declares_its_database_intents():
    """Every intent that touches the database says so; none declares more than it does."""
    router.load("intents")
    declared = router.intents()
    for name in (
        "oncall.current",
        "incident.list",
        "service.status",
        "deploy.latest",
        "incident.acknowledge",
        "incident.resolve",
        "oncall.page",
        "oncall.page.confirm",
    ):
        assert declared[name].blocking == "firestore", name
