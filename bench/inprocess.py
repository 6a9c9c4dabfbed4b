"""CPU cost per request with the handler called directly (no HTTP): µs of process time.

python bench/inprocess.py TARGET_DIR BODY_FILE N  ->  prints the median µs per call
python bench/inprocess.py TARGET_DIR BODY_FILE N --once  ->  N calls once, no timing
python bench/inprocess.py TARGET_DIR BODY_FILE N --once-served  ->  N calls of the whole app
(for bench/instructions.py, which counts the instructions under callgrind; "served" is the
WSGI app functions-framework builds around the entry function, called as gunicorn calls it:
Flask's request and response, functions-framework's wrappers and after-request hooks)"""

import contextlib
import io
import os
import statistics
import sys
import time

sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[1].rsplit("/bench/", 1)[0])
from flask import Request  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

import main  # noqa: E402

body = open(sys.argv[2], "rb").read()
n = int(sys.argv[3])


def request():
    return Request(EnvironBuilder(method="POST", path="/", data=body, content_type="application/json").get_environ())


for _ in range(50):  # warm up caches and lazy imports
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        main.webhook(request())
if "fulfillment.warmup" in sys.modules:  # its background work is not a request's cost
    sys.modules["fulfillment.warmup"].wait(60)
# Log lines go to /dev/null through a real file descriptor: as deployed, one write(2) per line
# (an in-memory stream has no descriptor and sent our log writer down its fallback path).
devnull = open(os.devnull, "w")
if sys.argv[4:] == ["--once-served"]:
    import functions_framework

    with contextlib.redirect_stdout(devnull):
        app = functions_framework.create_app("webhook", os.path.join(sys.argv[1], "main.py"))
    environ = EnvironBuilder(
        method="POST",
        path="/",
        data=body,
        content_type="application/json",
        headers=[("User-Agent", "wrk"), ("Host", "127.0.0.1:8080")],
    ).get_environ()

    def start_response(status, headers, exc_info=None):
        return None

    def served(calls: int) -> None:
        for _ in range(calls):
            # gunicorn's environ says the input ends where the body does (wsgi.input_terminated)
            answer = app({**environ, "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True}, start_response)
            b"".join(answer)
            answer.close()

    with contextlib.redirect_stdout(devnull):
        served(50)  # the app's own lazy paths
        if "fulfillment.warmup" in sys.modules:
            sys.modules["fulfillment.warmup"].wait(60)
        served(n)
    sys.exit(0)
if sys.argv[4:] == ["--once"]:  # counted by callgrind: keep the extra work tiny
    environ = EnvironBuilder(method="POST", path="/", data=body, content_type="application/json").get_environ()
    with contextlib.redirect_stdout(devnull):
        for _ in range(n):
            main.webhook(Request({**environ, "wsgi.input": io.BytesIO(body)}))
    sys.exit(0)
samples = []
sink = devnull
for _ in range(5):
    requests = [request() for _ in range(n)]  # building the request is not the handler's cost
    with contextlib.redirect_stdout(sink):
        started = time.process_time()
        for r in requests:
            result = main.webhook(r)
        samples.append((time.process_time() - started) / n * 1e6)
print(f"{statistics.median(samples):.1f}")
