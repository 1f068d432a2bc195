"""The one dispatcher every channel uses.

TL;DR: ``await dispatcher.handle(event)`` = de-duplicate on (channel, event id) in the database →
serialise events of one conversation → load the person and their dialog → route to
``handlers/`` → save and commit in one transaction → deliver replies → wake the outbox.

A redelivered or duplicated event changes nothing. A handler error rolls back everything the
turn wrote, records the event as processed (so redeliveries don't loop) and tells the person
something went wrong, in their language. A database outage gets a polite "try again later".
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, select

from bot.clock import Clock
from bot.core.counters import HourlyCounters
from bot.core.dialog import Dialog
from bot.core.events import ActionInvoked, CommandInvoked, Followed, Inbound, TextReceived
from bot.core.ports import Messenger
from bot.core.replies import Reply, Text
from bot.core.router import Router
from bot.core.text import sanitize
from bot.core.turn import Turn
from bot.i18n import Catalog, reading, register_for
from bot.logs import pseudonym
from bot.settings import Settings
from bot.ward import Ward
from storage import turns
from storage.db import insert_or_skip, is_postgres, session_scope
from storage.models import Actor, ActorKind, ChannelAccount, DialogState, Person

log = logging.getLogger("kyodo.dispatch")

STAFF_CHANNELS = frozenset({"slack", "simulator"})
WAITED_FOR = (TextReceived, ActionInvoked, CommandInvoked)  # taps whose answer a person awaits


class DuplicateEvent(Exception):
    pass


@dataclass
class TurnResult:
    replies: list[Reply] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    person_id: int | None = None
    language: str | None = None
    duplicate: bool = False
    failed: bool = False


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        router: Router,
        catalog: Catalog,
        ward: Ward,
        clock: Clock,
        config: Settings,
        messengers: dict[str, Messenger] | None = None,
        default_language: str = "ja",
    ):
        self.engine = engine
        self.router = router
        self.catalog = catalog
        self.ward = ward
        self.clock = clock
        self.config = config
        # Shared with the runtime and the outbox: a channel registered later is seen by all.
        self.messengers: dict[str, Messenger] = messengers if messengers is not None else {}
        self.default_language = default_language
        self.on_outbox: list[Callable[[], None]] = []  # wake-up hooks of the delivery engine
        self._locks: weakref.WeakValueDictionary[tuple, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # SQLite serialises writers anyway: more threads only add lock and GIL contention.
        pool = engine.pool  # PostgreSQL's is a QueuePool of pool_size connections
        self.concurrency = (
            max(1, pool.size()) if is_postgres(engine) and isinstance(pool, QueuePool) else 1
        )
        self._limiter: anyio.CapacityLimiter | None = None
        self._sending: dict[tuple, asyncio.Future] = {}  # last delivery per conversation
        self._claim_stmt = turns.claim_statement(engine)  # built once (see storage.turns)
        self._load_stmt = turns.load_statement()
        self.counters = HourlyCounters()

    # ------------------------------------------------------------------ async entry point
    async def handle(self, event: Inbound) -> TurnResult:
        """Run the turn and deliver its replies; returns when both are done."""
        result, sending = await self._turn(event)
        if sending is not None:
            await sending
        return result

    async def handle_committed(self, event: Inbound) -> asyncio.Task[None] | None:
        """The inbox's entry: return once the turn is committed, with its delivery still
        running in a task (the inbox can claim on meanwhile); None if nothing is sent."""
        _result, sending = await self._turn(event)
        return sending

    async def handle_busy(self, event: Inbound) -> asyncio.Task[None] | None:
        """The burst policy (the inbox calls it for an event queued past its busy_after):
        a tap the person waits for gets a short "busy, please try again" through its reply
        token — no handler runs, so the backlog drains fast and no token is lost to push —
        and the event is recorded as handled. Follows, unfollows etc. run as usual."""
        if not (isinstance(event, WAITED_FOR) and event.reply_handle):
            return await self.handle_committed(event)
        _result, sending = await self._turn(event, self._busy)
        return sending

    async def _turn(
        self, event: Inbound, work: Callable[[Inbound], TurnResult] | None = None
    ) -> tuple[TurnResult, asyncio.Task[None] | None]:
        lock = self._locks.get(event.address.key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[event.address.key] = lock
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        async with lock:
            result = await anyio.to_thread.run_sync(
                work or self.process, event, limiter=self._limiter
            )
        if result.duplicate or not (result.replies or result.notified):
            return result, None
        return result, self._send_in_order(event, result)

    def _send_in_order(self, event: Inbound, result: TurnResult) -> asyncio.Task[None]:
        """Start the delivery after the conversation's previous one (replies keep order)."""
        key = event.address.key
        previous = self._sending.get(key)
        task = asyncio.ensure_future(self._deliver(event, result, previous))
        self._sending[key] = task

        def forget(done: asyncio.Future) -> None:
            if self._sending.get(key) is done:
                del self._sending[key]

        task.add_done_callback(forget)
        return task

    async def _deliver(
        self, event: Inbound, result: TurnResult, previous: asyncio.Future | None
    ) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        messenger = self.messengers.get(event.address.channel)
        if messenger is not None and result.replies:
            if result.language:  # the renderer's own words follow the person's language
                event = dataclasses.replace(event, language=result.language)
            try:
                await messenger.reply(event, result.replies)
            except Exception:
                log.exception("reply delivery failed", extra={"channel": event.address.channel})
        if result.notified:
            for wake in self.on_outbox:
                wake()

    # ------------------------------------------------------------------ sync core (tests call it)
    def process(self, event: Inbound) -> TurnResult:
        user = pseudonym(event.address.user_id)
        try:
            return self._process(event)
        except DuplicateEvent:
            log.info("duplicate event ignored", extra={"channel": event.address.channel})
            return TurnResult(duplicate=True)
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, IntegrityError):
                log.exception("integrity error in turn", extra={"user": user})
                return self._failed(event)
            log.error("database unavailable: %s", type(exc).__name__, extra={"user": user})
            language = register_for(event.language, self.default_language)
            text = self.catalog.text("common.try_later", language)
            return TurnResult(replies=[Text(text=text)], failed=True)
        except Exception:
            log.exception("handler failed", extra={"user": user, "type": type(event).__name__})
            return self._failed(event)

    def new_turn(
        self, event: Inbound, db: Session, person: Any, dialog: Dialog, now: Any, **extra: Any
    ) -> Turn:
        """A turn wired to this dispatcher's catalog, ward, settings and router (one place
        for what every turn carries; a preview adds ``read_only``)."""
        return Turn(
            event=event,
            db=db,
            person=person,
            dialog=dialog,
            now=now,
            catalog=self.catalog,
            ward=self.ward,
            config=self.config,
            commands=self.router.commands,
            actions=self.router.actions,
            staff_commands=frozenset(self.router.staff_commands),
            counters=self.counters,
            **extra,
        )

    def _process(self, event: Inbound) -> TurnResult:
        now = self.clock.now()
        with session_scope(self.engine) as db:
            self._claim(db, event, now)
            # A guard's refusal undoes the turn but keeps the claim (no second transaction).
            turn_writes = db.begin_nested()
            person, state = self._identify(db, event)
            language = reading(person.language, staff=person.is_staff)
            created: list[Any] = []
            changed: list[Any] = []

            @sa_event.listens_for(db, "before_flush")
            def _track(session, _ctx, _instances) -> None:
                created.extend(session.new)
                changed.extend(session.dirty)

            dialog = Dialog(state, now)
            turn = self.new_turn(event, db, person, dialog, now, created=created, changed=changed)
            if dialog.expired and isinstance(event, TextReceived):
                turn.say_text("common.dialog_expired")
            self.router.route(turn)
            db.flush()
            for guard in self.router.guards:
                refusal = guard(turn)
                if refusal:
                    turn_writes.rollback()
                    return TurnResult(replies=list(refusal), language=language)
            store_dialog = dialog.save()
            status = sa_inspect(state)
            if status.transient and store_dialog:
                db.add(state)
            elif status.persistent and not store_dialog:
                db.expunge(state)  # untouched: no UPDATE
            db.flush()
            return TurnResult(
                replies=list(turn.replies),
                notified=list(turn.notified),
                person_id=person.id,
                language=reading(person.language, staff=person.is_staff),
            )

    def _busy(self, event: Inbound) -> TurnResult:
        """Record the event as handled and answer "busy" in the person's language."""
        language = register_for(event.language, self.default_language)
        try:
            with session_scope(self.engine) as db:
                self._claim(db, event, self.clock.now())
                found = db.exec(self._load_stmt, params=self._load_params(event)).first()
                if found is not None:
                    language = reading(found[1].language, staff=found[1].is_staff)
        except DuplicateEvent:
            return TurnResult(duplicate=True)
        except Exception as exc:
            log.error("could not record a busy event: %s", type(exc).__name__)
        log.info("busy: answered without a turn", extra={"channel": event.address.channel})
        text = self.catalog.text("common.busy", language)
        return TurnResult(replies=[Text(text=text)], language=language)

    def _record_only(self, event: Inbound) -> str:
        """Mark the event handled (so a redelivery doesn't redo it); return the language."""
        language = self.default_language
        try:
            with session_scope(self.engine) as db:
                self._claim(db, event, self.clock.now())
                account = self._account(db, event)
                if account is not None:
                    person = db.get(Person, account.person_id)
                    language = person.language if person else language
        except Exception:
            log.warning("could not record event")
        return language

    def _failed(self, event: Inbound) -> TurnResult:
        """Record the event as handled so a redelivery does not fail again, and apologise."""
        language = self._record_only(event)
        text = self.catalog.text("common.error", language)
        return TurnResult(replies=[Text(text=text)], failed=True)

    # ------------------------------------------------------------------ steps
    def _claim(self, db: Session, event: Inbound, now) -> None:
        """Insert (channel, event id) or stop: a concurrent copy waits, then finds it taken."""
        params = {"channel": event.address.channel, "event_id": event.event_id, "received_at": now}
        if db.connection().execute(self._claim_stmt, params).first() is None:
            raise DuplicateEvent

    def _account(self, db: Session, event: Inbound) -> ChannelAccount | None:
        return db.exec(
            select(ChannelAccount).where(
                ChannelAccount.channel == event.address.channel,
                ChannelAccount.external_id == event.address.user_id,
            )
        ).first()

    def _identify(self, db: Session, event: Inbound) -> tuple[Person, DialogState]:
        """The person and their dialog state in this conversation: one SELECT joining the
        channel account, the person and (outer) the dialog state — three before."""
        a = event.address
        conversation = _conversation(event)
        found = db.exec(self._load_stmt, params=self._load_params(event)).first()
        state: DialogState | None
        if found is not None:
            account, person, state = found
            if isinstance(event, Followed) and account.blocked:
                account.blocked = False
                db.add(account)
            if state is not None and is_postgres(self.engine):
                state = self._dialog_state(db, event)  # lock it (see _dialog_state)
        else:
            person = self._first_contact(db, event)
            state = self._dialog_state(db, event)
        if a.channel in STAFF_CHANNELS and person.is_staff != event.staff:
            person.is_staff = event.staff
            db.add(person)
        if state is None:  # added only if a dialog starts (most turns need no row)
            state = DialogState(channel=a.channel, conversation_id=conversation, user_id=a.user_id)
        return person, state

    @staticmethod
    def _load_params(event: Inbound) -> dict[str, str]:
        a = event.address
        return {"channel": a.channel, "user": a.user_id, "conversation": _conversation(event)}

    def _first_contact(self, db: Session, event: Inbound) -> Person:
        """Create the person and their channel account, or join the turn that just did.

        Turns of one new user in different conversations (1:1, a group, a room) run in
        parallel. The account is one ``INSERT … ON CONFLICT DO NOTHING``: on PostgreSQL a
        concurrent insert waits for the other transaction and then yields to it; SQLite's
        writer lock (BEGIN IMMEDIATE) already orders the turns. The loser rolls back its own
        person and profile (a savepoint) and uses the winner's.
        """
        language = register_for(event.language, self.default_language)
        name = sanitize(event.display_name or "")[:40].strip() or self.catalog.text(
            "common.default_name", language
        )
        attempt = db.begin_nested()
        actor = Actor(kind=ActorKind.INDIVIDUAL, name=name)
        db.add(actor)
        db.flush()
        person = Person(display_name=name, language=language, actor_id=actor.id)
        db.add(person)
        db.flush()
        stmt = (
            insert_or_skip(self.engine, ChannelAccount)
            .values(
                person_id=person.id,
                channel=event.address.channel,
                external_id=event.address.user_id,
                blocked=False,
                created_at=self.clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(ChannelAccount.id)
        )
        if db.connection().execute(stmt).first() is not None:
            attempt.commit()
            log.info("new person", extra={"person_id": person.id, "channel": event.address.channel})
            return person
        attempt.rollback()  # another turn created them first
        account = self._account(db, event)
        winner = db.get(Person, account.person_id) if account is not None else None
        if winner is None:
            raise RuntimeError("channel account vanished during first contact")
        return winner

    def _dialog_state(self, db: Session, event: Inbound) -> DialogState | None:
        """Read the dialog row on its own: at first contact, and on PostgreSQL to lock it
        (``FOR UPDATE`` can't take the nullable side of the outer join)."""
        a = event.address
        stmt = select(DialogState).where(
            DialogState.channel == a.channel,
            DialogState.conversation_id == _conversation(event),
            DialogState.user_id == a.user_id,
        )
        if is_postgres(self.engine):
            # serialise one conversation across processes; re-read what we waited for
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return db.exec(stmt).first()


def _conversation(event: Inbound) -> str:
    """The dialog's conversation key: a shared chat's dialog lives in the 1:1 chat."""
    return "" if event.reply_privately else (event.address.conversation_id or "")
