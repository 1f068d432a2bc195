"""Slack through its real seam: signed requests into the FastAPI app, a local Web API stand-in."""

from __future__ import annotations

import functools
import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.core.actions import action, pack
from bot.core.ports import DeliveryStatus
from bot.core.replies import Card, Form, FormErrors, FormField, Text
from bot.core.router import Router
from bot.core.turn import Turn
from storage.models import KeyValue, StaffThread
from tests.channels.slack.conftest import STAFF_CHANNEL
from tests.conftest import count


# ---------------------------------------------------------------- a test-only domain
@action("sxf")
class SubmitTestForm:
    item: int


@action("sxb")
class StaffButton:
    item: int
    update: bool = False


@action("sxd")
class PickDay:
    item: int


def staff_router() -> Router:
    router = Router()

    @router.action(PickDay)
    def picked(turn: Turn, pick: PickDay) -> None:
        turn.db.add(KeyValue(key=f"picked:{pick.item}", value=dict(turn.event.params)))

    @router.command("testform")
    def open_form(turn: Turn, _args: str) -> None:
        if not turn.require_staff():
            return
        turn.say(
            Form(
                title="A test form with a very long title",
                fields=(
                    FormField(name="title", label="Title", max_length=80),
                    FormField(name="count", label="Count", input="number"),
                    FormField(name="when", label="When", input="datetime", required=False),
                ),
                submit_label="Save",
                data=pack(SubmitTestForm(7)),
            )
        )

    @router.form(SubmitTestForm)
    def submitted(turn: Turn, form: SubmitTestForm, values: dict) -> None:
        if not turn.require_staff():
            return
        if not str(values.get("count") or "").isdigit():
            turn.say(FormErrors(errors=(("count", "Please enter a whole number"),)))
            return
        turn.db.add(KeyValue(key=f"form:{form.item}", value=values))
        turn.notify_staff(Card(title=f"New: {values['title']}"), thread_key=f"test:{form.item}")
        turn.say(Text(text="Saved"))

    @router.action(StaffButton)
    def pressed(turn: Turn, press: StaffButton) -> None:
        if not turn.require_staff():
            return
        turn.db.add(KeyValue(key=f"pressed:{press.item}:{turn.event.event_id}", value={}))
        turn.notify_staff(
            Card(title=f"Item {press.item}", badge="claimed" if press.update else None),
            thread_key=f"item:{press.item}",
            update=press.update,
        )
        turn.say(Text(text="Done"))

    return router


def keyvalues(engine) -> list[str]:
    """What handlers stored (the per-person message-rate counters are bookkeeping, left out)."""
    with Session(engine) as db:
        keys = db.exec(select(KeyValue.key)).all()
    return sorted(k for k in keys if not k.startswith("rate:"))


# ---------------------------------------------------------------- verification
def test_not_configured_is_404(client):
    assert client.post("/slack/events", content=b"{}").status_code == 404


def test_forged_stale_and_unsigned_requests_are_401_and_change_nothing(make_slack, engine):
    slack = make_slack()
    home = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event": home, "event_id": "E1"})
    forged = slack.post(body, "application/json", signature="v0=" + "0" * 64)
    stale = slack.post(body, "application/json", timestamp=int(time.time()) - 301)
    unsigned = slack.post(body, "application/json", signed=False)
    assert [forged.status_code, stale.status_code, unsigned.status_code] == [401, 401, 401]
    assert count(engine, "processed_event") == 0
    assert count(engine, "person") == 0
    assert slack.standin.methods() == []


def test_url_verification_is_answered(make_slack):
    slack = make_slack()
    body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"})
    r = slack.post(body, "application/json")
    assert r.status_code == 200
    assert r.json() == {"challenge": "abc"}


# ---------------------------------------------------------------- events
def test_events_api_retry_is_handled_once(make_slack, engine):
    slack = make_slack()
    home = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    first = slack.event(home, event_id="Ev-same")
    again = slack.event(home, event_id="Ev-same", headers={"x-slack-retry-num": "1"})
    assert first.status_code == again.status_code == 200
    assert len(slack.standin.of("views.publish")) == 1
    assert count(engine, "processed_event") == 1


def test_app_home_shows_the_dashboard_to_staff(make_slack, engine, clock):
    from storage.models import Idea, IdeaCall, Person

    with Session(engine) as db:
        p = Person(display_name="x")
        db.add(p)
        db.flush()
        call = IdeaCall(
            title="Park benches",
            problem="p",
            deadline=clock.now(),
            created_by=p.id,
        )
        db.add(call)
        db.flush()
        db.add(Idea(call_id=call.id, author_id=p.id, body="More shade"))
        db.add(Idea(call_id=call.id, author_id=p.id, body="Paint them"))
        db.commit()
    slack = make_slack()
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    (publish,) = slack.standin.of("views.publish")
    assert publish.args["user_id"] == "U1"
    view = publish.args["view"]
    assert view["type"] == "home"
    text = json.dumps(view, ensure_ascii=False)
    assert "回答待ちのアイデア" in text
    assert "Park benches（アイデア 2件" in text
    assert "More shade" in text


