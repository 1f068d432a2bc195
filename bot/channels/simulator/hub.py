"""In-memory feeds of the simulator and their live subscribers (server-sent events).

Each persona has a feed (their LINE-like chat or their Slack DM with the app); staff share one
``#staff`` channel feed with threads. Entries hold neutral replies as JSON (``replies.to_json``),
so the browser renders exactly what a LINE or Slack renderer would get. Feeds are bounded and
live only as long as the process: the store holds the truth, the feed is a view.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.core.capabilities import declare
from bot.core.events import Inbound
from bot.core.ports import Delivery, DeliveryStatus, split_card
from bot.core.replies import (
    Carousel,
    Console,
    DatetimeRequest,
    Form,
    FormErrors,
    Reply,
    to_json,
)

FEED_LIMIT = 300
STAFF = "#staff"


@dataclass
class Entry:
    seq: int
    scope: str  # "dm" (a persona's own chat) | "staff" (the shared staff channel) | "home"
    persona: str | None
    role: str  # "bot" | "user" | "system"
    at: str  # simulated time, ISO 8601 UTC
    replies: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None  # what the person typed or tapped (role "user"/"system")
    push: bool = False  # delivered outside a turn (notification, reminder)
    thread_key: str | None = None
    thread_of: int | None = None  # seq of the root message (staff threads)
    rev: int = 0  # bumped when a staff root message is updated in place

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "scope": self.scope,
            "persona": self.persona,
            "role": self.role,
            "at": self.at,
            "replies": self.replies,
            "text": self.text,
            "push": self.push,
            "thread_key": self.thread_key,
            "thread_of": self.thread_of,
            "rev": self.rev,
        }


_LIVE_HUBS: weakref.WeakSet[Hub] = weakref.WeakSet()


def close_streams() -> None:
    """Tell every open event stream of this process to end (the server is stopping), so a
    graceful shutdown does not wait for browsers that would otherwise stay connected."""
    for hub in list(_LIVE_HUBS):
        hub.close_all()


class Hub:
    """Feeds plus subscriber queues; all methods run on the event loop."""

    def __init__(self, clock: Clock):
        _LIVE_HUBS.add(self)
        self.clock = clock
        self._seq = itertools.count(1)
        self.feeds: dict[str, deque[Entry]] = {}
        self.staff: deque[Entry] = deque(maxlen=FEED_LIMIT)
        self.homes: dict[str, Entry] = {}
        self.roots: dict[str, Entry] = {}  # staff thread_key -> root entry
        self.pushed_keys: deque[str] = deque(maxlen=5000)  # retry keys already shown
        self._subscribers: dict[str, set[asyncio.Queue]] = {}
        self.staff_keys: set[str] = set()

    # ------------------------------------------------------------------ subscribers
    def subscribe(self, persona: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self._subscribers.setdefault(persona, set()).add(queue)
        return queue

    def unsubscribe(self, persona: str, queue: asyncio.Queue) -> None:
        self._subscribers.get(persona, set()).discard(queue)

    def _send(self, personas: set[str] | None, event: str, data: dict[str, Any]) -> None:
        targets = self._subscribers if personas is None else {p: None for p in personas}
        for persona in list(targets):
            for queue in list(self._subscribers.get(persona, ())):
                try:
                    queue.put_nowait((event, data))
                except asyncio.QueueFull:  # a stalled browser: drop it, it will reconnect
                    self._subscribers[persona].discard(queue)

    def close_all(self) -> None:
        self._send(None, "bye", {})

    def broadcast_clock(self) -> None:
        self._send(None, "clock", {"now": self.clock.now().isoformat()})

    # ------------------------------------------------------------------ feeds
    def snapshot(self, persona: str, staff: bool) -> list[Entry]:
        entries = list(self.feeds.get(persona, ()))
        if staff:
            entries += list(self.staff)
            if persona in self.homes:
                entries.append(self.homes[persona])
        return sorted(entries, key=lambda e: e.seq)

    def _new(self, **kw: Any) -> Entry:
        return Entry(seq=next(self._seq), at=self.clock.now().isoformat(), **kw)

    def add(
        self,
        persona: str,
        role: str,
        replies: Sequence[Reply] = (),
        *,
        text: str | None = None,
        push: bool = False,
    ) -> Entry:
        entry = self._new(
            scope="dm",
            persona=persona,
            role=role,
            replies=[to_json(r) for r in replies],
            text=text,
            push=push,
        )
        self.feeds.setdefault(persona, deque(maxlen=FEED_LIMIT)).append(entry)
        self._send({persona}, "entry", entry.as_json())
        return entry

    def set_home(self, persona: str, replies: Sequence[Reply]) -> Entry:
        """The staff Home tab (Slack App Home): replaced on every refresh."""
        entry = self._new(
            scope="home", persona=persona, role="bot", replies=[to_json(r) for r in replies]
        )
        self.homes[persona] = entry
        self._send({persona}, "entry", entry.as_json())
        return entry

    def post_staff(self, replies: Sequence[Reply], thread_key: str | None, update: bool) -> Entry:
        """Like Slack: a new root, a reply in the thread of ``thread_key``, or an edited root
        (or, for ``<thread>/<card>``, an edited card inside the thread)."""
        payload = [to_json(r) for r in replies]
        thread_key, card = split_card(thread_key)
        edited = self.roots.get(card or thread_key or "") if update else None
        root = self.roots.get(thread_key) if thread_key else None
        if edited is not None:
            edited.replies = payload
            edited.rev += 1
            entry = edited
        elif root is not None:
            entry = self._new(
                scope="staff",
                persona=None,
                role="bot",
                replies=payload,
                thread_key=thread_key,
                thread_of=root.seq,
                push=True,
            )
            self.staff.append(entry)
            if card:
                self.roots.setdefault(card, entry)
        else:
            entry = self._new(
                scope="staff",
                persona=None,
                role="bot",
                replies=payload,
                thread_key=thread_key,
                push=True,
            )
            self.staff.append(entry)
            if thread_key:
                self.roots[thread_key] = entry
            if card:
                self.roots.setdefault(card, entry)
        self._send(set(self.staff_keys), "entry", entry.as_json())
        return entry


class SimulatorMessenger:
    """The simulator as a channel: replies, pushes and staff posts land in the hub's feeds."""

    channel = "simulator"
    # The phone pane shows chat replies, the staff (Slack-like) pane shows forms too.
    capabilities = declare("simulator", (Form, FormErrors, DatetimeRequest, Carousel, Console))

    def __init__(self, hub: Hub):
        self.hub = hub

    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        persona = event.address.user_id
        consoles = [r for r in replies if isinstance(r, Console)]
        rest = [r for r in replies if not isinstance(r, Console)]
        if consoles:  # like Slack: the console is the Home tab, wherever it was asked for
            self.hub.set_home(persona, consoles[-1:])
        if event.raw.get("surface") == "home":
            shown = [r for r in rest if not isinstance(r, Form | FormErrors)]  # modals: direct
            if not consoles and shown:
                self.hub.set_home(persona, shown)
        elif rest:
            self.hub.add(persona, "bot", rest)

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        # A retried row reuses its retry key: show it once (like LINE's X-Line-Retry-Key).
        if retry_key not in self.hub.pushed_keys:
            self.hub.pushed_keys.append(retry_key)
            self.hub.add(external_id, "bot", replies, push=True)
        return Delivery(DeliveryStatus.SENT, request_id=retry_key)

    async def publish_console(self, external_id: str, replies: Sequence[Reply]) -> Delivery:
        """An App Home refresh from the outbox: the Home tab shows the console again."""
        consoles = [r for r in replies if isinstance(r, Console)]
        if not consoles:
            return Delivery(DeliveryStatus.BLOCKED, "no console to show")
        self.hub.set_home(external_id, consoles[-1:])
        return Delivery(DeliveryStatus.SENT)

    async def post_staff(
        self, replies: Sequence[Reply], *, thread_key: str | None, update: bool
    ) -> Delivery:
        entry = self.hub.post_staff(replies, thread_key, update)
        return Delivery(DeliveryStatus.SENT, request_id=str(entry.seq))
