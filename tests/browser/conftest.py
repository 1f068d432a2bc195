"""Browser fixtures: Debian's headless Chromium (never a downloaded browser) driving a real
uvicorn server of ``create_app`` on 127.0.0.1. On CI a missing Chromium fails the run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.pages import SimulatorPage
from tests.support.server import serve

CHROMIUM = Path(os.environ.get("KYODO_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# KYODO_TEST_ARTIFACTS (relative to the repo): .ci/run gives each of its parallel runs its own.
ARTIFACTS = (
    Path(__file__).resolve().parents[2]
    / os.environ.get("KYODO_TEST_ARTIFACTS", "test-artifacts")
    / "browser"
)


@pytest.fixture
def chromium():
    """Per test: Playwright's sync API keeps an event loop on this thread while it runs, which
    would break the asyncio tests that follow if it stayed open for the whole session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run .ci/system-deps (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live(app):
    with serve(app) as server:
        yield server


@pytest.fixture
def sim(chromium, live, request):
    context = chromium.new_context(viewport={"width": 1440, "height": 980}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)
    sim = SimulatorPage(page, live.url, ARTIFACTS / name)
    sim.open()
    yield sim
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
