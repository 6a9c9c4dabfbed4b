"""A loopback TCP proxy that makes a database slow, silent or flaky on demand."""

from __future__ import annotations

import random
import socket
import threading
import time


class Proxy:
    """Forwards 127.0.0.1:port to `target`. Modes: "pass", "delay" (each chunk waits
    `delay` s), "blackhole" (bytes are swallowed), "flap" (connections dropped at random),
    "refuse" (the database is down: every connection is closed at once, its time noted in
    `attempts`; `cut()` drops the ones already open)."""

    def __init__(self, target: str, mode: str = "pass", delay: float = 0.0, drop_rate: float = 0.3, seed: int = 7):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.mode, self.delay, self.drop_rate = mode, delay, drop_rate
        self.random = random.Random(seed)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.drops = 0
        self.attempts: list[float] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                self.attempts.append(time.monotonic())
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket):
        try:
            while not self._closed:
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == "blackhole":
                    continue
                if self.mode == "delay":
                    time.sleep(self.delay)
                if self.mode == "flap" and self.random.random() < self.drop_rate:
                    self.drops += 1
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self):
        """Drop every open connection (the database went away)."""
        for s in list(self.connections):
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.connections = []

    def close(self):
        self._closed = True
        self.listener.close()
        for s in self.connections:
            try:
                s.close()
            except OSError:
                pass
