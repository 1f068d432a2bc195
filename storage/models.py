"""The shared schema. Every datetime is timezone-aware and stored in UTC (see types.py).

People reach Kyodo through channel accounts (a LINE user, a Slack user, a simulator persona).
Actors (主体) are the profiles that post and partner: a person's own profile or an organisation
(町会・自治会, NPO, business, school, ward department) with members and admins.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _dt(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def _empty_list() -> list:
    return []


def _empty_dict() -> dict:
    return {}


def _json(factory: Callable[[], Any] = _empty_list) -> Any:
    """A JSON column. The factory is a Python function, not the builtin ``list``/``dict``:
    pydantic inspects the factory's signature on every model construction, and for a
    builtin that means parsing its text signature (measured: 108 µs vs 5 µs per field)."""
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------- people and actors


class ActorKind(StrEnum):
    INDIVIDUAL = "individual"  # 個人
    NEIGHBORHOOD = "neighborhood"  # 町会・自治会
    NPO = "npo"  # NPO・市民活動団体
    BUSINESS = "business"  # 事業者
    SCHOOL = "school"  # 大学・学校
    WARD = "ward"  # 区 (department)


class Person(SQLModel, table=True):
    """A human using Kyodo. Only ``display_name`` is ever shown to others."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=80)
    real_name: str | None = Field(default=None, max_length=120)
    language: str = Field(default="ja", max_length=8)
    is_staff: bool = False
    actor_id: int | None = Field(default=None, foreign_key="actor.id")  # own 個人 profile
    consent_version: str | None = Field(default=None, max_length=32)
    consented_at: datetime | None = _dt()
    suspended: bool = False
    deleted: bool = False  # 退会: identities removed, content anonymised
    calendar_token: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=64)
    created_at: datetime = _created()


class ChannelAccount(SQLModel, table=True):
    """How to reach a person on one channel. ``external_id`` is never shown or logged."""

    __tablename__ = "channel_account"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    blocked: bool = False  # LINE unfollow: no pushes until they follow again
    created_at: datetime = _created()


