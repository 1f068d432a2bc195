"""A local LINE Messaging API stand-in for tests and benchmarks (never the real platform).

``/v2/bot/message/push`` and ``/v2/bot/message/multicast`` on 127.0.0.1 (port 0):
- require ``Authorization: Bearer <token>`` (401 otherwise);
- record accepted messages per recipient;
- answer 409 to a repeated ``X-Line-Retry-Key`` (as LINE does: the first request wins);
- optionally enforce LINE's rate limits with token buckets (2,000/s push, 200/s multicast → 429);
- can be told to fail with 500 the next N times.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Bucket:
    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = rate
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class LineStandin:
    def __init__(self, token: str = "test-token", *, rate_limits: bool = False):
        self.token = token
        self.rate_limits = rate_limits
        self.lock = threading.Lock()
        self.accepted: dict[str, list[dict]] = defaultdict(list)  # recipient -> messages
        self.requests: Counter[str] = Counter()  # retry key -> requests seen
        self.keys: dict[str, str] = {}  # retry key -> accepted request id
        self.conflicts = 0  # 409 answers
        self.calls: list[tuple[str, int, int]] = []  # (endpoint, recipients, status)
        self.fail_next = 0
        self.buckets = {"push": Bucket(2000), "multicast": Bucket(200)}
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ control
    def fail(self, times: int) -> None:
        with self.lock:
            self.fail_next = times

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LineStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, payload, headers = standin.handle(self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LineStandin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ protocol
    def handle(self, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        endpoint = {"/v2/bot/message/push": "push", "/v2/bot/message/multicast": "multicast"}.get(
            path
        )
        request_id = uuid.uuid4().hex
        if endpoint is None:
            return 404, {"message": "Not found"}, {}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"message": "Authentication failed"}, {}
        try:
            data = json.loads(body)
            to = data["to"]
            messages = data["messages"]
        except (ValueError, KeyError, TypeError):
            return 400, {"message": "The request body has 1 error(s)"}, {}
        recipients = [to] if endpoint == "push" else list(to)
        if endpoint == "multicast" and not 1 <= len(recipients) <= 500:
            return 400, {"message": "Size must be between 1 and 500"}, {}
        if not 1 <= len(messages) <= 5:
            return 400, {"message": "Size must be between 1 and 5"}, {}
        key = headers.get("X-Line-Retry-Key")
        with self.lock:
            if key:
                self.requests[key] += 1
            if self.rate_limits and not self.buckets[endpoint].take():
                self.calls.append((endpoint, len(recipients), 429))
                return 429, {"message": "Too Many Requests"}, {}
            if self.fail_next > 0:
                self.fail_next -= 1
                self.calls.append((endpoint, len(recipients), 500))
                return 500, {"message": "Internal server error"}, {}
            if key and key in self.keys:
                self.conflicts += 1
                self.calls.append((endpoint, len(recipients), 409))
                return (
                    409,
                    {"message": "The retry key is already accepted"},
                    {"x-line-accepted-request-id": self.keys[key]},
                )
            if key:
                self.keys[key] = request_id
            for r in recipients:
                self.accepted[r].extend(messages)
            self.calls.append((endpoint, len(recipients), 200))
        if endpoint == "multicast":
            return 200, {}, {"x-line-request-id": request_id}
        sent = [
            {"id": f"{request_id[:12]}{i}", "quoteToken": f"q{i}"} for i in range(len(messages))
        ]
        return 200, {"sentMessages": sent}, {"x-line-request-id": request_id}
