"""The simulator in headless Chromium: both panes, personas, menu, staff commands, live pushes
and the clock. Screenshots of each step go to test-artifacts/browser/."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from storage.models import ChannelAccount, OutboxMessage
from tests.handlers.conftest import local_input, open_call, staff  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def person_id(engine, key: str) -> int:
    with Session(engine) as db:
        return db.exec(
            select(ChannelAccount.person_id).where(
                ChannelAccount.channel == "simulator", ChannelAccount.external_id == key
            )
        ).one()


def queue(engine, clock, *, key: str | None, text: str, due_in=timedelta(), thread=None):
    with Session(engine) as db:
        db.add(
            OutboxMessage(
                audience="person" if key else "staff",
                person_id=person_id(engine, key) if key else None,
                thread_key=thread,
                payload=[{"kind": "text", "text": text}],
                due_at=clock.now() + due_in,
            )
        )
        db.commit()


def test_the_page_shows_a_phone_and_a_slack_pane(sim):
    page = sim.page
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(sim.phone.root.locator(".line-header")).to_be_visible()
    expect(sim.slack.root.locator(".slack-side")).to_be_visible()
    menu = page.locator("#phone-menu button")
    expect(menu).to_have_text(
        ["取組をさがす", "取組を投稿", "アイデア募集", "参加予定", "マイページ", "ヘルプ"]
    )
    expect(page.locator("#phone-who")).to_have_text("田中 誠")
    expect(page.locator("#slack-me")).to_have_text("山本 直子")
    sim.shot("loaded")


def test_switching_personas_and_the_language_of_the_screen(sim):
    sim.phone.choose("sato")
    expect(sim.page.locator("#phone-who")).to_have_text("佐藤 美咲")
    sim.slack.choose("kobayashi")
    expect(sim.page.locator("#slack-me")).to_have_text("小林 大輔")
    sim.shot("switched")
    sim.page.get_by_role("button", name="Switch the screen to English").click()
    expect(sim.page.locator("html")).to_have_attribute("lang", "en")
    expect(sim.page.locator("#phone-menu button").first).to_have_text("Find projects")
    expect(sim.page.locator("#resident-picker")).to_contain_text("Sato (NPO")
    sim.shot("english")


def test_a_resident_opens_the_menu_and_gets_help(sim):
    sim.phone.follow()
    sim.phone.wait_for_text("ともだち追加(ついか)ありがとうございます")
    sim.shot("followed")
    sim.phone.menu("ヘルプ")
    sim.phone.wait_for_text("使い方")
    expect(sim.phone.quick.get_by_role("button", name="ヘルプ")).to_be_visible()
    sim.shot("help")
    sim.phone.tap("ヘルプ")  # the quick reply chip works too
    expect(sim.phone.chat.locator(".bubble.me")).to_have_count(2)
    sim.phone.type("メニュー")
    sim.phone.wait_for_text("なにを しますか")
    sim.shot("typed")


def test_staff_run_kyodo_help_and_open_the_dashboard(sim):
    sim.slack.command("/kyodo help")
    sim.slack.wait_for_text("使い方", view="dm")
    expect(sim.page.locator("#view-dm")).to_contain_text("/kyodo help")
    sim.shot("kyodo-help")
    sim.slack.open("home")
    expect(sim.page.locator("#view-home")).not_to_contain_text("読みこみ中")
    expect(sim.page.locator("#view-home .bk-text").first).to_be_visible()
    sim.shot("home")


def test_pushes_arrive_live_without_a_reload(sim, live, engine, clock):
    sim.page.evaluate("window.__marker = 'same page'")
    queue(engine, clock, key="tanaka", text="佐藤さんが あなたの取組に 参加しました")
    queue(engine, clock, key=None, text="新しい取組が投稿されました", thread="initiative:1")
    queue(engine, clock, key=None, text="参加がありました（1人目）", thread="initiative:1")
    assert live.call(live.runtime.outbox.drain) == 3
    sim.phone.wait_for_text("参加しました")
    expect(sim.phone.chat.locator(".line-push")).to_have_count(1)
    sim.slack.wait_for_text("新しい取組が投稿されました", view="staff")
    sim.slack.expand_threads()
    sim.slack.wait_for_text("参加がありました（1人目）", view="staff")
    assert sim.page.evaluate("window.__marker") == "same page"
    sim.shot("live-push")


def test_the_clock_button_delivers_a_due_reminder_live(sim, engine, clock):
    queue(
        engine,
        clock,
        key="tanaka",
        text="【リマインド】あさって 19:00 準備の集い",
        due_in=timedelta(hours=47),
    )
    before = sim.clock_text()
    sim.shot("before-clock")
    expect(sim.phone.chat).not_to_contain_text("リマインド")
    sim.advance("P2D")
    assert sim.clock_text() != before
    sim.phone.wait_for_text("【リマインド】あさって 19:00 準備の集い")
    expect(sim.page.locator("#clock-status")).to_contain_text("1")
    sim.shot("after-clock")


def test_a_form_keeps_typed_values_and_shows_errors_inline(sim, engine, clock):
    form = {
        "kind": "form",
        "title": "集いを予定する",
        "fields": [
            {
                "name": "title",
                "label": "集いの名前",
                "input": "text",
                "options": [],
                "required": True,
                "max_length": 80,
                "initial": None,
                "hint": None,
            },
            {
                "name": "note",
                "label": "メモ",
                "input": "textarea",
                "options": [],
                "required": False,
                "max_length": 200,
                "initial": None,
                "hint": "任意",
            },
        ],
        "submit_label": "予定する",
        "data": "k1:zz:1",
    }
    with Session(engine) as db:
        db.add(
            OutboxMessage(
                person_id=person_id(engine, "yamamoto"), payload=[form], due_at=clock.now()
            )
        )
        db.commit()
    sim.advance("PT1H")
    sim.slack.open("dm")
    sim.slack.tap("入力する：集いを予定する")
    expect(sim.slack.modal).to_be_visible()
    sim.slack.fill("メモ", "会場は2階です")
    answer = {
        "ok": True,
        "event_id": "x",
        "replies": [{"kind": "form_errors", "errors": [["title", "名前を入れてください"]]}],
    }
    sim.page.route(
        "**/simulator/send",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(answer)
        ),
    )
    sim.slack.submit()
    expect(sim.slack.modal).to_contain_text("名前を入れてください")
    expect(sim.slack.modal.get_by_label("メモ")).to_have_value("会場は2階です")
    expect(sim.slack.modal.get_by_label("集いの名前")).to_be_focused()
    sim.shot("form-errors")
    sim.page.unroute("**/simulator/send")
    sim.page.keyboard.press("Escape")
    expect(sim.slack.modal).to_be_hidden()


def test_the_clock_button_closes_an_idea_call_whose_deadline_passed(
    sim,
    live,
    engine,
    clock,
    open_call,  # noqa: F811 (the fixture imported above)
):
    """No wall-clock job here (the app runs without its scheduler): the clock button alone
    runs the deadline job, at the deadline, and the phone, #staff and the store agree."""
    from storage.models import IdeaCall

    call_id = open_call(deadline=local_input(clock.now() + timedelta(days=1)))
    assert live.call(live.runtime.outbox.drain) >= 1  # the call's card in #staff
    sim.slack.open("staff")
    staff_card = sim.page.locator("#view-staff .bk-card").filter(has_text="駅前の 放置自転車")
    expect(staff_card.first.locator(".bk-badge")).to_have_text("募集中")
    sim.phone.menu("アイデア募集")
    phone_card = sim.phone.chat.locator(".flex").filter(has_text="駅前の 放置自転車")
    expect(phone_card.last.locator(".flex-badge")).to_have_text("募集中")
    sim.shot("call-open")

    sim.page.locator(".clock-btn[data-advance='P2D']").click()
    expect(staff_card.first.locator(".bk-badge")).not_to_have_text("募集中", timeout=15_000)
    with Session(engine) as db:
        call = db.get(IdeaCall, call_id)
        assert call is not None and call.status == "closed"
    sim.phone.menu("アイデア募集")
    newest = sim.phone.chat.locator(".line-entry").last
    expect(newest).to_contain_text("いま 募集中の アイデア募集は ありません")
    expect(newest.locator(".flex")).to_have_count(0)  # the call is no longer offered
    sim.shot("call-closed")
