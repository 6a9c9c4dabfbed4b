"""Firestore access: one client per process, created lazily, every RPC counted and timed.

`google.cloud.firestore` is imported on first use, not at start-up: intents that never
touch the database (welcome, help) must not pay its import on a cold start.

A gRPC interceptor on the client's channel does two things for every RPC, so no handler
has to remember to:
  * counts and times it into the current request's `timing.Measure`;
  * clamps its timeout to the time left in the request's deadline budget, and refuses to
    start one when nothing is left (`DeadlineExpired`, which the API core does not retry).
"""

from __future__ import annotations

import contextvars
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from fulfillment.settings import settings
from fulfillment.telemetry import timing

if TYPE_CHECKING:  # imported lazily at run time (cold start)
    import grpc
    from google.cloud import firestore

_T = TypeVar("_T")
_client: firestore.Client | None = None
_client_lock = threading.Lock()
MARGIN_S = 0.05  # keep this much of the budget for rendering the answer
MAX_RPC_S = 10.0  # outside a request (seeding, tools) no RPC waits longer


# gRPC waits longer and longer between reconnect attempts while the database is away (up to
# 120 s by default): after a long outage the webhook kept failing for ~40 s after the database
# was back. Capped at 1 s, it is back within about a second whatever the outage's length, for
# at most one connection attempt a second per instance while it is away.
MAX_RECONNECT_BACKOFF_MS = 1000
RECONNECT_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
]
_MESSAGE_SIZE_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


class DeadlineExpired(Exception):
    """The request's budget ran out before this Firestore call could start."""


def client() -> firestore.Client:
    """The process's Firestore client (created on first use, then reused)."""
    global _client
    if _client is None:
        # The warm-up may be creating it: wait no longer than the request's budget allows.
        if not _client_lock.acquire(timeout=timeout()):
            raise DeadlineExpired("the Firestore client is still being created")
        try:
            if _client is None:
                _client = _make_client()
        finally:
            _client_lock.release()
    return _client


def _make_client() -> firestore.Client:
    import grpc
    from google.cloud import firestore
    from google.cloud.firestore_v1.services.firestore import client as gapic_module
    from google.cloud.firestore_v1.services.firestore.transports.grpc import FirestoreGrpcTransport

    cfg = settings()
    kwargs: dict[str, Any] = {"project": cfg.project, "database": cfg.database}
    if cfg.emulator:
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
    db = firestore.Client(**kwargs)

    interceptor = _interceptor()
    emulator = kwargs.get("credentials") is not None

    class Transport(FirestoreGrpcTransport):
        """Ours: gRPC's reconnect backoff capped, and the interceptor under every RPC."""

        @classmethod
        def create_channel(cls, *args: Any, **kwargs: Any) -> Any:  # production
            kwargs["options"] = [*kwargs.get("options", ()), *RECONNECT_OPTIONS]
            return super().create_channel(*args, **kwargs)

        def __init__(self, host: str, channel: Any) -> None:
            if emulator:  # the client made a plain channel for the emulator: remake it
                channel.close()
                channel = grpc.insecure_channel(host, options=[*_MESSAGE_SIZE_OPTIONS, *RECONNECT_OPTIONS])
            super().__init__(host=host, channel=grpc.intercept_channel(channel, interceptor))

    # The client builds its GAPIC layer lazily from a transport class; handing it ours
    # first puts the interceptor under every RPC the client will ever make.
    db._firestore_api_helper(Transport, gapic_module.FirestoreClient, gapic_module)
    return db


def reset_client() -> None:
    """Forget the client (tests that restart the emulator on another port)."""
    global _client
    with _client_lock:
        _client = None


def timeout(default: float = MAX_RPC_S) -> float:
    """Seconds a Firestore call may take now: what is left of the request's budget."""
    measure = timing.current()
    if measure is None:
        return default
    return max(min(measure.remaining() - MARGIN_S, default), 0.001)


def alongside(read: Callable[[], _T]) -> Callable[[], _T]:
    """Start `read` (Firestore reads that need nothing from the caller's next ones) on a thread
    of its own now, under this request's measure and deadline; the returned function waits for
    its result, or raises its error. Two independent reads then cost one round trip, not two.

        teams = store.alongside(lambda: list(db.collection("teams").stream(timeout=store.timeout())))
        services = list(db.collection("services").stream(timeout=store.timeout()))
        ... teams() ...
    """
    context = contextvars.copy_context()  # the interceptor sees this request's Measure
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = context.run(read)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="firestore-read", daemon=True)
    thread.start()

    def result() -> _T:
        thread.join(timeout())  # its RPCs are bounded by the same budget
        if thread.is_alive():
            raise DeadlineExpired("a Firestore read started alongside did not finish in time")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result


