"""A small stateful stand-in for the LINE Messaging API on 127.0.0.1 (port 0).

It behaves like LINE where our code depends on it: reply tokens work once (``expired-*``
tokens never), a retry key is accepted once (a repeat gets 409), rich menus are stored so
``kyodo line rich-menu`` can be run twice, and scripted failures (``fail``) are returned in
order for push/multicast/reply. Every request is recorded with its headers and JSON body.
Content is checked against the SDK's models only by the real SDK on the way out; the
contract tests check requests against LINE's OpenAPI spec with Prism.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    accepted: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class LineStandIn:
    requests: list[Recorded] = field(default_factory=list)
    fail: list[tuple[str, int, dict]] = field(default_factory=list)  # (op, status, body)
    profiles: dict[str, str] = field(default_factory=dict)  # userId -> displayName
    menus: dict[str, dict] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    default_menu: str | None = None
    used_tokens: set[str] = field(default_factory=set)
    accepted_keys: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ queries for tests
    def calls(self, op: str) -> list[Recorded]:
        paths = {
            "reply": "/v2/bot/message/reply",
            "push": "/v2/bot/message/push",
            "multicast": "/v2/bot/message/multicast",
        }
        return [r for r in self.requests if r.path == paths[op]]

    def delivered(self) -> list[tuple[str, dict]]:
        """(recipient or reply token, message) for every message that LINE accepted."""
        return [item for r in self.requests for item in r.accepted]

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LineStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as LINE's API does

            def log_message(self, *args: Any) -> None:
                pass

            def _respond(self, status: int, body: Any = None) -> None:
                data = json.dumps(body if body is not None else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-line-request-id", "standin-request")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                record = Recorded(
                    method, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with standin.lock:
                    standin.requests.append(record)
                    status, out = standin.route(method, self.path, record)
                self._respond(status, out)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ------------------------------------------------------------------ behaviour
    def _scripted(self, op: str) -> tuple[int, dict] | None:
        for i, (name, status, body) in enumerate(self.fail):
            if name == op:
                del self.fail[i]
                return status, body
        return None

    def route(self, method: str, path: str, record: Recorded) -> tuple[int, Any]:
        if "authorization" not in record.headers:
            return 401, {"message": "Authentication failed"}
        if path == "/v2/bot/message/reply":
            scripted = self._scripted("reply")
            if scripted:
                return scripted
            token = record.body["replyToken"]
            if token.startswith("expired") or token in self.used_tokens:
                return 400, {"message": "Invalid reply token"}
            self.used_tokens.add(token)
            record.accepted = [(token, m) for m in record.body["messages"]]
            return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}
        if path in ("/v2/bot/message/push", "/v2/bot/message/multicast"):
            op = path.rsplit("/", 1)[1]
            key = record.headers.get("x-line-retry-key")
            if key and key in self.accepted_keys:
                return 409, {"message": "The retry key is already accepted"}
            scripted = self._scripted(op)
            if scripted:
                return scripted
            if key:
                self.accepted_keys.add(key)
            to = record.body["to"]
            recipients = to if isinstance(to, list) else [to]
            record.accepted = [(r, m) for r in recipients for m in record.body["messages"]]
            return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]} if op == "push" else {}
        if m := re.fullmatch(r"/v2/bot/profile/([^/]+)", path):
            name = self.profiles.get(m.group(1))
            if name is None:
                return 404, {"message": "Not found"}
            return 200, {"displayName": name, "userId": m.group(1)}
        return self._rich_menu(method, path, record)

    def _rich_menu(self, method: str, path: str, record: Recorded) -> tuple[int, Any]:
        if path == "/v2/bot/richmenu/list" and method == "GET":
            return 200, {"richmenus": list(self.menus.values())}
        if path == "/v2/bot/richmenu" and method == "POST":
            menu_id = f"richmenu-{len(self.menus) + len(self.images) + 1:04d}"
            while menu_id in self.menus:
                menu_id += "x"
            self.menus[menu_id] = {"richMenuId": menu_id, **record.body}
            return 200, {"richMenuId": menu_id}
        if m := re.fullmatch(r"/v2/bot/richmenu/([^/]+)/content", path):
            if m.group(1) not in self.menus or (method == "GET" and m.group(1) not in self.images):
                return 404, {"message": "Not found"}
            if method == "GET":
                return 200, {"size": len(self.images[m.group(1)])}
            self.images[m.group(1)] = record.body if isinstance(record.body, bytes) else b""
            return 200, {}
        if m := re.fullmatch(r"/v2/bot/user/all/richmenu/([^/]+)", path):
            if m.group(1) not in self.menus:
                return 400, {"message": "richmenu not found"}
            self.default_menu = m.group(1)
            return 200, {}
        if path == "/v2/bot/user/all/richmenu" and method == "GET":
            if self.default_menu is None:
                return 404, {"message": "no default richmenu"}
            return 200, {"richMenuId": self.default_menu}
        if (m := re.fullmatch(r"/v2/bot/richmenu/([^/]+)", path)) and method == "DELETE":
            self.menus.pop(m.group(1), None)
            if self.default_menu == m.group(1):
                self.default_menu = None
            return 200, {}
        return 404, {"message": "Not found"}
