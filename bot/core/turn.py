"""One turn of a conversation: what a handler sees and the only way it acts.

Handlers never do channel I/O. They read and write the store through ``turn.db`` (one
transaction), answer with ``turn.say``, and reach other people with ``turn.notify`` /
``turn.notify_staff``, which write outbox rows in the same transaction; the dispatcher delivers
after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.capabilities import ChannelInfo, channel_info
from bot.core.dialog import Dialog
from bot.core.events import Inbound
from bot.core.replies import Reply, Text, to_json
from bot.i18n import Catalog, Translator, reading
from bot.settings import Settings
from bot.ward import Ward
from storage import outbox
from storage.models import AuditLog, OutboxMessage, Person


@dataclass
class Turn:
    event: Inbound
    db: Session
    person: Person
    dialog: Dialog
    now: datetime
    catalog: Catalog
    ward: Ward
    config: Settings  # read-only use: URLs, policy version, limits
    commands: dict[str, Any] = field(default_factory=dict)  # name -> handler(turn, args)
    staff_commands: frozenset[str] = frozenset()  # names staff help lists
    actions: dict[type, Any] = field(default_factory=dict)  # action class -> handler(turn, act)
    created: list[Any] = field(default_factory=list)  # rows this turn inserted (guards read it)
    changed: list[Any] = field(default_factory=list)  # rows this turn updated
    replies: list[Reply] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)  # outbox ids written this turn
    counters: Any = None  # the dispatcher's in-process HourlyCounters (rate limits), if any
    read_only: bool = False  # a preview (bot.core.preview): rolled back, skip bookkeeping

    @property
    def channel(self) -> ChannelInfo:
        """What the person's channel can show (``turn.channel.supports(Form)``)."""
        return channel_info(self.event.address.channel)

    # ------------------------------------------------------------------ language and time
    @property
    def language(self) -> str:
        """The register this person reads: staff read plain Japanese, never やさしい日本語."""
        return reading(self.person.language, staff=self.person.is_staff)

    @property
    def t(self) -> Translator:
        return self.catalog.translator(self.language)

    def tr_for(self, person: Person) -> Translator:
        return self.catalog.translator(reading(person.language, staff=person.is_staff))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ward.timezone)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)

    def parse_local(self, raw: Any) -> datetime | None:
        """'2026-12-10T18:00' from a picker or form (ward time; a space or slashes too) →
        aware UTC; None if it isn't a date and time."""
        if raw is None:
            return None
        text = str(raw).strip().replace("/", "-").replace(" ", "T")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(UTC)

    def local_input(self, when: datetime) -> str:
        """The picker/form value for ``when``: 'YYYY-MM-DDTHH:MM' in ward time."""
        return self.local(when).strftime("%Y-%m-%dT%H:%M")

    # ------------------------------------------------------------------ acting
    def say(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def notify(
        self,
        person: Person | int,
        *replies: Reply,
        kind: str = "notice",
        dedupe_key: str | None = None,
        due_at: datetime | None = None,
        expires_at: datetime | None = None,
        meeting_id: int | None = None,
    ) -> int | None:
        """Queue a push to a person; with ``dedupe_key``, writing it twice is a no-op.

        Returns the outbox row's id, or None when the key was already written."""
        person_id = person if isinstance(person, int) else person.id
        return self._queue(
            OutboxMessage(
                audience="person",
                person_id=person_id,
                kind=kind,
                payload=[to_json(r) for r in replies],
                dedupe_key=dedupe_key,
                due_at=due_at or self.now,
                expires_at=expires_at,
                meeting_id=meeting_id,
            )
        )

    def notify_staff(
        self,
        *replies: Reply,
        thread_key: str | None = None,
        kind: str = "staff",
        dedupe_key: str | None = None,
        update: bool = False,
    ) -> int | None:
        """Queue a post to the ward staff channel.

        ``thread_key`` (e.g. ``"initiative:42"``) groups follow-ups in one thread; with
        ``update=True`` the thread's root message is replaced instead (state changed).
        Updates coalesce: while an update of the same thread still waits to be sent, it
        just gets the newer card, so a burst of 1,000 joins is a handful of Slack
        ``chat.update`` calls (Tier 3: ~50 a minute), not 1,000 queued behind new posts.
        """
        payload = [to_json(r) for r in replies]
        if update and thread_key and outbox.refresh_waiting_update(self.db, thread_key, payload):
            return None
        return self._queue(
            OutboxMessage(
                audience="staff",
                person_id=None,
                thread_key=thread_key,
                staff_update=update,
                kind=kind,
                payload=payload,
                dedupe_key=dedupe_key,
                due_at=self.now,
            )
        )

    def _queue(self, row: OutboxMessage) -> int | None:
        """A key written before (this turn, an earlier one, or a concurrent process) inserts
        nothing; see ``storage.outbox.queue``."""
        row_id = outbox.queue(self.db, row)
        if row_id is not None:
            self.notified.append(row_id)
        return row_id

    def audit(self, action: str, entity: str, entity_id: int | None, **detail: Any) -> None:
        self.db.add(
            AuditLog(
                person_id=self.person.id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail,
                at=self.now,
            )
        )

    def require_staff(self) -> bool:
        """True for ward staff; otherwise tell the person and return False."""
        if self.person.is_staff:
            return True
        self.say_text("common.staff_only")
        return False

    def say_text(self, key: str, **params: Any) -> None:
        self.say(Text(text=self.t(key, **params)))