def test_app_home_for_a_non_staff_member_says_staff_only(make_slack):
    slack = make_slack(SLACK_STAFF_USERGROUP_ID="S1")
    slack.standin.usergroups["S1"] = ["USTAFF"]
    slack.event({"type": "app_home_opened", "user": "UOTHER", "channel": "D2", "tab": "home"})
    (publish,) = slack.standin.of("views.publish")
    assert "区の職員だけ" in json.dumps(publish.args["view"], ensure_ascii=False)


def test_dm_text_is_answered_in_the_dm_and_bot_or_edited_messages_are_ignored(make_slack, engine):
    slack = make_slack()
    dm = {"type": "message", "channel_type": "im", "channel": "D9", "user": "U1", "text": "help"}
    slack.event(dm)
    slack.event({**dm, "bot_id": "B2"})
    slack.event({**dm, "subtype": "message_changed"})
    posts = slack.standin.of("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["D9"]
    assert "使い方" in posts[0].args["text"]
    assert count(engine, "processed_event") == 1


# ---------------------------------------------------------------- staff check
def test_non_staff_pressing_a_staff_button_is_refused_ephemerally(make_slack, engine):
    slack = make_slack(staff_router(), SLACK_STAFF_USERGROUP_ID="S1")
    slack.standin.usergroups["S1"] = ["USTAFF"]
    r = slack.press("UOTHER", pack(StaffButton(1)))
    assert r.status_code == 200
    (refusal,) = slack.standin.of("chat.postEphemeral")
    assert refusal.args["user"] == "UOTHER"
    assert refusal.args["channel"] == STAFF_CHANNEL
    assert "区の職員だけ" in refusal.args["text"]
    assert keyvalues(engine) == []
    assert count(engine, "outbox_message") == 0

    slack.press("USTAFF", pack(StaffButton(1)))
    assert len(keyvalues(engine)) == 1


def test_a_forged_action_payload_for_an_unknown_action_changes_nothing(make_slack, engine):
    slack = make_slack(staff_router())
    slack.press("U1", "k1:zz:999")
    assert keyvalues(engine) == []
    (answer,) = slack.standin.of("chat.postEphemeral")
    assert "もう使えません" in answer.args["text"]


# ---------------------------------------------------------------- forms
def test_form_round_trip_with_inline_errors(make_slack, engine):
    slack = make_slack(staff_router())
    r = slack.command("UST", "testform")
    assert r.status_code == 200
    (opened,) = slack.standin.of("views.open")
    assert opened.args["trigger_id"].startswith("trigger-cmd-")
    view = opened.args["view"]
    assert view["type"] == "modal"
    assert len(view["title"]["text"]) <= 24
    assert view["private_metadata"] == pack(SubmitTestForm(7))

    typed = {"title": {"value": "Bench day"}, "count": {"value": "many"}}
    r = slack.submit("UST", view, typed)
    assert r.status_code == 200
    assert r.json() == {
        "response_action": "errors",
        "errors": {"count": "Please enter a whole number"},
    }
    assert keyvalues(engine) == []

    typed["count"] = {"value": "12"}
    tokyo_10_30 = datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    typed["when"] = {"selected_date_time": int(tokyo_10_30.timestamp())}
    r = slack.submit("UST", view, typed)
    assert r.status_code == 200
    assert r.text == ""  # an empty ack closes the modal
    with Session(engine) as db:
        saved = db.get(KeyValue, "form:7").value
    assert saved["title"] == "Bench day"
    assert saved["count"] == "12"
    assert saved["when"] == "2026-12-01T10:30"  # ward time
    assert slack.standin.of("chat.postMessage")[-1].args["text"] == "Saved"

    slack.drain()
    (announce,) = [p for p in slack.standin.of("chat.postMessage") if p.args["channel"] == "CSTAFF"]
    assert "New: Bench day" in announce.args["text"]


def test_a_non_staff_slash_command_cannot_open_a_staff_form(make_slack):
    slack = make_slack(staff_router(), SLACK_STAFF_USERGROUP_ID="S1")
    slack.standin.usergroups["S1"] = []
    slack.command("UOTHER", "testform")
    assert slack.standin.of("views.open") == []
    (answer,) = slack.standin.of("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert "区の職員だけ" in answer.args["text"]


# ---------------------------------------------------------------- slash commands
def test_slash_help_lists_sub_commands_and_unknown_goes_to_help(make_slack):
    slack = make_slack(staff_router())
    slack.command("U1", "")
    slack.command("U1", "no-such-thing")
    first, second = slack.standin.of("response_url")
    for answer in (first, second):
        assert "/kyodo dashboard" in answer.args["text"]
        assert "/kyodo testform" in answer.args["text"]


def test_slash_sub_command_maps_to_the_neutral_command(make_slack):
    slack = make_slack()
    slack.command("U1", "numbers")
    (answer,) = slack.standin.of("response_url")
    assert "今月の協働の数字" in json.dumps(answer.args["blocks"], ensure_ascii=False)


# ---------------------------------------------------------------- staff channel
def test_staff_posts_root_a_thread_follow_up_in_it_and_update_in_place(make_slack, engine):
    slack = make_slack(staff_router())
    slack.press("UST", pack(StaffButton(5)))
    slack.drain()
    slack.press("UST", pack(StaffButton(5)))
    slack.drain()
    slack.press("UST", pack(StaffButton(5, update=True)))
    slack.drain()
    posts = [p for p in slack.standin.of("chat.postMessage") if p.args["channel"] == "CSTAFF"]
    assert len(posts) == 2
    root, follow_up = posts
    assert "thread_ts" not in root.args
    with Session(engine) as db:
        thread = db.get(StaffThread, "item:5")
    assert follow_up.args["thread_ts"] == thread.ts
    (update,) = slack.standin.of("chat.update")
    assert update.args["ts"] == thread.ts
    assert update.args["channel"] == "CSTAFF"
    assert "claimed" in update.args["text"]


def test_staff_post_without_a_staff_channel_is_skipped(make_slack):
    slack = make_slack(SLACK_STAFF_CHANNEL_ID=None)
    messenger = slack.runtime.messengers["slack"]
    post = functools.partial(messenger.post_staff, [Text(text="x")], thread_key=None, update=False)
    assert slack.client.portal.call(post).status is DeliveryStatus.BLOCKED


# ---------------------------------------------------------------- rate limits
def test_429_is_retried_after_retry_after(make_slack):
    slack = make_slack()
    slack.standin.ratelimit("chat.postMessage", times=1, retry_after=0)
    messenger = slack.runtime.messengers["slack"]
    push = functools.partial(messenger.push, "U1", [Text(text="hello")], retry_key="k")
    delivery = slack.client.portal.call(push)
    assert delivery.status is DeliveryStatus.SENT
    attempts = slack.standin.of("chat.postMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].args["channel"] == "U1"


def test_persistent_429_becomes_retry_with_retry_after(make_slack):
    slack = make_slack()
    slack.standin.ratelimit("chat.postMessage", times=10, retry_after=0)
    messenger = slack.runtime.messengers["slack"]
    push = functools.partial(messenger.push, "U1", [Text(text="hello")], retry_key="k")
    delivery = slack.client.portal.call(push)
    assert delivery.status is DeliveryStatus.RETRY
    assert delivery.detail == "ratelimited"
    assert delivery.retry_after == 0
    assert len(slack.standin.of("chat.postMessage", ok_only=False)) == 3  # 1 + 2 retries


def test_a_datetime_picker_in_a_message_reaches_its_action_with_ward_time(make_slack, engine):
    slack = make_slack(staff_router())
    when = datetime(2026, 12, 3, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "trigger_id": "trigger-dt-1",
        "container": {"type": "message", "channel_id": "D1", "message_ts": "1.1"},
        "channel": {"id": "D1"},
        "actions": [
            {
                "type": "datetimepicker",
                "action_id": "dt",
                "block_id": "kdt|" + pack(PickDay(4)),
                "selected_date_time": int(when.timestamp()),
                "action_ts": "1.2",
            }
        ],
    }
    assert slack.interaction(payload).status_code == 200
    with Session(engine) as db:
        assert db.get(KeyValue, "picked:4").value == {"datetime": "2026-12-03T18:00"}


def test_a_button_in_an_ephemeral_message_is_answered_through_its_response_url(make_slack):
    slack = make_slack(staff_router())
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "trigger_id": "trigger-eph-1",
        "response_url": slack.standin.response_url("eph"),
        "container": {
            "type": "message",
            "channel_id": "C-not-a-member",
            "message_ts": "1.1",
            "is_ephemeral": True,
        },
        "actions": [{"type": "button", "action_id": "b0", "value": "k1:zz:1", "action_ts": "1.2"}],
    }
    slack.interaction(payload)
    assert slack.standin.of("chat.postEphemeral") == []
    (answer,) = slack.standin.of("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["replace_original"] is False
