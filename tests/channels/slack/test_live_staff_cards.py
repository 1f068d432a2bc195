"""The ``#staff`` root card of an initiative follows the state, updated in place.

Residents act in the simulator, staff press buttons through signed Slack requests; the test
reads the stand-in's last ``chat.update`` of the root message after each change.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from bot.core.actions import pack
from handlers import initiative_actions as a
from handlers.moderation import ReportItem
from storage.models import StaffThread
from tests.channels.slack.conftest import STAFF_CHANNEL
from tests.support.initiatives import People, latest, post


def root_ts(engine, initiative_id: int) -> str:
    with Session(engine) as db:
        thread = db.get(StaffThread, f"initiative:{initiative_id}")
    assert thread is not None
    return thread.ts


def last_root_update(slack, engine, initiative_id: int) -> tuple[str, list[str]]:
    """The text of the root card's latest ``chat.update`` and its button labels."""
    ts = root_ts(engine, initiative_id)
    updates = [
        u
        for u in slack.standin.of("chat.update")
        if u.args["ts"] == ts and u.args["channel"] == STAFF_CHANNEL
    ]
    assert updates, "no chat.update of the root card"
    blocks = updates[-1].args["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    labels = [
        element["text"]["text"]
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]
    return json.dumps(blocks, ensure_ascii=False), labels


def test_root_card_numbers_and_buttons_follow_each_change(make_slack, engine):
    slack = make_slack()
    people = People(slack.runtime)
    owner = people("U-owner", "はなこ")
    post(owner, title="花壇づくり", capacity="２人")
    ini = latest(engine)
    slack.drain()
    (root,) = [
        p
        for p in slack.standin.of("chat.postMessage")
        if p.args["channel"] == STAFF_CHANNEL
        and "花壇づくり" in json.dumps(p.args, ensure_ascii=False)
    ]
    assert "thread_ts" not in root.args

    # join: the count moves on the root card itself
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    jiro = people("U-jiro", "じろう")
    jiro.press(a.Join(ini.id))
    slack.drain()
    text, labels = last_root_update(slack, engine, ini.id)
    assert "2人 / 定員2人" in text
    assert "担当する" in labels

    # withdraw
    jiro.press(a.Withdraw(ini.id))
    slack.drain()
    text, _ = last_root_update(slack, engine, ini.id)
    assert "1人 / 定員2人" in text

    # claim from Slack: 担当する goes, the name shows
    slack.press("USTAFF", pack(a.Claim(ini.id)))
    slack.drain()
    text, labels = last_root_update(slack, engine, ini.id)
    assert "担当する" not in labels
    assert "Staff USTAFF" in text
    assert {"準備中にする", "実施中にする", "中止にする"} <= set(labels)
    assert "募集中にする" not in labels

    # status change: only the valid next statuses
    slack.press("USTAFF", pack(a.SetStatus(ini.id, "running", "recruiting")))
    slack.drain()
    text, labels = last_root_update(slack, engine, ini.id)
    assert "実施中" in text
    assert {"完了にする", "中止にする"} <= set(labels)
    assert not {"準備中にする", "募集中にする", "実施中にする"} & set(labels)

    # hidden after reports: the root says so
    for n in range(3):
        people(f"U-r{n}", f"通報{n}").press(ReportItem("initiative", ini.id))
    slack.drain()
    text, _ = last_root_update(slack, engine, ini.id)
    assert "非表示" in text

    # restored, then cancelled: nothing but 記録/履歴
    slack.press("USTAFF", pack(_decide(ini.id, "restore")))
    slack.drain()
    text, _ = last_root_update(slack, engine, ini.id)
    assert "非表示" not in text
    cancel(slack, "USTAFF", ini.id, "running")
    slack.drain()
    text, labels = last_root_update(slack, engine, ini.id)
    assert labels == ["記録", "履歴"]


def cancel(slack, user: str, initiative_id: int, current: str, reason: str = "雨天のため"):
    """Press 中止にする on the card and submit the modal with a reason, confirmed."""
    slack.press(user, pack(a.SetStatus(initiative_id, "cancelled", current)))
    view = slack.standin.of("views.open")[-1].args["view"]
    values = {"reason": {"value": reason}, "sure": {"selected_option": {"value": "yes"}}}
    return slack.submit(user, view, values)


def _decide(initiative_id: int, decision: str):
    from handlers.moderation import Decide

    return Decide("initiative", initiative_id, decision)


def test_a_moderation_case_is_a_top_level_alert_linking_the_items_thread(make_slack, engine):
    slack = make_slack()
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    slack.drain()
    thread = root_ts(engine, ini.id)
    for n in range(3):
        people(f"U-r{n}", f"通報{n}").press(ReportItem("initiative", ini.id))
    slack.drain()
    alerts = [
        p
        for p in slack.standin.of("chat.postMessage")
        if p.args["channel"] == STAFF_CHANNEL
        and "thread_ts" not in p.args  # top-level, not a collapsed reply
        and "表示に戻す" in json.dumps(p.args.get("blocks"), ensure_ascii=False)
    ]
    assert len(alerts) == 1
    (alert,) = alerts
    (asked,) = slack.standin.of("chat.getPermalink")
    assert asked.args["message_ts"] == thread
    blocks = json.dumps(alert.args["blocks"], ensure_ascii=False)
    link = f"https://kyodo-test.slack.com/archives/{STAFF_CHANNEL}/p{thread.replace('.', '')}"
    assert f"<{link}|スレッドを開く>" in blocks


def test_a_waitlisted_join_shows_on_the_root_card(make_slack, engine):
    slack = make_slack()
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり", capacity="１人")
    ini = latest(engine)
    people("U-taro", "たろう").press(a.Join(ini.id))
    slack.drain()
    text, _ = last_root_update(slack, engine, ini.id)
    assert "1人 / 定員1人" in text and "補欠" not in text
    people("U-jiro", "じろう").press(a.Join(ini.id))  # full: on the waitlist
    slack.drain()
    text, labels = last_root_update(slack, engine, ini.id)
    assert "1人 / 定員1人（補欠1人）" in text
    assert "担当する" in labels
