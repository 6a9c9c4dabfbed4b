"""How the webhook is served outside Google: functions-framework on loopback, exactly as the
deployed function serves it. One command line for `make run`, the tests and the benchmark."""

from __future__ import annotations

import socket
import sys


def command(port: int | str, target: str = "webhook", source: str = "") -> list[str]:
    """The functions-framework command serving `target` (from `source`, default main.py in
    the working directory) on 127.0.0.1:`port`."""
    return [
        sys.executable,
        "-m",
        "functions_framework",
        f"--target={target}",
        *([f"--source={source}"] if source else []),
        "--host=127.0.0.1",
        f"--port={port}",
    ]


def port_is_free(port: int | str) -> bool:
    """Can a server bind 127.0.0.1:`port` now? (Checked before starting anything.)"""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", int(port)))
        except OSError:
            return False
    return True
