"""Page helpers for the simulator: drive the LINE-like phone and the Slack-like pane by what a
person sees (labels and text), never by ids of records.

    sim = SimulatorPage(page, base_url, artifacts)
    sim.phone.choose("sato"); sim.phone.menu("取組を投稿"); sim.phone.tap("参加したい")
    sim.slack.command("/kyodo help"); sim.slack.wait_for_text("使い方")
    sim.advance("P2D"); sim.phone.wait_for_text("リマインド")
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

TIMEOUT = 15_000  # ms; auto-waiting assertions, not sleeps


class PhonePage:
    """The resident's LINE-like phone."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.locator("#phone")
        self.chat = page.locator("#phone-chat")
        self.quick = page.locator("#phone-quick")

    def choose(self, persona: str) -> None:
        self.page.select_option("#resident-picker", persona)
        expect(self.page.locator("body")).to_have_attribute(
            "data-resident-ready", persona, timeout=TIMEOUT
        )

    def menu(self, label: str) -> None:
        """Tap a rich-menu entry (取組をさがす, 取組を投稿, … ヘルプ)."""
        self.page.locator("#phone-menu").get_by_role("button", name=label, exact=True).click()

    def button(self, label: str) -> Locator:
        """The newest button with this label in the chat or the quick replies."""
        chips = self.quick.get_by_role("button", name=label, exact=True)
        if chips.count():
            return chips.last
        return self.chat.get_by_role("button", name=label, exact=True).last

    def tap(self, label: str) -> None:
        self.button(label).click()

    def type(self, text: str) -> None:
        self.page.fill("#phone-text", text)
        self.page.press("#phone-text", "Enter")

    def follow(self) -> None:
        self.chat.get_by_role("button", name=re.compile("はじめる|Start")).click()

    def pick_datetime(self, value: str, ok: str = "決定") -> None:
        """Answer the newest date-time request ("YYYY-MM-DDTHH:MM")."""
        box = self.chat.locator(".datetime").last
        box.locator("input").fill(value)
        box.get_by_role("button", name=ok).click()

    def wait_for_text(self, text: str | re.Pattern) -> None:
        expect(self.chat).to_contain_text(text, timeout=TIMEOUT)

    def last_bubble(self) -> Locator:
        return self.chat.locator(".line-entry").last


class SlackPane:
    """The staff member's Slack-like pane (#staff channel, DM with the app, Home, modals)."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.locator("#slack")

    def choose(self, persona: str) -> None:
        self.page.select_option("#staff-picker", persona)
        expect(self.page.locator("body")).to_have_attribute(
            "data-staff-ready", persona, timeout=TIMEOUT
        )

    def open(self, view: str) -> None:
        """``staff`` (#staff channel), ``dm`` (the Kyodo app) or ``home`` (dashboard)."""
        self.page.click(f"#nav-{view}")

    @property
    def view(self) -> Locator:
        return self.page.locator(".slack-view:not([hidden])")

    def command(self, text: str) -> None:
        self.page.fill("#slack-text", text)
        self.page.press("#slack-text", "Enter")

    def tap(self, label: str) -> None:
        self.view.get_by_role("button", name=label, exact=True).last.click()

    def expand_threads(self) -> None:
        for toggle in self.view.locator(".thread-toggle[aria-expanded='false']").all():
            toggle.click()

    def wait_for_text(self, text: str | re.Pattern, view: str | None = None) -> None:
        where = self.page.locator(f"#view-{view}") if view else self.view
        expect(where).to_contain_text(text, timeout=TIMEOUT)

    # ------------------------------------------------------------------ modal forms
    @property
    def modal(self) -> Locator:
        return self.page.locator("#modal")

    def fill(self, label: str, value: str) -> None:
        self.modal.get_by_label(label, exact=False).first.fill(value)

    def select(self, label: str, option: str) -> None:
        self.modal.get_by_label(label, exact=False).first.select_option(label=option)

    def check(self, label: str) -> None:
        self.modal.get_by_label(label, exact=True).check()

    def submit(self) -> None:
        self.page.click("#modal-submit")


class SimulatorPage:
    def __init__(self, page: Page, base_url: str, artifacts: Path):
        self.page = page
        self.base_url = base_url
        self.artifacts = artifacts
        self.phone = PhonePage(page)
        self.slack = SlackPane(page)
        self._shots = 0

    def open(self) -> None:
        self.page.goto(f"{self.base_url}/simulator")
        expect(self.page.locator("body")).to_have_attribute("data-booted", "1", timeout=TIMEOUT)
        expect(self.page.locator("body")).to_have_attribute(
            "data-resident-ready", re.compile(".+"), timeout=TIMEOUT
        )
        expect(self.page.locator("body")).to_have_attribute(
            "data-staff-ready", re.compile(".+"), timeout=TIMEOUT
        )

    def advance(self, label_or_duration: str) -> None:
        """Press a clock button (+1日 …) or type a duration (PT48H, +2d) and advance."""
        before = self.clock_text()
        button = self.page.locator(f".clock-btn[data-advance='{label_or_duration}']")
        if button.count():
            button.click()
        else:
            self.page.fill("#clock-custom", label_or_duration)
            self.page.press("#clock-custom", "Enter")
        expect(self.page.locator("#clock-now")).not_to_have_text(before, timeout=TIMEOUT)

    def clock_text(self) -> str:
        return self.page.locator("#clock-now").inner_text()

    def shot(self, step: str) -> Path:
        """Screenshot of the whole page into test-artifacts/browser/<test>/NN-<step>.png."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self._shots += 1
        path = self.artifacts / f"{self._shots:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
