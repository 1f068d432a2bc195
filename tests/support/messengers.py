"""A recording messenger: the channel stand-in for transcript tests of the core."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.events import Inbound
from bot.core.ports import Delivery, DeliveryStatus
from bot.core.replies import Reply


@dataclass
class RecordingMessenger:
    channel: str = "simulator"
    replies: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    pushes: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    retry_keys: list[str] = field(default_factory=list)
    staff_posts: list[tuple[str | None, list[Reply]]] = field(default_factory=list)
    script: list[DeliveryStatus] = field(default_factory=list)  # outcomes to return, in order

    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        self.replies[event.address.user_id].extend(replies)

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        self.retry_keys.append(retry_key)
        status = self.script.pop(0) if self.script else DeliveryStatus.SENT
        if status is DeliveryStatus.SENT:
            self.pushes[external_id].extend(replies)
        return Delivery(status)

    async def post_staff(
        self, replies: Sequence[Reply], *, thread_key: str | None, update: bool
    ) -> Delivery:
        self.staff_posts.append((thread_key, list(replies)))
        return Delivery(DeliveryStatus.SENT)