# Handlers declared blocking="firestore" run on the request thread only while the database
# answers: the interceptor bounds each RPC, but not the client library's sleeps between
# retries, which grow past the budget when RPCs fail fast (an unreachable database). After
# a failure, such handlers go back to the worker thread for HEALTH_WINDOW_S, and a request
# already on the request thread makes no further attempt.
HEALTH_WINDOW_S = 30.0
_failed_at = -1e9
on_request_thread: contextvars.ContextVar[bool] = contextvars.ContextVar("on_request_thread", default=False)


def healthy() -> bool:
    """No Firestore RPC has failed in the last HEALTH_WINDOW_S seconds."""
    return time.monotonic() - _failed_at > HEALTH_WINDOW_S


def _note_failure() -> None:
    global _failed_at
    _failed_at = time.monotonic()


def in_flight(measure: timing.Measure) -> bool:
    return measure.rpc_open > 0


def is_unavailable(exc: BaseException | None) -> bool:
    """Is this the database failing (unreachable, too slow, overloaded), not our bug?

    The chain counts: a failed transaction's clean-up can raise on top of the real cause."""
    return _anywhere_in_chain(exc, _is_unavailable)


def _anywhere_in_chain(exc: BaseException | None, test: Callable[[BaseException], bool]) -> bool:
    """Does `test` hold for the exception or one of its causes (at most 10 deep)?"""
    seen = 0
    while exc is not None and seen < 10:
        if test(exc):
            return True
        exc, seen = (exc.__cause__ or exc.__context__), seen + 1
    return False


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, (DeadlineExpired, TimeoutError, ConnectionError)):
        return True
    if "google.api_core.exceptions" not in sys.modules:
        return False
    from google.api_core import exceptions as api

    return isinstance(
        exc,
        (
            api.RetryError,
            api.ServiceUnavailable,
            api.DeadlineExceeded,
            api.InternalServerError,
            api.TooManyRequests,
            api.Aborted,
            api.Unknown,
            api.Cancelled,
        ),
    )


MISCONFIGURED_FIX = (
    "Firestore refused us or we have no credentials: give the function's service account "
    "roles/datastore.user on the project (or set FIRESTORE_EMULATOR_HOST for a local run), "
    "and check GOOGLE_CLOUD_PROJECT and FIRESTORE_DATABASE"
)


def is_misconfigured(exc: BaseException) -> bool:
    """Is this our deployment's fault (no credentials, no permission), which waiting won't fix?"""
    return _anywhere_in_chain(exc, _is_misconfigured)


def _is_misconfigured(exc: BaseException) -> bool:
    google_auth = sys.modules.get("google.auth.exceptions")
    if google_auth is not None and isinstance(exc, (google_auth.DefaultCredentialsError, google_auth.RefreshError)):
        return True
    if "google.api_core.exceptions" not in sys.modules:
        return False
    from google.api_core import exceptions as api

    return isinstance(exc, (api.Unauthenticated, api.PermissionDenied))


_FAILING = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "RESOURCE_EXHAUSTED", "UNKNOWN"}


def _interceptor() -> Any:
    """A gRPC interceptor for all four call shapes (built here so grpc loads lazily)."""
    import grpc

    class Details(grpc.ClientCallDetails):
        def __init__(self, base: grpc.ClientCallDetails, limit: float) -> None:
            self.method = base.method
            self.timeout = limit
            self.metadata = base.metadata
            self.credentials = base.credentials
            self.wait_for_ready = getattr(base, "wait_for_ready", None)
            self.compression = getattr(base, "compression", None)

    class Interceptor(
        grpc.UnaryUnaryClientInterceptor,
        grpc.UnaryStreamClientInterceptor,
        grpc.StreamUnaryClientInterceptor,
        grpc.StreamStreamClientInterceptor,
    ):
        def _call(self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any) -> Any:
            measure = timing.current()
            if measure is None:
                return continuation(details, request)
            left = measure.remaining() - MARGIN_S
            if left <= 0:
                _note_failure()
                raise DeadlineExpired(f"no time left for {details.method}")
            if on_request_thread.get() and not healthy():
                raise DeadlineExpired(f"{details.method} not retried on the request thread: the database is failing")
            limit = left if details.timeout is None else min(details.timeout, left)
            with measure.lock:
                measure.rpc_count += 1  # counted when it starts: streams left
                measure.rpc_open += 1  # unread finish late, or never
            started = time.perf_counter()

            def done(finished: Any) -> None:
                try:
                    code = finished.code()
                except Exception:  # noqa: BLE001 - a call without a status
                    code = None
                if code is not None and code.name in _FAILING:
                    _note_failure()
                with measure.lock:
                    measure.rpc_ms += (time.perf_counter() - started) * 1000
                    measure.rpc_open -= 1

            call = continuation(Details(details, limit), request)
            call.add_done_callback(done)
            return call

        intercept_unary_unary = intercept_unary_stream = _call
        intercept_stream_unary = intercept_stream_stream = _call

    return Interceptor()
