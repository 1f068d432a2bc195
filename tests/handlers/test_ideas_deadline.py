"""Deadlines with the injected clock: the 3-day reminder fires once, late submissions and
edits are refused, the call closes by itself and the staff summary is posted once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.replies import Card
from handlers.idea_actions import (
    BrowseIdeas,
    CloseCall,
    EditIdea,
    StartIdea,
    SupportIdea,
    WithdrawIdea,
)
from handlers.idea_views import digest_card
from handlers.ideas import open_calls_for_digest
from schedules.ideas_jobs import close_due_calls, remind_followers
from schedules.jobs import REGISTRY
from schedules.scheduler import load_job_modules
from storage.db import session_scope
from storage.models import Idea, IdeaCall, IdeaStatus, OutboxMessage
from tests.conftest import count
from tests.handlers.conftest import call_values, local_input, person_id, send_idea, texts


def rows(engine, **where) -> list[OutboxMessage]:
    with session_scope(engine) as db:
        stmt = select(OutboxMessage)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        return list(db.exec(stmt.order_by(OutboxMessage.id)).all())


def test_the_scheduler_loads_the_idea_jobs():
    load_job_modules()
    assert REGISTRY["ideas.remind"].trigger == "interval"
    assert REGISTRY["ideas.close"].fn is close_due_calls


async def test_the_three_day_reminder_goes_once_to_followers_who_have_not_sent_an_idea(
    runtime, engine, clock, messenger, resident, open_call
):
    resident("U-waiting", "待つ人", follows=("bousai",))
    done = resident("U-done", "送った人", follows=("bousai",))
    resident("U-elsewhere", "ほかの人", follows=("kankyo",))
    deadline = clock.now() + timedelta(days=10)
    call_id = open_call(deadline=local_input(deadline))
    send_idea(done, call_id, "もう 送りました")
    ctx = runtime.job_context

    clock.advance(timedelta(days=6))  # 4 days before: too early
    assert remind_followers(ctx) == 0
    clock.advance(timedelta(days=1, minutes=5))  # inside the 3-day window
    assert remind_followers(ctx) == 1
    assert remind_followers(ctx) == 0  # run twice: nothing new
    clock.advance(timedelta(hours=1))
    assert remind_followers(ctx) == 0
    reminders = rows(engine, kind="reminder")
    assert [r.person_id for r in reminders] == [person_id(engine, "U-waiting")]
    assert reminders[0].dedupe_key == f"idea_call:{call_id}:{reminders[0].person_id}:3d"
    await runtime.outbox.drain()
    pushed = messenger.pushes["U-waiting"]
    reminder = [t for t in texts(pushed) if "あと 3日" in t]
    assert len(reminder) == 1 and "駅前の 放置自転車" in reminder[0]
    assert sum(1 for r in pushed if isinstance(r, Card)) == 2  # announcement + reminder
    assert "あと 3日" not in "".join(texts(messenger.pushes.get("U-done", [])))


def test_submissions_edits_and_withdrawals_after_the_deadline_are_refused(
    runtime, engine, clock, resident, open_call
):
    early = resident("U-early", "早い人")
    late = resident("U-late", "おそい人")
    call_id = open_call(deadline=local_input(clock.now() + timedelta(hours=2)))
    send_idea(early, call_id, "早めの アイデア")
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()

    # a dialog started before the deadline, finished after it
    late.press(StartIdea(call_id))
    late.say("ぎりぎりの アイデア")
    late.tap("とばす")
    late.tap("名前をだす")
    clock.advance(timedelta(hours=2, minutes=1))  # the close job has not run yet
    late.tap("送る")
    assert "受付は おわりました" in late.text
    assert count(engine, "idea") == 1

    late.press(StartIdea(call_id))
    assert "受付は おわりました" in late.text
    late.say("それでも 送りたい")  # no dialog was started: this is not taken as an idea
    assert count(engine, "idea") == 1

    early.press(EditIdea(idea_id))
    assert "受付は おわりました" in early.text
    early.press(WithdrawIdea(idea_id, True))
    assert "受付は おわりました" in early.text
    late.press(BrowseIdeas(call_id))
    assert [b.label for b in late.last[0].cards[0].buttons] == ["通報する"]  # no 賛同する now
    late.press(SupportIdea(idea_id))
    assert "賛同(さんどう)できません" in late.text
    with session_scope(engine) as db:
        assert db.get(Idea, idea_id).status == IdeaStatus.RECEIVED
    assert count(engine, "idea_support") == 0


async def test_the_call_closes_at_the_deadline_and_the_summary_is_posted_once(
    runtime, engine, clock, messenger, staff, resident, open_call
):
    a = resident("U-a", "A")
    b = resident("U-b", "B")
    call_id = open_call(deadline=local_input(clock.now() + timedelta(days=1)))
    send_idea(a, call_id, "人気の アイデア")
    send_idea(b, call_id, "もうひとつの アイデア")
    with session_scope(engine) as db:
        first = db.exec(select(Idea).order_by(Idea.id)).first()
    b.press(SupportIdea(first.id))
    ctx = runtime.job_context

    assert close_due_calls(ctx) == 0  # not yet
    clock.advance(timedelta(days=1))
    assert close_due_calls(ctx) == 1
    assert close_due_calls(ctx) == 0  # run twice: closed once
    with session_scope(engine) as db:
        call = db.get(IdeaCall, call_id)
        assert call.status == "closed" and call.closed_at == clock.now()
    summaries = rows(engine, dedupe_key=f"idea_call:{call_id}:summary")
    assert len(summaries) == 1
    fields = dict(summaries[0].payload[0]["fields"])
    assert fields["アイデア数"] == "2" and fields["未回答"] == "2"
    assert "人気の アイデア" in fields["賛同の多いアイデア"]
    assert "もうひとつの アイデア" in fields["未回答のアイデア"]

    # closing by hand afterwards changes nothing and posts no second summary
    staff.press(CloseCall(call_id, True))
    assert "募集中ではありません" in staff.text
    assert len(rows(engine, dedupe_key=f"idea_call:{call_id}:summary")) == 1
    await runtime.outbox.drain()
    posted = [r for key, r in messenger.staff_posts if key == f"idea_call:{call_id}"]
    titles = [r[0].title for r in posted if isinstance(r[0], Card)]
    assert sum(1 for title in titles if title.startswith("締切のまとめ")) == 1
    a.command("ideas")
    assert "募集中の アイデア募集は ありません" in a.text


def test_staff_can_close_early_after_confirming(runtime, engine, staff, open_call):
    call_id = open_call()
    staff.press(CloseCall(call_id))
    assert "今すぐ締め切りますか" in staff.text
    with session_scope(engine) as db:
        assert db.get(IdeaCall, call_id).status == "open"
    staff.tap("締め切る")
    with session_scope(engine) as db:
        assert db.get(IdeaCall, call_id).status == "closed"
    assert len(rows(engine, dedupe_key=f"idea_call:{call_id}:summary")) == 1
    assert close_due_calls(runtime.job_context) == 0


def test_the_digest_gets_open_calls_only(runtime, engine, clock, staff, open_call):
    soon = open_call(deadline=local_input(clock.now() + timedelta(days=1)))
    later = open_call(deadline=local_input(clock.now() + timedelta(days=9)))
    staff.command("new_call")
    staff.submit(staff.last[0].data, call_values(clock, title="下書き"))  # a draft stays out
    with session_scope(engine) as db:
        assert [c.id for c in open_calls_for_digest(db, clock.now())] == [soon, later]
        assert [c.id for c in open_calls_for_digest(db, clock.now() + timedelta(days=2))] == [later]
        call = db.get(IdeaCall, later)
        card = digest_card(call, runtime.catalog.translator("en"), runtime.ward, clock.now())
    assert [b.label for b in card.buttons] == ["Send an idea", "Everyone's ideas"]


def test_closing_a_call_at_its_deadline_refreshes_the_staff_console(
    runtime, engine, clock, staff, open_call
):
    open_call(deadline=local_input(clock.now() + timedelta(days=1)))
    staff.command("console")  # shown the console: refreshed when what it shows changes
    assert rows(engine, kind="home") == []
    clock.advance(timedelta(days=1))
    assert close_due_calls(runtime.job_context) == 1
    (refresh,) = rows(engine, kind="home")
    assert refresh.person_id is not None and refresh.payload == []
