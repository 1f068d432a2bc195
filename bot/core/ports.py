"""What the core needs from a channel: a Messenger that replies and pushes natively."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.core.events import Inbound
from bot.core.replies import Reply


class DeliveryStatus(StrEnum):
    SENT = "sent"  # accepted by the platform (LINE 409 on a reused retry key counts too)
    RETRY = "retry"  # 5xx, timeout, rate limit: try again later with the same retry key
    FAILED = "failed"  # a permanent error: give up and keep the row for review
    BLOCKED = "blocked"  # the person blocked the account: skip
    QUOTA = "quota"  # the monthly push quota is used up: stop pushing, keep rows queued


@dataclass(frozen=True, slots=True)
class Delivery:
    status: DeliveryStatus
    detail: str | None = None
    retry_after: float | None = None
    request_id: str | None = None


@runtime_checkable
class Messenger(Protocol):
    """One per channel. Renders neutral replies natively; never raises for platform errors."""

    channel: str

    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        """Answer an inbound event (LINE reply token first, then push; Slack respond/post)."""

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        """Send to one person's account outside a conversation turn."""


@runtime_checkable
class Multicaster(Protocol):
    """A messenger that can send identical content to many people in one call (LINE)."""

    max_recipients: int

    async def multicast(
        self, external_ids: Sequence[str], replies: Sequence[Reply], *, retry_key: str
    ) -> Delivery: ...


# A staff ``thread_key`` of ``<thread>/<card>`` names one card inside the thread ``<thread>``
# (an idea inside its call's thread): the first post goes in the thread and its last message
# is remembered under the whole key; ``update=True`` then edits that card in place.
CARD_IN_THREAD = "/"


def split_card(thread_key: str | None) -> tuple[str | None, str | None]:
    """(the thread's key, the card's whole key or None) of a staff ``thread_key``."""
    if thread_key and CARD_IN_THREAD in thread_key:
        return thread_key.partition(CARD_IN_THREAD)[0], thread_key
    return thread_key, None


@runtime_checkable
class StaffFeed(Protocol):
    """A messenger that posts to the ward staff's shared channel (Slack)."""

    async def post_staff(
        self, replies: Sequence[Reply], *, thread_key: str | None, update: bool
    ) -> Delivery: ...


@runtime_checkable
class HomePublisher(Protocol):
    """A messenger that shows a person's staff console on its own surface (Slack App Home)."""

    async def publish_console(self, external_id: str, replies: Sequence[Reply]) -> Delivery:
        """Replace the person's Home with the Console among ``replies``."""
