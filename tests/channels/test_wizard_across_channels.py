"""One dialog declared once (``bot.core.wizard``), run through signed requests on both channels:
step questions with quick replies on LINE, one modal with inline errors on Slack. The same bad
value gets the same message on both, and changing a limit in the declaration changes both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from bot.core.wizard_fields import IntField, TextField
from storage.models import AuditLog
from tests.channels.line.conftest import postback_event
from tests.channels.line.residents import resident
from tests.support.conversation import Conversation

TOO_LONG = "駅前の花壇を手入れする会"  # 12 characters


@dataclass(frozen=True)
class Pair:
    title: str
    count: int


def record(turn: Turn, draft: Pair, context: str) -> None:
    """What the dialog does when it is done: a row in the real store, and a thank-you."""
    turn.audit("pair.create", "pair", None, title=draft.title, count=draft.count, ctx=context)
    turn.say_text("meetings.created", title=draft.title)


def declare(max_title: int) -> Router:
    """The two-field dialog, with its one title limit, and a command that starts it."""
    pair = Wizard(
        flow="test_pair",
        title="meetings.form_title",
        fields=(
            TextField(
                name="title",
                label="meetings.field_title",
                ask="meetings.ask_title",
                max_length=max_title,
            ),
            IntField(
                name="count",
                label="meetings.field_capacity",
                ask="meetings.ask_capacity",
                minimum=1,
                maximum=5,
                choices=(1, 3, 5),
            ),
        ),
        draft=Pair,
        submit=record,
    )
    routes = Router()
    pair.register(routes)
    routes.command("pair")(lambda turn, args: pair.start(turn, "demo"))
    return routes


def rows(engine) -> list[dict]:
    with Session(engine) as db:
        stmt = select(AuditLog).where(AuditLog.action == "pair.create").order_by(AuditLog.id)
        return [a.detail for a in db.exec(stmt)]


def open_form(both):
    assert both.slack.command("UST", "pair").status_code == 200
    return both.slack_api.of("views.open")[-1].args["view"]


def submit_form(both, view, title: str, count: str) -> dict:
    r = both.slack.submit("UST", view, {"title": {"value": title}, "count": {"value": count}})
    assert r.status_code == 200
    return r.json() if r.content else {}


def test_one_declaration_runs_as_line_steps_and_as_a_slack_form(both_channels, engine):
    both = both_channels
    both.runtime.dispatcher.router.include(declare(max_title=10))

    # LINE: one question at a time; a refused answer is explained and asked again.
    taro = resident(both.line, both.line_api, "U" + "d" * 32)
    taro.menu("pair")
    assert "集いの 名前を 送ってください" in taro.text
    taro.say(TOO_LONG)
    line_title_error = "1〜10文字で 入力してください。"
    assert line_title_error in taro.text
    assert rows(engine) == []
    taro.say("花壇の会")
    taro.say("9")
    line_count_error = "1から5までの 数字(すうじ)で 入力してください。"
    assert line_count_error in taro.text
    taro.tap("3")  # the quick reply the declaration offers
    assert "この内容で よろしいですか" in taro.text
    assert "花壇の会" in taro.text
    taro.tap("「定員」を なおす")  # the confirmation card can change any answer
    taro.tap("5")
    confirm = taro.redeliver_last_tap("決定(けってい)する")
    taro._send(confirm)
    assert rows(engine) == [{"title": "花壇の会", "count": 5, "ctx": "demo"}]
    taro._send(postback_event(taro.user, confirm["postback"]["data"]))  # the old card again
    assert "このボタンは もう つかえません" in taro.text
    assert len(rows(engine)) == 1

    # Slack: one modal; the same bad values get the same messages (in the staff register:
    # plain Japanese, no phrase spacing), inline, nothing stored.
    view = open_form(both)
    assert view["type"] == "modal"
    body = submit_form(both, view, TOO_LONG, "9")
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        "title": line_title_error.replace(" ", ""),
        "count": "1から5までの数字で入力してください。",
    }
    assert len(rows(engine)) == 1
    submit_form(both, view, "花壇の会", "2")
    assert rows(engine)[-1] == {"title": "花壇の会", "count": 2, "ctx": "demo"}


def test_one_limit_changed_in_the_declaration_holds_on_both_channels(both_channels, engine):
    both = both_channels
    both.runtime.dispatcher.router.include(declare(max_title=12))  # was 10 above

    taro = resident(both.line, both.line_api, "U" + "e" * 32)
    taro.menu("pair")
    taro.say(TOO_LONG + "です")  # 14: over the new limit
    assert "1〜12文字で 入力してください。" in taro.text
    taro.say(TOO_LONG)  # 12: refused with the old limit, accepted now
    taro.tap("1")
    taro.tap("決定(けってい)する")

    view = open_form(both)
    body = submit_form(both, view, TOO_LONG + "です", "1")
    assert body["errors"] == {"title": "1〜12文字で入力してください。"}  # staff register
    submit_form(both, view, TOO_LONG, "1")
    assert [r["title"] for r in rows(engine)] == [TOO_LONG, TOO_LONG]


def test_the_wizard_resumes_after_an_interruption_and_expires_after_a_day(runtime, engine, clock):
    runtime.dispatcher.router.include(declare(max_title=10))
    c = Conversation(runtime, user="U-wiz", name="花子")
    c.follow()
    c.tap("同意する")
    c.command("pair")
    c.say("花壇の会")
    assert "定員は ありますか" in c.text
    c.command("help")  # an interruption: the dialog waits
    c.say("つづける")
    assert "定員は ありますか" in c.text  # the same question again
    stale = c.button("3").data
    clock.advance(timedelta(days=1, minutes=1))
    c.press(stale)
    assert "このボタンは もう つかえません" in c.text
    assert rows(engine) == []
    c.command("pair")
    c.say("花壇の会")
    clock.advance(timedelta(days=1, minutes=1))
    c.say("3")
    assert "しばらく 操作(そうさ)がなかったため" in c.text
    assert rows(engine) == []
