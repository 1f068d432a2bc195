"""The idea answer modal knows the author's language, through signed Slack requests.

Staff open 回答する from App Home; the modal says 「投稿者の言語: English」 and offers
「英語の回答（任意）」. An English reader gets staff's English text when given, otherwise the
Japanese answer inside the catalog's English frame; a Japanese reader gets the text as written.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.core.replies import Carousel
from handlers.idea_actions import BrowseIdeas, StartIdea
from storage.models import Idea, IdeaCall
from tests.channels.slack.test_console import STAFF, button_near, fast_home, open_home, press_home
from tests.channels.slack.test_idea_call_staff_flow import form, values_of
from tests.support.conversation import Conversation
from tests.support.initiatives import People, outbox, person_named

TOKYO = ZoneInfo("Asia/Tokyo")


def open_call(slack, clock) -> int:
    """Staff create and publish an idea call through the /kyodo new_call modal."""
    slack.command(STAFF, "new_call")
    view = slack.standin.of("views.open")[-1].args["view"]
    slack.submit(STAFF, view, form(clock.now().astimezone(TOKYO) + timedelta(days=14)))
    preview = slack.standin.of("chat.postMessage") + slack.standin.of("response_url")
    slack.press(STAFF, values_of([c.args.get("blocks") for c in preview])["公開する"], channel="D")
    with Session(slack.runtime.engine) as db:
        return db.exec(select(IdeaCall.id)).one()


def submit_idea_in_english(slack, user: str, name: str, call_id: int, body: str) -> None:
    """A resident who reads English walks the idea dialog with the English buttons."""
    c = People(slack.runtime)(user, name, language="en")
    c.press(StartIdea(call_id))
    c.say(body)
    c.tap("Skip")
    c.tap(f"Show my name ({name})")
    c.tap("Send")
    assert "Thank you" in c.text or "sent" in c.text.lower(), c.text


def answer_modal(slack, body: str) -> dict[str, Any]:
    press_home(slack, STAFF, button_near(open_home(slack), body, "回答する"))
    return slack.standin.of("views.open")[-1].args["view"]


def told(engine, name: str) -> str:
    """Everything pushed to the person: titles, bodies and fields of the queued replies."""
    rows = outbox(engine, person_id=person_named(engine, name))
    return json.dumps([r.payload for r in rows], ensure_ascii=False)


def hints(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def answer(slack, view: dict[str, Any], text: str, english: str | None = None):
    values: dict[str, Any] = {
        "status": {"selected_option": {"value": "adopted"}},
        "answer": {"value": text},
    }
    if "answer_en" in {b["block_id"] for b in view["blocks"]}:
        values["answer_en"] = {"value": english}
    return slack.submit(STAFF, view, values)


def test_an_english_reader_gets_the_english_version_staff_wrote(make_slack, engine, clock):
    slack = make_slack()
    fast_home(slack)
    call_id = open_call(slack, clock)
    submit_idea_in_english(slack, "U-emma", "Emma", call_id, "Bike racks with a roof")
    view = answer_modal(slack, "Bike racks with a roof")
    assert "投稿者の言語: English" in hints(view)
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"]}
    assert labels["answer_en"].startswith("英語の回答（任意）")

    r = answer(slack, view, "来月から試します。", "We will try it from next month.")
    assert r.status_code == 200 and not r.content.strip(b"{} ")  # accepted, modal closes
    said = told(engine, "Emma")
    assert "The ward's answer:\\nWe will try it from next month." in said
    assert "来月から試します。" not in said
    # browsing the ideas later, she reads the English version too
    emma = Conversation(slack.runtime, user="U-emma", name="Emma", language="en")
    (carousel,) = [r for r in emma.press(BrowseIdeas(call_id)) if isinstance(r, Carousel)]
    assert ("Ward's answer", "We will try it from next month.") in carousel.cards[0].fields
    with Session(engine) as db:
        idea = db.exec(select(Idea)).one()
    assert (idea.answer, idea.answer_en) == (
        "来月から試します。",
        "We will try it from next month.",
    )


def test_without_an_english_version_the_japanese_text_comes_in_the_english_frame(
    make_slack, engine, clock
):
    slack = make_slack()
    fast_home(slack)
    call_id = open_call(slack, clock)
    submit_idea_in_english(slack, "U-emma", "Emma", call_id, "Bike racks with a roof")
    view = answer_modal(slack, "Bike racks with a roof")
    answer(slack, view, "来月から試します。", None)
    said = told(engine, "Emma")
    frame = slack.runtime.catalog.text(
        "ideas.answer_in_japanese", "en", answer="来月から試します。"
    )
    assert json.dumps(frame, ensure_ascii=False)[1:-1] in said
    assert "Staff wrote the answer in Japanese" in said


def test_a_japanese_reader_gets_the_text_as_written_and_no_english_field(make_slack, engine, clock):
    slack = make_slack()
    fast_home(slack)
    call_id = open_call(slack, clock)
    c = People(slack.runtime)("U-hana", "はなこ", language="ja")
    c.press(StartIdea(call_id))
    c.say("駐輪場に屋根を")
    c.tap("とばす")
    c.tap("名前をだす（はなこ）")
    c.tap("送る")
    view = answer_modal(slack, "駐輪場に屋根を")
    assert "投稿者の言語: " in hints(view) and "English" not in hints(view)
    assert "answer_en" not in {b["block_id"] for b in view["blocks"]}
    answer(slack, view, "来月から試します。")
    said = told(engine, "はなこ")
    assert "来月から試します。" in said and "The ward" not in said
