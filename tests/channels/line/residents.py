"""Residents on LINE as the tests drive them: what they send is a signed webhook; what they see
is what the LINE stand-in received for them (the reply to their token, or pushes to them).
They tap what LINE shows them (quick replies, Flex buttons) by label, never a hand-built action."""

from __future__ import annotations

from typing import Any

from bot.core.actions import pack
from handlers.common import Menu
from tests.channels.line.conftest import follow_event, postback_event, text_event


def actions_in(node: Any) -> list[dict]:
    """Every action object in LINE messages (quick replies and Flex buttons)."""
    found = []
    if isinstance(node, dict):
        action = node.get("action")
        if isinstance(action, dict) and "label" in action:
            found.append(action)
        for value in node.values():
            found.extend(actions_in(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(actions_in(value))
    return found


def texts_in(node: Any) -> str:
    if isinstance(node, dict):
        return (
            " ".join([node["text"]] if isinstance(node.get("text"), str) else [])
            + " "
            + " ".join(texts_in(v) for k, v in node.items() if k != "text")
        )
    if isinstance(node, list):
        return " ".join(texts_in(v) for v in node)
    return ""


def bubbles_in(node: Any) -> list[dict]:
    """Every Flex bubble (a carousel's cards, or a single bubble)."""
    if isinstance(node, dict):
        if node.get("type") == "bubble":
            return [node]
        return [b for value in node.values() for b in bubbles_in(value)]
    if isinstance(node, list):
        return [b for value in node for b in bubbles_in(value)]
    return []


def addressed_to(body: Any, user: str) -> bool:
    """A push (``to`` = user) or a multicast (``to`` = [users]) that includes ``user``."""
    if not isinstance(body, dict):
        return False
    to = body.get("to")
    return to == user or (isinstance(to, list) and user in to)


class LineUser:
    def __init__(self, line, api, user: str):
        self.line, self.api, self.user = line, api, user
        self.seen: list[dict] = []

    def _send(self, event: dict) -> None:
        token = event.get("replyToken")
        before = len(self.api.requests)
        assert self.line.send(event).status_code == 200
        self.seen = [
            m
            for r in self.api.requests[before:]
            if isinstance(r.body, dict)
            and (r.body.get("replyToken") == token or addressed_to(r.body, self.user))
            for m in r.body.get("messages", [])
        ]

    def pushed(self, since: int = 0) -> list[dict]:
        """Messages LINE accepted for this person by push or multicast (from request ``since``)."""
        return [
            message
            for r in self.api.requests[since:]
            for to, message in r.accepted
            if to == self.user and addressed_to(r.body, self.user)
        ]

    def look_at_pushes(self, since: int = 0) -> None:
        """Open the chat: what was pushed becomes what the person sees (and can tap)."""
        self.seen = self.pushed(since)

    def follow(self) -> None:
        self._send(follow_event(self.user))

    def say(self, text: str) -> None:
        self._send(text_event(self.user, text))

    def menu(self, name: str) -> None:
        """A rich-menu tap (the rich menu's postback data is ``pack(Menu(name))``)."""
        self._send(postback_event(self.user, pack(Menu(name))))

    def tap(self, label: str, *, on: str | None = None) -> None:
        """Tap the button ``label``; with ``on``, the one on the Flex bubble showing that text."""
        where: Any = self.seen
        if on is not None:
            where = [b for b in bubbles_in(self.seen) if on in texts_in(b)]
            assert where, f"no bubble shows {on!r}"
        for action in actions_in(where):
            if action["label"] == label and action.get("type") == "postback":
                self._send(postback_event(self.user, action["data"]))
                return
        raise AssertionError(f"{label!r} not in {[a['label'] for a in actions_in(where)]}")

    def redeliver_last_tap(self, label: str) -> dict:
        action = next(a for a in actions_in(self.seen) if a["label"] == label)
        return postback_event(self.user, action["data"])

    @property
    def text(self) -> str:
        return texts_in(self.seen)


def resident(line, api, user: str) -> LineUser:
    """A resident who has added Kyodo as a friend and agreed to the privacy notice."""
    person = LineUser(line, api, user)
    person.follow()
    assert "ともだち追加" in person.text
    person.tap("同意する")
    return person
