"""The staff console in App Home, through signed Slack requests and the Web API stand-in.

``app_home_opened`` publishes the console with the seeded items and their buttons; pressing a
button in App Home does the work, updates the ``#staff`` root card and publishes App Home again;
a stale or non-staff press changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from handlers.moderation import ReportItem
from storage.models import AuditLog, Initiative, Person
from tests.channels.slack.test_live_staff_cards import last_root_update
from tests.support.initiatives import People, latest, outbox, post, pushed_text

STAFF = "USTAFF"


def open_home(slack, user: str = STAFF) -> dict[str, Any]:
    slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return last_home(slack, user)


def last_home(slack, user: str = STAFF) -> dict[str, Any]:
    published = [c for c in slack.standin.of("views.publish") if c.args["user_id"] == user]
    assert published, "App Home was not published"
    return published[-1].args["view"]


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of every button in the view: accessories and actions blocks."""
    found = []
    for block in view["blocks"]:
        elements = list(block.get("elements") or []) if block["type"] == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        found += [(e["text"]["text"], e["value"]) for e in elements if e["type"] == "button"]
    return found


def button_near(view: dict[str, Any], text: str, label: str) -> str:
    """The value of the button ``label`` of the item whose line contains ``text``."""
    blocks = view["blocks"]
    for i, block in enumerate(blocks):
        line = (block.get("text") or {}).get("text", "")
        if block["type"] != "section" or text not in line:
            continue
        near = [block, *(blocks[i + 1 : i + 2] if blocks[i + 1 : i + 2] else [])]
        for label_, value in buttons({"blocks": near}):
            if label_ == label:
                return value
    raise AssertionError(f"no {label!r} next to {text!r} in {json.dumps(view, ensure_ascii=False)}")


def press_home(slack, user: str, value: str):
    """A button pressed in App Home (the payload Slack sends for a home view)."""
    n = slack._next()
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": f"u{user}", "team_id": "T1"},
        "team": {"id": "T1", "domain": "kyodo"},
        "api_app_id": "A1",
        "trigger_id": f"trigger-home-{n}",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": "q0i0ba",
                "block_id": "blk",
                "value": value,
                "action_ts": f"1700000002.{n:06d}",
            }
        ],
    }
    return slack.interaction(payload)


def fast_home(slack) -> None:
    """No wait between two App Home publishes (the throttle has its own test)."""
    slack.runtime.dispatcher.messengers["slack"].home_interval = 0


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def reported(people, entity_id: int, n: int = 3) -> None:
    for i in range(n):
        people(f"U-r{i}", f"通報{i}").press(ReportItem("initiative", entity_id))


def test_app_home_opened_publishes_the_console_with_the_seeded_items(make_slack, engine):
    slack = make_slack()
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    post(people("U-other", "たろう"), title="夜のパトロール")
    reported(people, latest(engine).id)
    view = open_home(slack)
    text = text_of(view)
    assert view["type"] == "home"
    labels = [label for label, _ in buttons(view)]
    assert {"新しい取組", "アイデア募集をつくる", "数字を見る", "協働先を探す"} <= set(labels)
    assert "担当者待ちの取組（1件）" in text  # the hidden one waits in moderation instead
    assert button_near(view, "花壇づくり", "担当する")
    assert "対応待ちの通報（1件）" in text
    for label in ("非表示のまま", "表示に戻す", "投稿者を停止"):
        assert button_near(view, "夜のパトロール", label)
    assert "回答待ちのアイデアはありません。" in text  # an empty queue is one line
    assert "日前" in text or "1時間以内" in text  # each item says how long it has waited


def test_claim_from_home_updates_the_root_card_and_republishes_home(make_slack, engine):
    slack = make_slack()
    fast_home(slack)
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    slack.drain()
    view = open_home(slack)
    claim = button_near(view, "花壇づくり", "担当する")

    assert press_home(slack, STAFF, claim).status_code == 200
    with Session(engine) as db:
        lead = db.get(Initiative, ini.id).facilitator_id
        staff_id = db.exec(select(Person.id).where(Person.display_name == f"Staff {STAFF}")).one()
    assert lead == staff_id
    slack.drain()
    root, labels = last_root_update(slack, engine, ini.id)
    assert "Staff USTAFF" in root and "担当する" not in labels
    home = last_home(slack)
    assert home is not view
    text = text_of(home)
    assert "「花壇づくり」の担当になりました。" in text  # what the press did, on top
    assert "担当者待ちの取組はありません。" in text
    assert "自分が担当している取組（1件）" in text and "花壇づくり" in text

    # the same (stale) button again: nothing changes twice, Home says so and is fresh
    publishes = len(slack.standin.of("views.publish"))
    press_home(slack, STAFF, claim)
    assert len(slack.standin.of("views.publish")) == publishes + 1
    assert "すでにStaff USTAFFさんが担当しています" in text_of(last_home(slack))
    with Session(engine) as db:
        claims = db.exec(select(AuditLog).where(AuditLog.action == "initiative.claim")).all()
    assert len(claims) == 1


