"""A local Slack Web API stand-in (cf. bolt-python's tests/mock_web_api_server).

A stdlib ThreadingHTTPServer on 127.0.0.1, port 0. It checks ``Authorization: Bearer xoxb-…``
and each method's required arguments, answers like Slack (``{"ok": true, …}``), records every
call, and can be told to answer 429 with ``Retry-After``. Any path under ``/response/`` acts
as a slash command's ``response_url``.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # each inner tuple: at least one of these must be present
    "auth.test": (),
    "chat.postMessage": (("channel",), ("text", "blocks")),
    "chat.update": (("channel",), ("ts",)),
    "chat.getPermalink": (("channel",), ("message_ts",)),
    "chat.postEphemeral": (("channel",), ("user",), ("text", "blocks")),
    "views.open": (("trigger_id",), ("view",)),
    "views.push": (("trigger_id",), ("view",)),
    "views.update": (("view",), ("view_id", "external_id")),
    "views.publish": (("user_id",), ("view",)),
    "usergroups.users.list": (("usergroup",),),
    "conversations.open": (("users", "channel"),),
    "users.info": (("user",),),
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered (ts…)


@dataclass
class SlackStandIn:
    team_id: str = "T1"
    bot_user_id: str = "UBOT"
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    locales: dict[str, str] = field(default_factory=dict)
    without_display_name: set[str] = field(default_factory=set)  # users who never set one
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._limited: dict[str, list[int]] = {}  # method -> [remaining 429s, retry_after]
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ control
    def start(self) -> SlackStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return None

            def do_GET(self) -> None:
                standin._serve(self)

            def do_POST(self) -> None:
                standin._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}response/{name}"

    def ratelimit(self, method: str, *, times: int = 1, retry_after: int = 0) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and Retry-After."""
        with self._lock:
            self._limited[method] = [times, retry_after]

    def of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [
                c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)
            ]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls if c.method != "auth.test"]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # ------------------------------------------------------------------ serving
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(req.path)
        method = parsed.path.strip("/")
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length).decode() if length else ""
        args: dict[str, Any] = dict(parse_qsl(parsed.query))
        ctype = req.headers.get("Content-Type") or ""
        if raw and "json" in ctype:
            args.update(json.loads(raw))
        elif raw:
            args.update(dict(parse_qsl(raw)))
        for key in ("view", "blocks"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        headers = {k.lower(): v for k, v in req.headers.items()}

        if method.startswith("response/"):
            self._record(Call(method="response_url", args=args, headers=headers))
            return self._send(req, 200, {"ok": True}, raw_text="ok")

        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer xoxb-"):
            self._record(Call(method, args, headers, 200))
            return self._send(req, 200, {"ok": False, "error": "invalid_auth"})
        with self._lock:
            limited = self._limited.get(method)
            if limited and limited[0] > 0:
                limited[0] -= 1
                self.calls.append(Call(method, args, headers, 429))
                retry_after = limited[1]
            else:
                limited = None
        if limited is not None:
            return self._send(
                req,
                429,
                {"ok": False, "error": "ratelimited"},
                extra={"Retry-After": str(retry_after)},
            )
        if method not in REQUIRED:
            self._record(Call(method, args, headers))
            return self._send(req, 200, {"ok": False, "error": "unknown_method"})
        missing = [group for group in REQUIRED[method] if not any(args.get(k) for k in group)]
        call = Call(method, args, headers, 200 if not missing else 400)
        if not missing:
            call.answer = self._answer(method, args)
        self._record(call)
        if missing:
            return self._send(req, 200, {"ok": False, "error": "invalid_arguments"})
        return self._send(req, 200, call.answer)

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://kyodo-test.slack.com/",
                "team": "Kyodo Test",
                "team_id": self.team_id,
                "user": "kyodo",
                "user_id": self.bot_user_id,
                "bot_id": "BBOT",
            }
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"1700000000.{next(self._ts):06d}"
            key = "message_ts" if method == "chat.postEphemeral" else "ts"
            return {"ok": True, "channel": args["channel"], key: ts}
        if method == "chat.getPermalink":
            ts = str(args["message_ts"]).replace(".", "")
            link = f"https://kyodo-test.slack.com/archives/{args['channel']}/p{ts}"
            return {"ok": True, "channel": args["channel"], "permalink": link}
        if method == "chat.update":
            return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
        if method.startswith("views."):
            view = dict(args["view"])
            view.setdefault("id", f"V{next(self._ts)}")
            return {"ok": True, "view": view}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(args["usergroup"], [])}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))}}
        if method == "users.info":
            user = args["user"]
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "name": f"handle-{user.lower()}",
                    "profile": {
                        "display_name": ""
                        if user in self.without_display_name
                        else f"Staff {user}",
                        "real_name": "Real Name",
                    },
                }
                # Slack sends the locale only when asked for it
                | (
                    {"locale": self.locales.get(user, "ja-JP")}
                    if str(args.get("include_locale")).lower() in ("1", "true")
                    else {}
                ),
            }
        return {"ok": True}

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        *,
        extra: dict[str, str] | None = None,
        raw_text: str | None = None,
    ) -> None:
        data = (raw_text if raw_text is not None else json.dumps(body)).encode()
        req.send_response(status)
        req.send_header(
            "Content-Type", "text/plain" if raw_text is not None else "application/json"
        )
        req.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(data)