class Actor(SQLModel, table=True):
    """A profile (主体): a person's own, or an organisation's."""

    __tablename__ = "actor"
    id: int | None = Field(default=None, primary_key=True)
    kind: ActorKind = Field(default=ActorKind.INDIVIDUAL, sa_type=String(16))
    name: str = Field(max_length=80)
    area: str | None = Field(default=None, max_length=40)
    activity: str = Field(default="", max_length=1000)  # 活動内容・方針
    interests: list[str] = _json()  # category codes
    strengths: list[str] = _json()  # 人手, 知識, 場所, 資金, 広報 ... codes
    invite_code: str | None = Field(default=None, max_length=16, unique=True)
    created_at: datetime = _created()


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("actor_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(default="member", max_length=16)  # member | admin
    created_at: datetime = _created()


class Subscription(SQLModel, table=True):
    """A person follows a category or area (or an idea call's categories)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("person_id", "topic", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    topic: str = Field(max_length=16)  # category | area
    value: str = Field(max_length=40)
    mode: str = Field(default="digest", max_length=16)  # digest | immediate
    created_at: datetime = _created()


# ---------------------------------------------------------------- initiatives (取組提示型)


class InitiativeStatus(StrEnum):
    RECRUITING = "recruiting"  # 募集中
    PREPARING = "preparing"  # 準備中
    RUNNING = "running"  # 実施中
    DONE = "done"  # 完了
    CANCELLED = "cancelled"  # 中止


class Initiative(SQLModel, table=True):
    __tablename__ = "initiative"
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)  # posted as
    poster_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(max_length=60)
    description: str = Field(max_length=1000)
    category: str = Field(max_length=40, index=True)
    area: str | None = Field(default=None, max_length=40, index=True)
    help_wanted: list[str] = _json()
    starts_on: datetime | None = _dt()
    ends_on: datetime | None = _dt()
    capacity: int | None = None
    status: InitiativeStatus = Field(
        default=InitiativeStatus.RECRUITING, sa_type=String(16), index=True
    )
    facilitator_id: int | None = Field(default=None, foreign_key="person.id")
    idea_id: int | None = Field(default=None)  # adopted idea it came from
    result_summary: str | None = Field(default=None, max_length=1000)
    result_participants: int | None = None
    result_reflection: str | None = Field(default=None, max_length=1000)
    hidden: bool = False  # moderation
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Participation(SQLModel, table=True):
    """「参加したい」: one row per person and initiative (a second tap changes nothing)."""

    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("initiative_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="actor.id")  # joined as
    status: str = Field(default="joined", max_length=16)  # joined | waitlisted | withdrawn
    message: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class OpinionRequest(SQLModel, table=True):
    """意見募集: the poster asks for opinions on the initiative."""

    __tablename__ = "opinion_request"
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    question: str = Field(max_length=500)
    audience: str = Field(default="participants", max_length=16)  # participants | everyone
    open: bool = True
    created_at: datetime = _created()


class Opinion(SQLModel, table=True):
    __tablename__ = "opinion"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="opinion_request.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    body: str = Field(max_length=1000)
    hidden: bool = False
    created_at: datetime = _created()


# ---------------------------------------------------------------- idea calls (アイデア募集型)


class IdeaCall(SQLModel, table=True):
    __tablename__ = "idea_call"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    problem: str = Field(max_length=2000)  # the problem and its background
    wanted: str = Field(default="", max_length=1000)  # what kind of ideas
    categories: list[str] = _json()
    deadline: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    public_ideas: bool = True  # residents may see and support each other's ideas
    status: str = Field(default="open", max_length=16, index=True)  # draft | open | closed
    created_by: int = Field(foreign_key="person.id")
    closed_at: datetime | None = _dt()
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class IdeaStatus(StrEnum):
    RECEIVED = "received"  # 受付
    REVIEWING = "reviewing"  # 検討中
    ADOPTED = "adopted"  # 採用
    PARTLY = "partly"  # 一部採用
    DECLINED = "declined"  # 見送り
    WITHDRAWN = "withdrawn"


class Idea(SQLModel, table=True):
    __tablename__ = "idea"
    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="idea_call.id", index=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    body: str = Field(max_length=1000)
    reason: str | None = Field(default=None, max_length=1000)  # why / how
    anonymous: bool = False  # to other residents; staff always see the author
    status: IdeaStatus = Field(default=IdeaStatus.RECEIVED, sa_type=String(16), index=True)
    answer: str | None = Field(default=None, max_length=2000)
    answer_en: str | None = Field(default=None, max_length=2000)  # for English readers
    answered_by: int | None = Field(default=None, foreign_key="person.id")
    answered_at: datetime | None = _dt()
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    hidden: bool = False
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class IdeaSupport(SQLModel, table=True):
    """賛同: once per person and idea."""

    __tablename__ = "idea_support"
    __table_args__ = (UniqueConstraint("idea_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _created()


# ---------------------------------------------------------------- meetings


class Meeting(SQLModel, table=True):
    """実行準備の集い (initiative) or アイデアの会 (idea call)."""

    __tablename__ = "meeting"
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    idea_call_id: int | None = Field(default=None, foreign_key="idea_call.id", index=True)
    title: str = Field(max_length=80)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ends_at: datetime | None = _dt()
    place: str | None = Field(default=None, max_length=200)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = None
    notes: str | None = Field(default=None, max_length=1000)
    reminders: list[dict[str, Any]] = _json()  # [{"kind": "day_before"}, {"minutes": 60}]
    reminder_text: str | None = Field(default=None, max_length=200)
    status: str = Field(default="scheduled", max_length=16)  # scheduled | cancelled | held
    created_by: int = Field(foreign_key="person.id")
    record: str | None = Field(default=None, max_length=2000)  # notes after the meeting
    # Details (place, URL, notes, .ics) only for invitees, the organiser, managers and staff.
    invite_only: bool = False
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Rsvp(SQLModel, table=True):
    __tablename__ = "rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    answer: str = Field(default="invited", max_length=16)  # invited|yes|no|maybe|waitlisted
    created_at: datetime = _created()
    updated_at: datetime = _created()


# ---------------------------------------------------------------- delivery outbox


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    EXPIRED = "expired"  # the meeting started before it could go out
    CANCELLED = "cancelled"
    DEAD = "dead"  # gave up; kept for review
    SKIPPED = "skipped"  # recipient blocked the account or was deleted


class OutboxMessage(SQLModel, table=True):
    """Every push Kyodo sends: notifications (due now) and reminders (due later).

    Written in the same transaction as the change that causes it; a dispatcher claims due rows,
    sends them with ``retry_key`` (LINE ``X-Line-Retry-Key``, fixed before the first attempt)
    and marks them sent. ``dedupe_key`` makes writing the same notification twice a no-op.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        UniqueConstraint("dedupe_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(default="person", max_length=16)  # person | staff (staff channel)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    thread_key: str | None = Field(default=None, max_length=64)  # e.g. "initiative:42"
    staff_update: bool = False  # staff audience: update the thread's root message in place
    kind: str = Field(default="notice", max_length=32)  # notice | reminder | digest | ...
    payload: list[dict[str, Any]] = _json()  # neutral replies (replies.to_json)
    dedupe_key: str | None = Field(default=None, max_length=200)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = _dt()
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=String(16))
    attempts: int = 0
    lease_until: datetime | None = _dt()
    claimed_by: str | None = Field(default=None, max_length=64)
    retry_key: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36)
    batch_key: str | None = Field(default=None, max_length=36, index=True)  # multicast group
    first_attempt_at: datetime | None = _dt()
    sent_at: datetime | None = _dt()
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()


# ---------------------------------------------------------------- plumbing


