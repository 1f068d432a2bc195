"""Idea-call deadlines: the 3-day reminder to followers, automatic closing and the staff summary.

Both jobs are idempotent and safe to run from several processes: every push has a dedupe key
(call + person + "3d", call + "summary"), and closing is a conditional UPDATE on status "open".
A job that missed its slot (process down) catches up on the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.replies import Text, to_json
from bot.i18n import reading
from schedules.jobs import JobContext, periodic
from storage import home, outbox
from storage.db import session_scope, stored_id
from storage.models import Idea, IdeaCall, IdeaStatus, OutboxMessage
from storage.queries.ideas import OPEN, close_call, followers, summary_dedupe, thread_key

REMINDER_BEFORE = timedelta(days=3)


def reminder_key(call_id: int, person_id: int) -> str:
    return f"idea_call:{call_id}:{person_id}:3d"


@periodic("ideas.remind", "interval", minutes=5)
def remind_followers(ctx: JobContext) -> int:
    """Three days before the deadline, tell followers who have not sent an idea yet (once)."""
    now = ctx.clock.now()
    tz = ZoneInfo(ctx.ward.timezone)
    sent = 0
    with session_scope(ctx.engine) as db:
        calls = db.exec(
            select(IdeaCall).where(
                col(IdeaCall.status) == OPEN,
                col(IdeaCall.deadline) > now,
                col(IdeaCall.deadline) <= now + REMINDER_BEFORE,
            )
        ).all()
        for call in calls:
            if call.created_at > call.deadline - REMINDER_BEFORE:
                continue  # published inside the window: the announcement was the reminder
            authors = set(
                db.exec(
                    select(col(Idea.author_id)).where(
                        col(Idea.call_id) == call.id, col(Idea.status) != IdeaStatus.WITHDRAWN
                    )
                ).all()
            )
            for person in followers(db, call, exclude=authors | {call.created_by}):
                t = ctx.catalog.translator(reading(person.language, staff=person.is_staff))
                row = OutboxMessage(
                    audience="person",
                    person_id=person.id,
                    kind="reminder",
                    payload=[
                        to_json(
                            Text(
                                text=t(
                                    "ideas.reminder_3d",
                                    title=call.title,
                                    deadline=ctx.cards.when(call.deadline, tz),
                                )
                            )
                        ),
                        to_json(ctx.cards.resident_call_card(call, t, ctx.ward, now)),
                    ],
                    dedupe_key=reminder_key(stored_id(call.id), stored_id(person.id)),
                    due_at=now,
                    expires_at=call.deadline,
                )
                if outbox.queue(db, row) is not None:
                    sent += 1
    return sent


@periodic("ideas.close", "interval", minutes=5)
def close_due_calls(ctx: JobContext) -> int:
    """Close calls whose deadline has passed and post the summary to the staff thread (once)."""
    now = ctx.clock.now()
    closed = 0
    with session_scope(ctx.engine) as db:
        due = db.exec(
            select(IdeaCall).where(col(IdeaCall.status) == OPEN, col(IdeaCall.deadline) <= now)
        ).all()
        for call in due:
            if close_call(db, call, now):
                closed += 1
                post_summary(db, ctx, call, now)
        if closed:  # the staff console's open calls changed
            home.queue_refresh(db, now)
    return closed


def post_summary(db: Session, ctx: JobContext, call: IdeaCall, now: datetime) -> None:
    st = ctx.cards.staff_translator(ctx.catalog, ctx.settings)
    outbox.queue(
        db,
        OutboxMessage(
            audience="staff",
            thread_key=thread_key(stored_id(call.id)),
            staff_update=True,
            kind="staff",
            payload=[to_json(ctx.cards.staff_call_card(db, call, st, ctx.ward, now))],
            due_at=now,
        ),
    )
    outbox.queue(
        db,
        OutboxMessage(
            audience="staff",
            thread_key=thread_key(stored_id(call.id)),
            kind="staff",
            payload=[to_json(ctx.cards.summary_card(db, call, st))],
            dedupe_key=summary_dedupe(stored_id(call.id)),
            due_at=now,
        ),
    )
