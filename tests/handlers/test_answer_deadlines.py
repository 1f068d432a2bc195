"""The ward's answer promise with the injected clock: an unanswered idea is flagged once in the
call's staff thread after D days (and once at N supports), never twice; the console puts it on
top with 期限切れ; residents see 「回答予定: M/D」 on the idea card."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.core.replies import Carousel
from handlers.idea_actions import BrowseIdeas, SupportIdea
from schedules.answer_deadlines import flag_ideas
from schedules.jobs import REGISTRY
from schedules.scheduler import JOB_MODULES
from storage.db import session_scope
from storage.models import AuditLog, Idea, OutboxMessage
from tests.handlers.conftest import send_idea


def staff_reminders(engine) -> list[OutboxMessage]:
    with session_scope(engine) as db:
        return list(
            db.exec(
                select(OutboxMessage)
                .where(
                    OutboxMessage.audience == "staff",
                    OutboxMessage.dedupe_key.like("idea:%:flag:%"),  # type: ignore[union-attr]
                )
                .order_by(OutboxMessage.id)
            ).all()
        )


def test_the_job_is_scheduled():
    from schedules import answer_deadlines

    assert answer_deadlines in JOB_MODULES
    assert REGISTRY["ideas.answer_deadlines"].fn is flag_ideas


def test_an_overdue_idea_is_flagged_once_not_twice(runtime, engine, clock, resident, open_call):
    author = resident("U-author", "書いた人")
    call_id = open_call()
    send_idea(author, call_id, "駐輪場に 屋根を つけたい")
    ctx = runtime.job_context

    clock.advance(timedelta(days=13, hours=23))
    assert flag_ideas(ctx) == 0  # not yet due
    clock.advance(timedelta(hours=2))  # 14 days (the default) have passed
    assert flag_ideas(ctx) == 1
    assert flag_ideas(ctx) == 0  # run twice: nothing new
    clock.advance(timedelta(days=3))
    assert flag_ideas(ctx) == 0  # still unanswered, but reminded already
    (row,) = staff_reminders(engine)
    assert row.thread_key == f"idea_call:{call_id}"
    assert "期限切れ" in row.payload[0]["text"]
    with session_scope(engine) as db:
        audits = db.exec(select(AuditLog).where(AuditLog.action == "idea.flagged_overdue")).all()
    assert len(audits) == 1


def test_supports_flag_once_and_the_console_puts_overdue_first(
    runtime, engine, clock, resident, open_call
):
    author = resident("U-author", "書いた人")
    call_id = open_call()
    send_idea(author, call_id, "古い アイデア")
    clock.advance(timedelta(days=1))
    send_idea(resident("U-second", "二人目"), call_id, "新しい アイデア")
    with session_scope(engine) as db:
        newer = db.exec(select(Idea.id).where(Idea.body == "新しい アイデア")).one()
    for n in range(10):
        resident(f"U-s{n}", f"賛同{n}").press(SupportIdea(newer))
    ctx = runtime.job_context
    assert flag_ideas(ctx) == 1  # 10 supports: flagged
    assert flag_ideas(ctx) == 0

    clock.advance(timedelta(days=13, hours=1))  # only the older one is overdue
    assert flag_ideas(ctx) == 1
    assert len(staff_reminders(engine)) == 2

    rows = console_queue(runtime, engine)
    assert [(w.idea.body, w.overdue, w.flagged) for w in rows] == [
        ("古い アイデア", True, False),
        ("新しい アイデア", False, True),
    ]


def console_queue(runtime, engine):
    from storage.queries.console import ideas_awaiting

    with session_scope(engine) as db:
        _, rows = ideas_awaiting(db, runtime.clock.now(), days=14, supports=10, limit=5)
        return rows


def test_the_idea_card_shows_the_answer_date(runtime, engine, clock, resident, open_call):
    author = resident("U-author", "書いた人")
    call_id = open_call()
    send_idea(author, call_id, "ベンチを ふやしたい")
    reader = resident("U-reader", "読む人")
    (carousel,) = [r for r in reader.press(BrowseIdeas(call_id)) if isinstance(r, Carousel)]
    fields = dict(carousel.cards[0].fields)
    with session_scope(engine) as db:
        created = db.exec(select(Idea.created_at)).one()
    due = (created + timedelta(days=14)).astimezone(ZoneInfo("Asia/Tokyo"))
    assert fields["回答予定"] == f"{due.month}/{due.day}"