class ProcessedEvent(SQLModel, table=True):
    """De-duplication: a (channel, event id) is handled once, whatever the redeliveries."""

    __tablename__ = "processed_event"
    channel: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


class InboxEvent(SQLModel, table=True):
    """A verified webhook event waiting to be handled: the durable inbox at ingress.

    The webhook stores the event and answers 200 at once (LINE waits 2 s at most); any
    process running the inbox processor handles rows in order per conversation and deletes
    them. The raw event (with the person's words) lives here only until it is handled.
    """

    __tablename__ = "inbox_event"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        Index("ix_inbox_event_conversation", "channel", "conversation", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    conversation: str = Field(max_length=300)  # events of one conversation keep their order
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the event's JSON
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    attempts: int = Field(default=0)
    leased_by: str | None = Field(default=None, max_length=80)
    leased_until: datetime | None = _dt()


class DialogState(SQLModel, table=True):
    """Where a person is in a guided dialog, per channel and conversation; expires lazily."""

    __tablename__ = "dialog_state"
    channel: str = Field(primary_key=True, max_length=16)
    conversation_id: str = Field(primary_key=True, max_length=128)
    user_id: str = Field(primary_key=True, max_length=128)
    flow: str | None = Field(default=None, max_length=64)
    step: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = _json(_empty_dict)
    expires_at: datetime | None = _dt(index=True)
    updated_at: datetime = _created()


class AuditLog(SQLModel, table=True):
    """Who changed what, when: every staff action and every state change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    detail: dict[str, Any] = _json(_empty_dict)
    at: datetime = _created()


class Report(SQLModel, table=True):
    """A moderation report: one per person per item."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("entity", "entity_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)  # initiative | idea | opinion
    entity_id: int
    person_id: int = Field(foreign_key="person.id", index=True)
    reason: str | None = Field(default=None, max_length=200)
    resolved: bool = False
    created_at: datetime = _created()


class KeyValue(SQLModel, table=True):
    """Small operational flags (e.g. 'LINE monthly quota reached, staff alerted')."""

    __tablename__ = "key_value"
    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = _json(_empty_dict)
    updated_at: datetime = _created()


class StaffThread(SQLModel, table=True):
    """The Slack message that roots a staff-channel thread (``thread_key`` → message ``ts``).

    Follow-ups about the same initiative or idea go into this thread; a state change updates
    the root message in place.
    """

    __tablename__ = "staff_thread"
    thread_key: str = Field(primary_key=True, max_length=64)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class StaffHome(SQLModel, table=True):
    """A staff member was shown the console (Slack App Home) lately: when what it shows
    changes, it is published to them again through the outbox (``storage.home``)."""

    __tablename__ = "staff_home"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


# ---------------------------------------------------------------- outcome ledger


class OutcomeFact(SQLModel, table=True):
    """One outcome fact, written when it happens and never recomputed from live rows.

    ``key`` makes recording the same fact twice a no-op (a redelivery, a second tap). Facts
    stay when people leave: erasure only clears ``person_id``. Area, category and actor
    kinds are copied at the time of the fact so later edits do not rewrite history.
    """

    __tablename__ = "outcome_fact"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outcome_fact_measure_at", "measure", "occurred_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120)
    measure: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    idea_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    area: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=40)
    actor_kind: str | None = Field(default=None, max_length=16)
    partner_kind: str | None = Field(default=None, max_length=16)
    quantity: int = 1
    days: float | None = None  # e.g. days from an idea to its first answer


# ---------------------------------------------------------------- 協働評価 (evaluation loop)


class Evaluation(SQLModel, table=True):
    """One partner's evaluation of one completed initiative: accepted once (unique pair).

    Scores are 1–5. Erasure clears ``person_id`` and the comment; the scores keep counting.
    """

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("initiative_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    role: str = Field(max_length=16)  # poster | admin | participant | staff
    overall: int
    bigger: int  # ひとりで（一団体で）やるより大きな成果が出た
    equal: int  # 対等
    purpose: int  # 目的の共有
    understanding: int  # 相互理解
    autonomy: int  # 自主性の尊重
    openness: int  # 情報公開
    comment: str | None = Field(default=None, max_length=100)
    created_at: datetime = _created()


class EvaluationRequest(SQLModel, table=True):
    """Who was asked to evaluate which initiative, when, and when reminded (once at most)."""

    __tablename__ = "evaluation_request"
    __table_args__ = (UniqueConstraint("initiative_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16)
    asked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    reminded_at: datetime | None = _dt()


class EvaluationSummary(SQLModel, table=True):
    """What the poster published: medians and the comments they approved (no names)."""

    __tablename__ = "evaluation_summary"
    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    answers: int
    medians: dict[str, Any] = _json(_empty_dict)
    comments: list[dict[str, Any]] = _json()  # [{"evaluation_id": 3, "text": "..."}]
    published_by: int | None = Field(default=None, foreign_key="person.id")
    published_at: datetime = _created()
