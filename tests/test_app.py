"""The HTTP surface: health, errors, limits and start-up with or without channels."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.settings import ConfigurationError, Settings
from storage.db import make_engine
from storage.migrate import upgrade


def test_starts_without_channel_credentials_and_is_healthy(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_file_is_unreadable(tmp_path, clock):
    path = tmp_path / "kyodo.db"
    url = f"sqlite:///{path}"
    settings = Settings(DATABASE_URL=url, KYODO_RUN_SCHEDULER=False, _env_file=None)
    engine = make_engine(url)
    upgrade(engine)
    app = create_app(settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
        engine.dispose()
        path.write_bytes(b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"kyodo.db{suffix}").unlink(missing_ok=True)
        r = c.get("/healthz")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "database": "down"}


def test_unknown_routes_wrong_methods_and_oversize_bodies(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/line/webhook").status_code == 405
    big = b"{" + b" " * (2 * 1024 * 1024 + 10) + b"}"
    r = client.post("/line/webhook", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_production_refuses_a_half_configured_channel():
    settings = Settings(
        KYODO_ENV="production",
        LINE_CHANNEL_SECRET="s",
        LINE_CHANNEL_ACCESS_TOKEN=None,
        _env_file=None,
    )
    with pytest.raises(ConfigurationError, match="LINE_CHANNEL_ACCESS_TOKEN"):
        create_app(settings)


def test_development_only_notes_a_disabled_channel():
    settings = Settings(KYODO_ENV="development", SLACK_SIGNING_SECRET="x", _env_file=None)
    notes = settings.check()
    assert "Slack channel disabled: SLACK_BOT_TOKEN is not set" in notes


def test_simulator_is_off_in_production_unless_asked():
    assert not Settings(KYODO_ENV="production", _env_file=None).simulator_enabled
    assert Settings(KYODO_ENV="production", KYODO_SIMULATOR=True, _env_file=None).simulator_enabled
    assert Settings(KYODO_ENV="development", _env_file=None).simulator_enabled