def test_restore_from_home_restores_the_item_and_tells_the_author(make_slack, engine):
    slack = make_slack()
    fast_home(slack)
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    reported(people, ini.id)
    slack.drain()
    view = open_home(slack)
    restore = button_near(view, "花壇づくり", "表示に戻す")

    press_home(slack, STAFF, restore)
    with Session(engine) as db:
        assert not db.get(Initiative, ini.id).hidden
        owner = db.exec(select(Person.id).where(Person.display_name == "はなこ")).one()
    told = pushed_text(outbox(engine, person_id=owner))
    assert "表示" in told and "花壇づくり" in told
    home = text_of(last_home(slack))
    assert "対応待ちの通報はありません。" in home
    slack.drain()
    root, _ = last_root_update(slack, engine, ini.id)
    assert "非表示" not in root

    press_home(slack, STAFF, restore)  # decided already: says so, changes nothing
    assert "すでに対応済み" in text_of(last_home(slack))


def test_suspend_from_home_asks_once(make_slack, engine):
    slack = make_slack()
    fast_home(slack)
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    reported(people, ini.id)
    view = open_home(slack)
    press_home(slack, STAFF, button_near(view, "花壇づくり", "投稿者を停止"))
    with Session(engine) as db:
        assert not db.get(Person, ini.poster_id).suspended
    asked = last_home(slack)
    assert "投稿者を停止しますか" in text_of(asked)
    press_home(slack, STAFF, dict(buttons(asked))["停止する"])
    with Session(engine) as db:
        assert db.get(Person, ini.poster_id).suspended


def test_a_non_staff_console_press_is_refused_and_changes_nothing(make_slack, engine):
    slack = make_slack(SLACK_STAFF_USERGROUP_ID="S1")
    slack.standin.usergroups["S1"] = [STAFF]
    fast_home(slack)
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    ini = latest(engine)
    claim = button_near(open_home(slack), "花壇づくり", "担当する")
    press_home(slack, "UOUTSIDER", claim)
    with Session(engine) as db:
        assert db.get(Initiative, ini.id).facilitator_id is None
    refused = text_of(last_home(slack, "UOUTSIDER"))
    assert "区の職員だけ" in refused and "花壇づくり" not in refused
    # only they saw it: nothing in a channel or a DM
    assert not slack.standin.of("chat.postMessage") or all(
        "区の職員だけ" not in json.dumps(c.args, ensure_ascii=False)
        for c in slack.standin.of("chat.postMessage")
    )


def test_more_opens_a_longer_queue(make_slack, engine):
    slack = make_slack()
    fast_home(slack)
    owner = People(slack.runtime)("U-owner", "はなこ")
    for n in range(7):
        post(owner, title=f"取組{n}")
    view = open_home(slack)
    assert "担当者待ちの取組（7件）" in text_of(view)
    more = dict(buttons(view))["もっと見る（ほか2件）"]
    press_home(slack, STAFF, more)
    text = text_of(last_home(slack))
    assert all(f"取組{n}" in text for n in range(7))


def test_home_is_published_at_most_once_per_interval_and_the_newest_wins(make_slack):
    slack = make_slack()
    messenger = slack.runtime.dispatcher.messengers["slack"]
    messenger.home_interval = 0.5

    def view(n: int) -> dict[str, Any]:
        return {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"v{n}"}}],
        }

    async def burst() -> None:
        for n in (1, 2, 3):
            await messenger.publish_home(STAFF, view(n))

    slack.client.portal.call(burst)
    assert [c.args["view"] for c in slack.standin.of("views.publish")] == [view(1)]
    slack.settle()  # the delayed publish is waited for like a listener
    assert [c.args["view"] for c in slack.standin.of("views.publish")] == [view(1), view(3)]


def test_kyodo_console_typed_publishes_home_and_says_where(make_slack):
    slack = make_slack()
    slack.command(STAFF, "console")
    assert "職員コンソール" in text_of(last_home(slack))
    (answer,) = slack.standin.of("response_url")
    assert "App Home" in answer.args["text"]
