"""採用 → 取組にする through a prefilled, editable modal: validated, confirmed, crediting the
idea and its author (not an anonymous one), and the author is told with a button."""

from __future__ import annotations

from sqlmodel import select

from bot.core.replies import Choices, Form, FormErrors
from handlers.idea_actions import AnswerForm, MakeInitiative
from handlers.initiative_actions import Show
from handlers.staff_post_form import TITLE_MAX
from storage.db import session_scope
from storage.models import Idea, Initiative
from tests.conftest import count
from tests.handlers.conftest import send_idea
from tests.support.adopt import publish_prefilled

LONG = "駅前の 駐輪場に 屋根を つけて、雨の日でも 自転車が ぬれないように したいです" * 2


def adopted_idea(staff, engine, resident, open_call, *, anonymous=False) -> int:
    author = resident("U-author", "鈴木")
    call_id = open_call()
    send_idea(author, call_id, LONG, anonymous=anonymous)
    with session_scope(engine) as db:
        idea_id = db.exec(select(Idea.id)).one()
    staff.submit(AnswerForm(idea_id), {"status": "adopted", "answer": "やります。"})
    return idea_id


def test_the_modal_is_prefilled_validated_and_credits_the_author(
    runtime, engine, messenger, staff, resident, open_call
):
    idea_id = adopted_idea(staff, engine, resident, open_call)
    (form,) = [r for r in staff.press(MakeInitiative(idea_id)) if isinstance(r, Form)]
    initial = {f.name: f.initial for f in form.fields}
    assert len(initial["title"]) <= TITLE_MAX and initial["title"].endswith("…")
    assert initial["description"] == LONG
    assert initial["category"] == "machizukuri"
    assert count(engine, "initiative") == 0  # nothing is published by opening it

    publish_prefilled(staff, form, sure=None)  # not confirmed: inline error, nothing written
    assert isinstance(staff.last[0], FormErrors)
    publish_prefilled(staff, form, title="")
    assert isinstance(staff.last[0], FormErrors)
    assert count(engine, "initiative") == 0

    publish_prefilled(staff, form, title="駅前駐輪場に屋根を", area="asagaya")
    with session_scope(engine) as db:
        ini = db.exec(select(Initiative)).one()
        assert ini.title == "駅前駐輪場に屋根を" and ini.area == "asagaya"
        assert ini.idea_id == idea_id
        assert "鈴木さんが提案したアイデア" in ini.description
    await_drain(runtime)
    told = messenger.pushes["U-author"]
    link = next(r for r in told if isinstance(r, Choices))
    assert link.buttons[0].data.endswith(f":{ini.id}") and Show.prefix in link.buttons[0].data

    staff.press(MakeInitiative(idea_id))  # the old button again: says so, no second one
    assert "もう取組" in staff.text
    assert count(engine, "initiative") == 1


def test_an_anonymous_author_is_not_named(engine, staff, resident, open_call):
    idea_id = adopted_idea(staff, engine, resident, open_call, anonymous=True)
    staff.press(MakeInitiative(idea_id))
    publish_prefilled(staff)
    with session_scope(engine) as db:
        ini = db.exec(select(Initiative)).one()
    assert "鈴木" not in ini.description and f"#{idea_id}" in ini.description


def await_drain(runtime) -> None:
    import anyio

    anyio.run(runtime.outbox.drain)
