"""The simulator stays usable as a conversation grows: the Slack pane scrolls to the newest
message with the compose box in view, links Kyodo sends are clickable, and a meeting's
invitation and reminder cards show the date, time and place in full (nothing clipped)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_simulator_browser import queue

pytestmark = pytest.mark.browser


def test_the_slack_pane_scrolls_to_the_newest_of_20_messages(sim, live, engine, clock):
    sim.slack.open("staff")
    for n in range(1, 21):
        queue(engine, clock, key=None, text=f"お知らせ {n:02d}：新しい取組が投稿されました")
    assert live.call(live.runtime.outbox.drain) == 20
    view = sim.page.locator("#view-staff")
    sim.slack.wait_for_text("お知らせ 20", view="staff")
    newest = view.locator(".slack-msg").filter(has_text="お知らせ 20")
    expect(newest).to_be_in_viewport()
    expect(view.locator(".slack-msg").filter(has_text="お知らせ 01")).not_to_be_in_viewport()
    expect(sim.page.locator("#slack-text")).to_be_in_viewport()
    pane = sim.page.locator("#slack").bounding_box()
    compose = sim.page.locator("#slack-text").bounding_box()
    assert pane and compose and compose["y"] + compose["height"] <= pane["y"] + pane["height"]
    scroll = view.evaluate("v => [v.scrollHeight, v.clientHeight, v.scrollTop]")
    assert scroll[0] > scroll[1] and scroll[2] > 0, scroll
    sim.shot("slack-20-messages")


def test_links_in_messages_are_clickable(sim, live, engine, clock):
    url = f"{live.url}/calendar/meetings/1.ics"
    queue(engine, clock, key="tanaka", text=f"カレンダーに入れる：{url} （スマホで開けます）")
    assert live.call(live.runtime.outbox.drain) == 1
    sim.phone.wait_for_text("カレンダーに入れる")
    link = sim.phone.chat.get_by_role("link", name=url)
    expect(link).to_have_attribute("href", url)
    expect(link).to_have_attribute("target", "_blank")
    expect(sim.phone.chat).to_contain_text("（スマホで開けます）")


def field_metrics(card):
    """Each field value of a card as the phone draws it: text and whether it overflows."""
    return card.locator(".flex-field").evaluate_all(
        """fields => fields.map(f => {
            const v = f.querySelector('.flex-val');
            return {key: f.querySelector('.flex-key').innerText, text: v.innerText,
                    scroll: v.scrollWidth, client: v.clientWidth,
                    cardScroll: f.closest('.flex').scrollWidth,
                    cardClient: f.closest('.flex').clientWidth};
        })"""
    )


def assert_full(card, time: str, place: str) -> None:
    expect(card).to_be_visible()
    fields = {m["key"]: m for m in field_metrics(card)}
    assert time in fields["日時"]["text"], fields
    assert place in fields["場所"]["text"], fields
    for m in fields.values():
        assert m["scroll"] <= m["client"], m  # the value isn't clipped or overflowing
        assert m["cardScroll"] <= m["cardClient"], m
    assert time in card.inner_text() and place in card.inner_text()


def test_the_meeting_invitation_and_reminder_show_date_time_and_place_in_full(
    sim, live, runtime, engine, clock
):
    """「19:0」 and 「阿佐谷北三丁目町会 会」 were clipped by the long calendar URL in a field."""
    from tests.support.conversation import Conversation
    from tests.support.meetings import initiative, person_id, staff_create

    tanaka = person_id(engine, "tanaka")
    ini = initiative(engine, person_id(engine, "sato"), participants=[tanaka])
    staff = Conversation(runtime, user="yamamoto", name="山本 直子", staff=True)
    place = "阿佐谷北三丁目町会 会館 2階 集会室"
    start = clock.now() + timedelta(days=3, hours=9)  # Friday 19:00 in Tokyo
    staff_create(staff, f"initiative:{ini}", start, place=place)
    assert live.call(live.runtime.outbox.drain) >= 1
    sim.phone.wait_for_text("準備の集い")
    invitation = sim.phone.chat.locator(".flex").filter(has_text="準備の集い").last
    assert_full(invitation, "19:00", place)
    expect(invitation.get_by_role("link", name=re.compile("カレンダー"))).to_be_visible()
    sim.shot("invitation")
    sim.phone.tap("参加")
    agree = sim.phone.chat.get_by_role("button", name="同意する", exact=True)
    agree.last.wait_for(timeout=15_000)
    agree.last.click()  # a first answer: the privacy notice; agreeing records the answer
    sim.phone.wait_for_text("つづけます")
    sim.phone.wait_for_text("参加で 受け付けました")
    sim.advance("P2D")  # Thursday 10:00: the day-before reminder
    sim.phone.wait_for_text("リマインド")
    reminder = sim.phone.chat.locator(".flex").filter(has_text="リマインド").last
    assert_full(reminder, "19:00", place)
    sim.shot("reminder")
