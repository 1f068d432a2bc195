"""The LINE stand-in of ``bench.turns``: reply and push with ~50 ms latency, each turn resolved
on its first answer (arrival timestamped), reply tokens refused after 60 s as LINE would."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

TOKEN_LIFE = 60.0  # seconds a reply token is accepted (LINE: "about a minute")
INVALID_TOKEN = {"message": "Invalid reply token"}
# common.error / common.unknown / common.bad_action: a turn that failed or was misunderstood
# still gets an answer; counted apart so the mix is known to exercise the real handlers
WRONG_ANSWERS = ("エラーが おきました", "わかりませんでした", "もう 使えません")


@dataclass
class Turn:
    user: str
    sent: float
    done: asyncio.Future[tuple[float, str]]


@dataclass
class StandIn:
    """LINE's Messaging API as far as a turn needs it; resolves each turn on its first answer."""

    latency: float = 0.05
    turns: dict[str, Turn] = field(default_factory=dict)  # reply token → turn
    open_by_user: dict[str, str] = field(default_factory=dict)  # user → token of the open turn
    calls: dict[str, int] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    def expect(self, user: str, token: str) -> Turn:
        turn = Turn(user, time.monotonic(), asyncio.get_running_loop().create_future())
        self.turns[token] = turn
        self.open_by_user[user] = token
        return turn

    def _count(self, key: str) -> None:
        self.calls[key] = self.calls.get(key, 0) + 1

    def _resolve(self, token: str | None, how: str) -> None:
        turn = self.turns.get(token or "")
        if turn is not None and not turn.done.done():
            turn.done.set_result((time.monotonic(), how))

    async def _message(self, request: web.Request) -> web.Response:
        op = request.match_info["op"]
        arrived = time.monotonic()
        body = json.loads(await request.read())
        await asyncio.sleep(self.latency)
        if op == "reply":
            token = body.get("replyToken", "")
            turn = self.turns.get(token)
            if turn is None or arrived - turn.sent > TOKEN_LIFE:
                self._count("reply 400")
                return web.json_response(INVALID_TOKEN, status=400)
            self._resolve(token, "reply")
        elif op == "push":
            self._resolve(self.open_by_user.get(body.get("to", "")), "push")
        self._count(f"{op} 200")
        words = json.dumps(body.get("messages", []), ensure_ascii=False)
        if any(marker in words for marker in WRONG_ANSWERS):
            self._count("wrong answer")
        sent = [{"id": "1", "quoteToken": "q"} for _ in body.get("messages", [])]
        return web.json_response({"sentMessages": sent})

    async def _other(self, request: web.Request) -> web.Response:
        if request.path.startswith("/v2/bot/profile/"):
            user = request.path.rsplit("/", 1)[1]
            return web.json_response({"displayName": "住民", "userId": user, "language": "ja"})
        self._count("other")
        return web.json_response({})

    async def start(self) -> StandIn:
        app = web.Application()
        app.router.add_post("/v2/bot/message/{op}", self._message)
        app.router.add_route("*", "/{tail:.*}", self._other)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
