"""/public in headless Chromium with JavaScript off: every indicator shows its chart and its
text table, and the page reflows at 200 % zoom (640 CSS px) without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot.ward import load_ward
from handlers import initiative_actions as a
from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.handlers.test_outcome_ledger import complete
from tests.support.initiatives import People, latest, post

pytestmark = pytest.mark.browser


def test_every_indicator_has_a_chart_and_a_table(chromium, live, runtime, engine):
    people = People(runtime)
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    for user, name in (("U-1", "たろう"), ("U-2", "じろう"), ("U-3", "さぶろう")):
        people(user, name).press(a.Join(ini.id))
    complete(owner, ini.id)

    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live.url}/public")
    expect(page.locator("h1")).to_have_text("杉並区の協働の成果")
    assert page.locator("html").get_attribute("lang") == "ja"
    indicators = load_ward().indicators
    assert page.locator("article.indicator").count() == len(indicators)
    for ind in indicators:
        block = page.locator(f'article.indicator[data-indicator="{ind.code}"]')
        expect(block.locator("h3")).to_have_text(ind.display("ja"))
        chart = block.locator("svg[role=img]")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["height"] > 100
        table = block.locator("table.indicator-table")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() == 5  # five fiscal years
    participants = page.locator('article[data-indicator="participants"] tbody tr').last
    expect(participants).to_contain_text("3")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "public-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    context.close()

    narrow = chromium.new_context(viewport={"width": 640, "height": 900}, locale="ja-JP")
    page = narrow.new_page()
    page.goto(f"{live.url}/public")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=str(ARTIFACTS / "public-page-640.png"), full_page=True)
    narrow.close()


@pytest.mark.axe
def test_axe_core_finds_no_serious_violations(chromium, live, runtime, engine):
    """Contrast, headings, lang and names, in Japanese and in English, with real content."""
    people = People(runtime)
    owner = people("U-owner-axe", "はなこ")
    post(owner)
    ini = latest(engine)
    for user, name in (("U-a1", "たろう"), ("U-a2", "じろう"), ("U-a3", "さぶろう")):
        people(user, name).press(a.Join(ini.id))
    complete(owner, ini.id)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    for path in ("/public", "/public?lang=en"):
        page.goto(f"{live.url}{path}")
        assert_accessible(page)
    context.close()
