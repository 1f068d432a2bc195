"""Issue 3's scenario in a real browser: a resident posts an initiative, another joins, the
poster's notification arrives live, staff set up a meeting from the staff channel, the clock
moves forward and the reminder arrives on the joiner's phone. Screenshots of every step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.app import create_app
from tests.support.server import serve

pytestmark = pytest.mark.browser


@pytest.fixture
def live(settings, engine, clock):
    """The app as `kyodo serve` runs it: the outbox dispatcher delivers pushes live."""
    app = create_app(settings, engine=engine, clock=clock, run_scheduler=True, migrate=False)
    with serve(app) as server:
        yield server


def agree_if_asked(sim) -> bool:
    buttons = sim.phone.chat.get_by_role("button", name="同意する", exact=True)
    if buttons.count():
        buttons.last.click()
        sim.phone.wait_for_text("同意を 記録(きろく)しました")
        return True
    return False


def test_post_join_notify_meeting_and_reminder(sim, clock):
    phone, slack = sim.phone, sim.slack

    # 田中さん posts an initiative from the rich menu
    phone.choose("tanaka")
    phone.menu("取組を投稿")
    phone.wait_for_text("そのまま つづきに すすみます")  # consent first (issue 17)
    agree_if_asked(sim)
    phone.wait_for_text("タイトルを 送ってください")
    phone.type("公園の 花だんを いっしょに")
    phone.wait_for_text("② どんな 取組ですか")
    phone.type("町会で 花だんの 手入れを します。道具は あります。")
    for label in ("防災・防犯", "阿佐谷", "人手", "決定(けってい)", "とばす", "定員なし"):
        tap_when_shown(sim, label)
    phone.wait_for_text("この内容で 投稿しますか")
    phone.tap("投稿する")
    phone.wait_for_text("投稿しました")
    sim.shot("posted")

    # 佐藤さん finds it and taps 「参加したい」
    phone.choose("sato")
    phone.menu("取組をさがす")
    phone.wait_for_text("公園の 花だんを いっしょに")
    phone.tap("参加したい")
    phone.wait_for_text(re.compile("参加を 受け付けました|同意を おねがいします"))
    if agree_if_asked(sim):
        tap_when_shown(sim, "参加したい")
    phone.wait_for_text("参加を 受け付けました")
    sim.shot("joined")

    # 田中さん's phone shows the notification that arrived while away (no reload)
    phone.choose("tanaka")
    phone.wait_for_text("佐藤")
    phone.wait_for_text("参加したいと いっています")
    sim.shot("poster-notified")

    # staff set up a meeting from the initiative's card in #staff (staff read ふつう: 始まり)
    slack.choose("yamamoto")
    slack.open("staff")
    slack.wait_for_text("公園の 花だんを いっしょに")
    slack.tap("集いを設定")
    start = (clock.now() + timedelta(days=3)).astimezone(sim_tz()).replace(hour=14, minute=0)
    slack.fill("名前", "花だん 準備の集い")
    slack.fill("始まり", start.strftime("%Y-%m-%dT%H:%M"))
    slack.fill("終わり", (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    slack.fill("場所", "阿佐谷地域区民センター")
    sim.shot("meeting-form")
    slack.submit()
    slack.wait_for_text("花だん 準備の集い")
    sim.shot("meeting-created")

    # 佐藤さん gets the invitation and answers 参加
    phone.choose("sato")
    phone.wait_for_text("花だん 準備の集い")
    phone.tap("参加")
    phone.wait_for_text("参加で 受け付けました")
    sim.shot("rsvp")

    # two days later at 10:00 the day-before reminder arrives
    sim.advance("P2D")
    phone.wait_for_text("【リマインド】")
    phone.wait_for_text("阿佐谷地域区民センター")
    sim.shot("reminder")


def tap_when_shown(sim, label: str) -> None:
    """Wait for the answer button (quick reply chip or card button) to appear, then tap it."""
    sim.page.locator("#phone").get_by_role("button", name=label, exact=True).last.click()


def sim_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Tokyo")
