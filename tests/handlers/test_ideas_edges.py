"""Two edges of the アイデア募集型 flow: the deadline instant itself is already closed, and a
resident pressing a forged 「管理」 button sees neither the staff card nor a draft preview."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.replies import Card, Form
from handlers.idea_views import ManageCall, StartIdea
from storage.db import session_scope
from storage.models import IdeaCall
from tests.conftest import count
from tests.handlers.conftest import call_values, local_input, send_idea
from tests.support.conversation import buttons_of


def test_an_idea_sent_exactly_at_the_deadline_is_refused(
    runtime, engine, clock, resident, open_call
):
    r = resident("U-last", "最後の人")
    call_id = open_call(deadline=local_input(clock.now() + timedelta(hours=2)))
    clock.advance(timedelta(hours=2) - timedelta(minutes=1))
    r.press(StartIdea(call_id))
    assert "受付は おわりました" not in r.text, r.text  # a minute before: still open
    r.say("ぎりぎりの アイデア")
    r.tap("とばす")
    r.tap("名前をだす")
    clock.advance(timedelta(minutes=1))  # now == deadline
    r.tap("送る")
    assert "受付は おわりました" in r.text, r.text
    assert count(engine, "idea") == 0
    r.press(StartIdea(call_id))
    assert "受付は おわりました" in r.text, r.text


def test_an_idea_a_second_before_the_deadline_is_accepted(
    runtime, engine, clock, resident, open_call
):
    r = resident("U-inwith", "間に合う人")
    call_id = open_call(deadline=local_input(clock.now() + timedelta(hours=2)))
    clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    send_idea(r, call_id, "間に合った アイデア")
    assert count(engine, "idea") == 1


def _no_staff_view(c, title: str) -> None:
    assert "区の職員だけ" in c.text, c.text
    assert not any(isinstance(x, Card) and x.title == title for x in c.last)
    assert not any(isinstance(x, Form) for x in c.last)
    assert buttons_of(c.last) == []


def test_a_resident_cannot_open_the_staff_card_or_the_draft_preview(
    runtime, engine, clock, staff, resident, open_call
):
    r = resident("U-peek", "のぞく人", follows=("bousai",))
    open_id = open_call(title="公開中の 募集")
    r.press(ManageCall(open_id))
    _no_staff_view(r, "公開中の 募集")

    form = next(x for x in staff.command("new_call") if isinstance(x, Form))
    staff.submit(form.data, call_values(clock, title="下書きの 募集"))
    with session_scope(engine) as db:
        draft_id = db.exec(select(IdeaCall.id).where(IdeaCall.status == "draft")).one()
    r.press(ManageCall(draft_id))
    _no_staff_view(r, "下書きの 募集")
    assert "下書きの 募集" not in r.text

    staff.press(ManageCall(draft_id))  # the same button works for staff
    assert any(isinstance(x, Card) and x.title == "下書きの 募集" for x in staff.last)


def test_the_idea_steps_resume_and_stop_without_writing(runtime, engine, resident, open_call):
    r = resident("U-stop", "やめる人")
    call_id = open_call()
    r.press(StartIdea(call_id))
    r.say("つづける")  # the resume word re-asks the question, it is not the idea
    assert "アイデアを 1000文字以内(もじいない)で" in r.text
    r.say("ベンチを ふやす")
    r.say("つづける")
    assert "なぜ そうおもいますか" in r.text
    r.tap("やめる")
    r.say("これは アイデアではない")
    assert count(engine, "idea") == 0


def test_the_call_form_enforces_the_limit_its_declaration_names(
    runtime, engine, clock, staff, monkeypatch
):
    import dataclasses

    from bot.core.replies import FormErrors
    from bot.core.wizard import WIZARDS
    from handlers import idea_calls

    form = next(x for x in staff.command("new_call") if isinstance(x, Form))
    staff.submit(form.data, call_values(clock, title="あ" * 81))
    (errors,) = [x for x in staff.last if isinstance(x, FormErrors)]
    assert errors.errors == (("title", "80文字以内で入力してください（現在81文字）。"),)
    assert count(engine, "idea_call") == 0
    title, *rest = idea_calls.IDEA_CALL.fields
    narrower = dataclasses.replace(title, max_length=10)
    changed = dataclasses.replace(idea_calls.IDEA_CALL, fields=(narrower, *rest))
    WIZARDS[changed.flow] = idea_calls.IDEA_CALL  # a declaration registers itself: undo that
    monkeypatch.setattr(idea_calls, "IDEA_CALL", changed)
    staff.submit(form.data, call_values(clock, title="あ" * 11))
    (errors,) = [x for x in staff.last if isinstance(x, FormErrors)]
    assert errors.errors == (("title", "10文字以内で入力してください（現在11文字）。"),)
    monkeypatch.undo()
    staff.submit(form.data, call_values(clock, title="あ" * 11))
    assert count(engine, "idea_call") == 1
