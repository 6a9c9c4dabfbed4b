"""Serve the webhook on functions-framework's own server (gunicorn, gthread), as deployed, plus
a read deadline per request: for `make run` and for self-hosting without Google's front end.

Why: gunicorn's threads block on a client that sends half a request and then waits; 8 such
connections (slowloris) held all 8 threads and every real caller queued behind them. Here
each request's header and body must arrive within WEBHOOK_READ_TIMEOUT_S (default 10 s) of
its first byte, or the connection counts as closed (gunicorn then drops it quietly; a body
cut short is a 400 from the webhook, with its log line).

Deployed, Google's front end stands before the function and passes on only whole requests,
so the function itself needs none of this.

    python scripts/serve.py --host 127.0.0.1 --port 8080
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def read_timeout() -> float:
    from fulfillment.settings import settings

    return max(settings().read_timeout_s, 0.1)


class DeadlineSocket(socket.socket):
    """A client connection whose reads for one request share one deadline, set when gunicorn
    makes the socket blocking to serve a request; a missed deadline reads as end of stream."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = read_timeout()
        self.deadline = time.monotonic() + self.limit

    def setblocking(self, flag: bool) -> None:
        if flag:  # gunicorn does this before every request
            self.deadline = time.monotonic() + self.limit
            self.settimeout(self.limit)
        else:
            super().setblocking(False)

    def _arm(self) -> bool:
        if self.gettimeout() == 0.0:  # non-blocking: the poller's phase, not ours
            return True
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        self.settimeout(left)
        return True

    def recv(self, size: int, flags: int = 0) -> bytes:
        try:
            return super().recv(size, flags) if self._arm() else b""
        except TimeoutError:
            return b""

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        try:
            return super().recv_into(buffer, nbytes, flags) if self._arm() else 0
        except TimeoutError:
            return 0

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self.gettimeout() != 0.0:
            self.settimeout(self.limit)  # writing gets its own time, not what reading left
        super().sendall(data, flags)


def worker_class() -> type:
    """gunicorn's gthread worker, accepting connections as DeadlineSockets."""
    from gunicorn.workers.gthread import TConn, ThreadWorker

    class DeadlineThreadWorker(ThreadWorker):
        def accept(self, listener: Any) -> None:
            try:
                client, address = listener.accept()
                self.nr_conns += 1
                sock = DeadlineSocket(fileno=client.detach())
                sock.setblocking(True)
                self.enqueue_req(TConn(self.cfg, sock, address, listener.getsockname()))
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                    raise

    return DeadlineThreadWorker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: the PORT setting (8080)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from functions_framework import create_app
    from functions_framework._http import create_server

    app = create_app("webhook", str(ROOT / "main.py"), "http")
    from fulfillment.settings import settings

    create_server(app, False, worker_class=worker_class()).run(args.host, args.port or settings().port)


if __name__ == "__main__":
    main()
