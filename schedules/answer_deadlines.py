"""The ward's answer promise: one reminder per idea in the call's staff thread when an idea is
overdue (no first answer ``answers.days`` after it came in) or has ``answers.supports``
supports. The staff console puts such ideas on top with 「期限切れ」.

Idempotent and safe from several processes: each reminder has a dedupe key per idea and
reason, and the audit entry is written only by the run that queued it. Reads the injected
clock, so a missed run catches up on the next one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.replies import Text, to_json
from schedules.jobs import JobContext, periodic
from storage import home, outbox
from storage.db import session_scope
from storage.models import AuditLog, OutboxMessage
from storage.queries.console import ideas_awaiting

NO_LIMIT = 1_000_000


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def flag_key(idea_id: int, reason: str) -> str:
    return f"idea:{idea_id}:flag:{reason}"


@periodic("ideas.answer_deadlines", "interval", minutes=30)
def flag_ideas(ctx: JobContext) -> int:
    """Remind the call's staff thread once per overdue or much-supported idea; returns how many."""
    now = ctx.clock.now()
    rules = ctx.ward.answers
    tz = ZoneInfo(ctx.ward.timezone)
    st = ctx.catalog.translator(ctx.settings.default_language)  # the shared staff channel
    flagged = 0
    with session_scope(ctx.engine) as db:
        _total, waiting = ideas_awaiting(
            db, now, days=rules.days, supports=rules.supports, limit=NO_LIMIT
        )
        for w in waiting:
            idea_id = w.idea.id
            assert idea_id is not None
            reasons = [r for r, on in (("overdue", w.overdue), ("supports", w.flagged)) if on]
            for reason in reasons:
                if _flagged_before(db, idea_id, reason):
                    continue  # the outbox row may be gone; the audit entry stays
                text = st(
                    f"staff.flag_{reason}",
                    idea=_short(w.idea.body, 60),
                    id=idea_id,
                    due=w.due.astimezone(tz).strftime("%m/%d"),
                    supports=w.supports,
                    days=rules.days,
                )
                row = OutboxMessage(
                    audience="staff",
                    thread_key=f"idea_call:{w.idea.call_id}",  # the call's staff thread
                    kind="staff",
                    payload=[to_json(Text(text=text))],
                    dedupe_key=flag_key(idea_id, reason),
                    due_at=now,
                )
                if outbox.queue(db, row) is None:
                    continue  # reminded before
                db.add(
                    AuditLog(
                        person_id=None,
                        action=f"idea.flagged_{reason}",
                        entity="idea",
                        entity_id=idea_id,
                        detail={"supports": w.supports, "due": w.due.isoformat()},
                        at=now,
                    )
                )
                flagged += 1
        if flagged:  # the staff console puts them on top with 期限切れ / 賛同N
            home.queue_refresh(db, now)
    return flagged


def _flagged_before(db: Session, idea_id: int, reason: str) -> bool:
    found = db.exec(
        select(AuditLog.id).where(
            col(AuditLog.entity) == "idea",
            col(AuditLog.entity_id) == idea_id,
            col(AuditLog.action) == f"idea.flagged_{reason}",
        )
    ).first()
    return found is not None
