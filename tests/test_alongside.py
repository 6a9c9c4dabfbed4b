"""`store.alongside`: a read started beside the caller's own, under the same request budget.

Pure logic (no database): the directory's two collections are read this way, and
tests/test_warmup.py sees both of its RPCs counted on the request that made them.
"""

import threading

import pytest

from fulfillment import store
from fulfillment.telemetry import timing


@pytest.fixture
def measure():
    measure = timing.begin()
    measure.deadline = measure.started + 30
    yield measure
    timing.end()


def test_the_read_runs_while_the_caller_goes_on_and_sees_the_request_measure(measure):
    caller_went_on = threading.Event()

    def read():
        # Finishes only once the caller has carried on past alongside(): a read run in
        # line would wait here in vain and fail.
        assert caller_went_on.wait(10), "the read did not run beside its caller"
        return timing.current(), threading.current_thread() is not caller

    caller = threading.current_thread()
    result = store.alongside(read)
    caller_went_on.set()
    seen, elsewhere = result()
    assert seen is measure and elsewhere


def test_the_read_s_error_reaches_the_caller(measure):
    def read():
        raise ValueError("no such collection")

    result = store.alongside(read)
    with pytest.raises(ValueError, match="no such collection"):
        result()


def test_a_read_still_running_when_the_budget_is_spent_is_given_up(measure):
    measure.deadline = measure.started + store.MARGIN_S + 0.2  # 0.2 s of budget for the read
    never = threading.Event()
    result = store.alongside(lambda: never.wait(30) or "too late")
    try:
        with pytest.raises(store.DeadlineExpired):
            result()
    finally:
        never.set()  # let the thread end
