"""The simulator stays usable as a conversation grows: the Slack pane scrolls to the newest
message with the compose box in view, and links Kyodo sends are clickable."""

from __future__ import annotations

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
