"""Who may do what: only staff open, edit, close, answer and export; only the author edits or
withdraws; forged or replayed payloads change nothing. Edits after publishing stay quiet
except a deadline change, which the people who already sent ideas are told about."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.replies import Form, FormErrors
from handlers.idea_actions import (
    AnswerForm,
    AnswerIdea,
    BrowseIdeas,
    CallForm,
    CloseCall,
    EditCall,
    EditIdea,
    ExportCall,
    MakeInitiative,
    PublishCall,
    SetIdeaStatus,
    StaffIdeas,
    StartIdea,
    SupportIdea,
    WithdrawIdea,
)
from handlers.idea_call_form import MEETING_COMMANDS
from storage.db import session_scope
from storage.models import Idea, IdeaCall, IdeaStatus, OutboxMessage
from tests.conftest import count
from tests.handlers.conftest import call_values, local_input, person_id, send_idea


def call_row(engine, call_id: int) -> IdeaCall:
    with session_scope(engine) as db:
        return db.get(IdeaCall, call_id)


def idea_row(engine, idea_id: int) -> Idea:
    with session_scope(engine) as db:
        return db.get(Idea, idea_id)


def person_rows(engine) -> list[OutboxMessage]:
    with session_scope(engine) as db:
        stmt = select(OutboxMessage).where(OutboxMessage.audience == "person")
        return list(db.exec(stmt.order_by(OutboxMessage.id)).all())


def test_residents_cannot_open_publish_edit_or_close_a_call(
    runtime, engine, clock, staff, resident
):
    r = resident("U-r", "住民", follows=("bousai",))
    r.command("new_call")
    assert "区の職員だけ" in r.text
    r.submit(CallForm(0), call_values(clock))
    assert "区の職員だけ" in r.text
    assert count(engine, "idea_call") == 0

    form = next(x for x in staff.command("new_call") if isinstance(x, Form))
    staff.submit(form.data, call_values(clock))
    with session_scope(engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
    r.press(PublishCall(call_id))
    assert call_row(engine, call_id).status == "draft"
    assert person_rows(engine) == []
    r.press(BrowseIdeas(call_id))  # drafts don't exist for residents
    assert "みつかりませんでした" in r.text

    staff.press(PublishCall(call_id))
    staff.press(PublishCall(call_id))  # double tap: one announcement only
    assert "もう公開されています" in staff.text
    assert len(person_rows(engine)) == 1

    r.press(EditCall(call_id))
    assert not any(isinstance(x, Form) for x in r.last)
    r.submit(CallForm(call_id), call_values(clock, title="のっとり"))
    r.press(CloseCall(call_id, True))
    r.press(StaffIdeas(call_id))
    assert "区の職員だけ" in r.text
    r.press(ExportCall(call_id))
    assert "http" not in r.text
    call = call_row(engine, call_id)
    assert call.title != "のっとり" and call.status == "open"


def test_residents_cannot_answer_or_adopt_and_only_the_author_changes_an_idea(
    runtime, engine, staff, resident, open_call
):
    author = resident("U-author", "作者")
    other = resident("U-other", "他人")
    call_id = open_call()
    send_idea(author, call_id, "わたしの アイデア")
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()

    other.press(AnswerIdea(idea_id, IdeaStatus.ADOPTED))
    assert not any(isinstance(x, Form) for x in other.last)
    other.submit(AnswerForm(idea_id), {"status": "adopted", "answer": "採用です"})
    other.press(SetIdeaStatus(idea_id, IdeaStatus.REVIEWING))
    other.press(MakeInitiative(idea_id))
    idea = idea_row(engine, idea_id)
    assert idea.status == IdeaStatus.RECEIVED and idea.answer is None
    assert count(engine, "initiative") == 0

    other.press(EditIdea(idea_id))
    assert "送った人だけ" in other.text
    other.press(WithdrawIdea(idea_id, True))
    assert "送った人だけ" in other.text
    assert idea_row(engine, idea_id).status == IdeaStatus.RECEIVED

    # forged payloads: wrong shape, unknown ids, a status that needs an answer
    other.press("k1:asp:abc")
    other.press("k1:asp:999999")
    assert count(engine, "idea_support") == 0
    staff.press(SetIdeaStatus(idea_id, IdeaStatus.ADOPTED))
    assert idea_row(engine, idea_id).status == IdeaStatus.RECEIVED
    staff.submit(AnswerForm(idea_id), {"status": "withdrawn", "answer": "x"})
    assert isinstance(staff.last[0], FormErrors)
    staff.press(MakeInitiative(idea_id))  # not adopted yet
    assert "採用" in staff.text and count(engine, "initiative") == 0

    # 検討中 is one tap; the author hears about it
    staff.press(SetIdeaStatus(idea_id, IdeaStatus.REVIEWING))
    assert idea_row(engine, idea_id).status == IdeaStatus.REVIEWING
    staff.press(SetIdeaStatus(idea_id, IdeaStatus.REVIEWING))  # again: nothing changes
    assert "変更はありません" in staff.text


def test_a_private_call_hides_ideas_from_residents(runtime, engine, resident, open_call):
    a = resident("U-a", "A")
    b = resident("U-b", "B")
    call_id = open_call(public="no")
    send_idea(a, call_id, "ひみつの アイデア")
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
    b.command("ideas")
    assert [x.label for x in b.last[0].cards[0].buttons] == ["アイデアを送る"]
    b.press(BrowseIdeas(call_id))
    assert "公開(こうかい)されていません" in b.text
    b.press(SupportIdea(idea_id))
    assert count(engine, "idea_support") == 0


async def test_small_edits_are_quiet_and_a_deadline_change_tells_the_submitters(
    runtime, engine, clock, messenger, staff, resident, open_call
):
    follower = resident("U-f", "フォロワー", follows=("bousai",))
    author = resident("U-author", "作者")
    call_id = open_call()
    send_idea(author, call_id, "アイデア")
    await runtime.outbox.drain()
    before = len(person_rows(engine))

    staff.press(EditCall(call_id))
    form = staff.last[0]
    assert isinstance(form, Form)
    initial = {f.name: f.initial for f in form.fields}
    assert initial["title"] == "駅前の 放置自転車を へらしたい"
    assert initial["categories"] == ["machizukuri", "bousai"]
    values = dict(initial)
    values["title"] = "駅前の 自転車を へらしたい"
    staff.submit(form.data, values)
    assert "更新しました" in staff.text
    assert call_row(engine, call_id).title == "駅前の 自転車を へらしたい"
    assert len(person_rows(engine)) == before  # nobody re-notified

    bad = dict(values, deadline=local_input(clock.now() - timedelta(hours=1)), categories=[])
    staff.submit(form.data, bad)
    assert {name for name, _ in staff.last[0].errors} == {"deadline", "categories"}

    later = clock.now() + timedelta(days=20)
    staff.submit(form.data, dict(values, deadline=local_input(later)))
    assert "知らせる人：1人" in staff.text
    rows = person_rows(engine)[before:]
    assert [r.person_id for r in rows] == [person_id(engine, "U-author")]
    await runtime.outbox.drain()
    assert any("締切(しめきり)が かわりました" in r.text for r in messenger.pushes["U-author"])
    assert "締切(しめきり)が かわりました" not in str(messenger.pushes["U-f"])
    assert follower


def test_the_idea_meeting_hook_hands_over_to_the_meetings_command(
    runtime, engine, clock, staff, open_call
):
    seen: list[str] = []
    commands = runtime.dispatcher.router.commands
    commands[MEETING_COMMANDS[0]] = lambda turn, args: seen.append(args)
    try:
        form = next(x for x in staff.command("new_call") if isinstance(x, Form))
        assert "meeting" in {f.name for f in form.fields}
        staff.submit(form.data, call_values(clock, meeting="yes"))
        staff.tap("公開する")
        staff.tap("アイデアの会を設定")
    finally:
        del commands[MEETING_COMMANDS[0]]
    with session_scope(engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
    assert seen == [f"idea_call:{call_id}"]
    form = next(x for x in staff.command("new_call") if isinstance(x, Form))
    assert "meeting" not in {f.name for f in form.fields}  # no meetings module: no field


def test_late_start_of_a_closed_call_is_refused(runtime, engine, clock, resident, open_call):
    r = resident("U-r", "R")
    call_id = open_call(deadline=local_input(clock.now() + timedelta(hours=1)))
    clock.advance(timedelta(hours=2))
    r.press(StartIdea(call_id))
    assert "受付は おわりました" in r.text
