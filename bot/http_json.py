"""Refuse JSON bodies the parser should never see: invalid UTF-8, too deep, not JSON.

CPython's ``json`` recurses once per nesting level, so a 1,000-deep body raises
``RecursionError`` inside the parser (a 500). LINE and Slack payloads are shallow, so the depth
is capped explicitly, before parsing, by a linear scan that never recurses.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.http import send_json_error

log = logging.getLogger("kyodo.http")

MAX_DEPTH = 64  # Slack's deepest real payloads (rich text in a view) stay under 20
_ESCAPES = re.compile(rb"\\.", re.S)  # removed first, so strings need no backtracking
_STRINGS = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")


class BadBody(ValueError):
    """A body refused before any handler runs; ``reason`` is safe to log (never the body)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def nesting_depth(body: bytes) -> int:
    """The deepest ``[``/``{`` nesting outside JSON strings, without recursion."""
    unescaped = _ESCAPES.sub(b"", body)
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", unescaped))
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def text_of(body: bytes) -> str:
    """The body as UTF-8 text, or BadBody."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("invalid UTF-8") from None


def screen(body: bytes, *, max_depth: int = MAX_DEPTH) -> str:
    """The body's text if a JSON parser can safely be run on it (UTF-8, not too deep)."""
    text = text_of(body)
    if nesting_depth(body) > max_depth:
        raise BadBody(f"nested deeper than {max_depth}")
    return text


def parse_json(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON body that the parser can take, or raise BadBody with the reason."""
    text = screen(body, max_depth=max_depth)
    try:
        return json.loads(text)
    except ValueError:
        raise BadBody("not JSON") from None


def refuse(route: str, exc: BadBody) -> None:
    """Log a refused body at warning level: the route and the reason, never the content."""
    log.warning("%s: body refused (%s)", route, exc.reason)


OWN_GUARD = ("/line/webhook", "/slack/events")  # they verify the signature first


class JsonGuardMiddleware:
    """400 for a JSON body the parser can't take (invalid UTF-8, too deep), on every route.

    Text that merely isn't JSON is left to the route (FastAPI answers it with its own 422).
    The webhooks are left to guard themselves: they must check the signature before they
    look at the content (unsigned → 401 on Slack whatever the body is).
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OWN_GUARD or not _is_json(scope):
            return await self.app(scope, receive, send)
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                screen(body)
            except BadBody as exc:
                refuse(scope.get("path", "?"), exc)
                return await _bad_request(send)
        replay = iter(messages)

        async def replayed() -> Message:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        await self.app(scope, replayed, send)


def _is_json(scope: Scope) -> bool:
    if scope.get("method") not in ("POST", "PUT", "PATCH"):
        return False
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


async def _bad_request(send: Send) -> None:
    await send_json_error(send, 400, "malformed body")
