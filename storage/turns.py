"""The statements every conversation turn runs first, built once per dispatcher.

A turn used to build three ORM statements (claim the event id, find the account and person,
find the dialog state) and run three round trips; the profile showed their construction and
ORM overhead at ≈35 % of the handler thread (docs/benchmarks.md §6). Now: one Core
``INSERT … ON CONFLICT DO NOTHING RETURNING`` and one ``SELECT`` joining account, person and
(outer) dialog state, both with bind parameters so SQLAlchemy's compiled cache is always hit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, bindparam
from sqlmodel import col, select

from storage.db import insert_or_skip
from storage.models import ChannelAccount, DialogState, Person, ProcessedEvent

PROCESSED = ProcessedEvent.metadata.tables[ProcessedEvent.__tablename__]


def claim_statement(engine: Engine) -> Any:
    """Record (channel, event_id); RETURNING is empty when the event was handled already."""
    return (
        insert_or_skip(engine, PROCESSED)
        .values(
            channel=bindparam("channel"),
            event_id=bindparam("event_id"),
            received_at=bindparam("received_at", type_=PROCESSED.c.received_at.type),
        )
        .on_conflict_do_nothing()
        .returning(PROCESSED.c.event_id)
    )


def load_statement() -> Any:
    """account ⋈ person ⟕ dialog_state for params (channel, user, conversation)."""
    return (
        select(ChannelAccount, Person, DialogState)
        .join(Person, col(Person.id) == col(ChannelAccount.person_id))
        .outerjoin(
            DialogState,
            and_(
                col(DialogState.channel) == col(ChannelAccount.channel),
                col(DialogState.conversation_id) == bindparam("conversation"),
                col(DialogState.user_id) == col(ChannelAccount.external_id),
            ),
        )
        .where(
            col(ChannelAccount.channel) == bindparam("channel"),
            col(ChannelAccount.external_id) == bindparam("user"),
        )
    )
