"""A modal opened from App Home, once submitted, publishes App Home again (signed Slack
requests): アイデア募集をつくる → modal → preview → 公開する, and 回答する → 採用 → 取組にする →
the prefilled adopt modal, each ending with a fresh console that shows what changed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handlers.idea_actions import StartIdea
from storage.models import IdeaCall, Initiative
from tests.channels.slack.test_answer_language import open_call
from tests.channels.slack.test_console import (
    STAFF,
    button_near,
    buttons,
    fast_home,
    last_home,
    open_home,
    press_home,
    text_of,
)
from tests.channels.slack.test_idea_call_staff_flow import form
from tests.channels.test_idea_call_across_channels import prefilled
from tests.support.initiatives import People

TOKYO = ZoneInfo("Asia/Tokyo")


def publishes(slack) -> int:
    return len([c for c in slack.standin.of("views.publish") if c.args["user_id"] == STAFF])


def test_a_call_created_from_home_comes_back_to_home(make_slack, engine, clock):
    slack = make_slack()
    fast_home(slack)
    home = open_home(slack)
    press_home(slack, STAFF, dict(buttons(home))["アイデア募集をつくる"])
    view = slack.standin.of("views.open")[-1].args["view"]
    assert view["type"] == "modal"

    before = publishes(slack)
    slack.submit(STAFF, view, form(clock.now().astimezone(TOKYO) + timedelta(days=14)))
    assert publishes(slack) == before + 1  # the submit published App Home again
    preview = last_home(slack)
    assert "駅前の 放置自転車を へらしたい" in text_of(preview)

    press_home(slack, STAFF, dict(buttons(preview))["公開する"])  # pressed inside App Home
    with Session(engine) as db:
        assert db.exec(select(IdeaCall)).one().status == "open"
    after = text_of(last_home(slack))
    assert "公開しました" in after  # what the press did, on top
    assert "受付中のアイデア募集（1件）" in after


def test_answer_then_adopt_from_home_each_republish_home(make_slack, engine, clock):
    slack = make_slack()
    fast_home(slack)
    call_id = open_call(slack, clock)
    c = People(slack.runtime)("U-hana", "はなこ")
    c.press(StartIdea(call_id))
    c.say("駐輪場に屋根を")
    c.tap("とばす")
    c.tap("名前をだす（はなこ）")
    c.tap("送る")

    press_home(slack, STAFF, button_near(open_home(slack), "駐輪場に屋根を", "回答する"))
    answer = slack.standin.of("views.open")[-1].args["view"]
    before = publishes(slack)
    slack.submit(
        STAFF,
        answer,
        {"status": {"selected_option": {"value": "adopted"}}, "answer": {"value": "採用します。"}},
    )
    assert publishes(slack) == before + 1
    home = last_home(slack)
    assert "回答待ちのアイデアはありません。" in text_of(home)

    press_home(slack, STAFF, dict(buttons(home))["取組にする"])  # offered inside App Home
    adopt = slack.standin.of("views.open")[-1].args["view"]
    assert adopt["type"] == "modal"
    before = publishes(slack)
    slack.submit(STAFF, adopt, prefilled(adopt))
    assert publishes(slack) == before + 1  # the adopt modal's submit republished App Home
    with Session(engine) as db:
        ini = db.exec(select(Initiative)).one()
    home = text_of(last_home(slack))
    assert f"取組「{ini.title}」を作りました" in home
    assert ini.title in home  # and the new initiative waits for a 担当 in its queue
