"""The render cache of /public and open data, through the real app and the test clock: a hit
within the TTL, a fresh render after it, the stale copy served while one refresh runs (and
kept when the refresh fails), and 304 for a client that has this version."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.settings import Settings
from bot.web import public
from tests.handlers.test_outcome_ledger import complete
from tests.support.initiatives import People, latest, post

TTL = 600  # seconds; the page shows its render time to the minute, which the tests read


@pytest.fixture
def cached(settings, engine, clock):
    app = create_app(
        settings.model_copy(update={"public_cache_seconds": TTL}),
        engine=engine,
        clock=clock,
        run_scheduler=False,
        migrate=False,
    )
    with TestClient(app) as c:
        yield c


def rendered_at(response) -> str:
    """The render time the page prints, to the minute."""
    found = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", response.text)
    assert found, response.text[:500]
    return found.group(0)


def test_a_hit_within_the_ttl_and_a_fresh_render_after(cached, clock):
    first = cached.get("/public")
    assert first.headers["cache-control"] == f"public, max-age={TTL}"
    assert rendered_at(first) == "2026-11-24 10:00"
    clock.advance(timedelta(seconds=TTL - 60))
    hit = cached.get("/public")
    assert rendered_at(hit) == "2026-11-24 10:00"  # served from the cache
    assert hit.headers["etag"] == first.headers["etag"]
    english = cached.get("/public", params={"lang": "en"})  # its own variant, rendered now
    assert rendered_at(english) == "2026-11-24 10:09" and '<html lang="en">' in english.text

    clock.advance(timedelta(seconds=TTL * 10))  # beyond the stale window: rendered before answering
    miss = cached.get("/public")
    assert rendered_at(miss) == "2026-11-24 11:49"
    assert miss.headers["etag"] != first.headers["etag"]


def test_open_data_is_cached_until_the_ttl_passes(cached, runtime, engine, clock):
    assert cached.get("/open-data/initiatives.csv").text.count("\r\n") == 1  # the header only
    owner = People(runtime)("U-owner-c", "はなこ")
    post(owner, title="キャッシュの 取組")
    complete(owner, latest(engine).id)
    assert "キャッシュの 取組" not in cached.get("/open-data/initiatives.csv").text
    assert "キャッシュの 取組" not in cached.get("/open-data/initiatives.csv").text
    clock.advance(timedelta(seconds=TTL * 11))
    fresh = cached.get("/open-data/initiatives.csv")
    assert "キャッシュの 取組" in fresh.text
    assert fresh.headers["content-type"].startswith("text/csv")
    assert fresh.content.startswith(b"\xef\xbb\xbf")  # still the BOM Excel needs


def test_the_stale_copy_is_served_while_one_refresh_runs(cached, clock, monkeypatch):
    first = cached.get("/public")
    renders: list[str] = []
    release = threading.Event()
    real = public.render

    def slow_render(runtime, lang):
        renders.append(lang)
        assert release.wait(10), "the test never released the refresh"
        return real(runtime, lang)

    monkeypatch.setattr(public, "render", slow_render)
    clock.advance(timedelta(seconds=TTL + 60))  # stale, within 10 × TTL
    stale = cached.get("/public")  # answers although the refresh is blocked
    again = cached.get("/public")
    assert rendered_at(stale) == rendered_at(again) == "2026-11-24 10:00"
    assert stale.headers["etag"] == first.headers["etag"]
    release.set()
    cache = cached.app.state.page_cache
    cached.portal.call(cache.refreshes_done)
    assert renders == ["ja"]  # one refresh for both stale answers
    assert rendered_at(cached.get("/public")) == "2026-11-24 10:11"


def test_a_failed_refresh_is_logged_and_the_stale_copy_kept(cached, clock, monkeypatch, caplog):
    first = cached.get("/public")

    def broken(runtime, lang):
        raise RuntimeError("database is down")

    monkeypatch.setattr(public, "render", broken)
    clock.advance(timedelta(seconds=TTL * 2))
    assert cached.get("/public").headers["etag"] == first.headers["etag"]
    cached.portal.call(cached.app.state.page_cache.refreshes_done)
    assert "refreshing the cached public:ja failed" in caplog.text
    kept = cached.get("/public")
    assert kept.status_code == 200 and kept.headers["etag"] == first.headers["etag"]


def test_if_none_match_answers_304(cached):
    first = cached.get("/open-data/datapackage.json")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    again = cached.get("/open-data/datapackage.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == f"public, max-age={TTL}"
    listed = cached.get("/public", headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 200  # another variant's tag does not match /public
    page = cached.get("/public")
    assert cached.get("/public", headers={"If-None-Match": page.headers["etag"]}).status_code == 304


def test_the_ttl_is_a_minute_in_production_and_off_in_development():
    assert Settings(KYODO_ENV="production", _env_file=None).public_cache_ttl == 60
    assert Settings(KYODO_ENV="development", _env_file=None).public_cache_ttl == 0
    assert Settings(KYODO_PUBLIC_CACHE_SECONDS="5", _env_file=None).public_cache_ttl == 5


def test_with_the_cache_off_every_request_renders(client, clock):
    before = client.get("/public")
    clock.advance(timedelta(minutes=1))
    after = client.get("/public")
    assert rendered_at(after) != rendered_at(before)
    assert after.headers["cache-control"] == "public, max-age=0"
    assert (
        client.get("/public", headers={"If-None-Match": after.headers["etag"]}).status_code == 304
    )
