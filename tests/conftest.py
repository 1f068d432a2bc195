"""Shared fixtures: a migrated database per run (SQLite or PostgreSQL), a fixed clock, the
runtime wired as in production, and the FastAPI app with its lifespan."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.app import build_runtime, create_app
from bot.clock import FixedClock
from bot.settings import Settings
from tests.support.database import TEST_URL_ENV, prepare, test_database_url, wipe
from tests.support.messengers import RecordingMessenger
from tests.support.optional_parts import sort_out, summary_line

ON_CI = os.environ.get("CI", "").lower() == "true"
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Tuesday
_NOT_RUN = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect tests whose optional part (LINE spec, Chromium, Node) is missing; on CI fail."""
    keep, notes = sort_out(items, on_ci=ON_CI)
    if not notes:
        return
    dropped = [item for item in items if item not in keep]
    config.hook.pytest_deselected(items=dropped)
    items[:] = keep
    config.stash[_NOT_RUN] = summary_line(notes, len(dropped))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    line = config.stash.get(_NOT_RUN, None)
    if line:
        terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = test_database_url(tmp_path_factory.mktemp("db"))
    return url


@pytest.fixture(scope="session")
def _schema(database_url):
    try:
        engine = prepare(database_url)
    except OperationalError as exc:
        if ON_CI or os.environ.get(TEST_URL_ENV):
            pytest.fail(f"test database {database_url!r} is unreachable: {exc}", pytrace=False)
        raise
    yield engine
    engine.dispose()


@pytest.fixture
def engine(_schema):
    wipe(_schema)
    yield _schema


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        KYODO_ENV="development",
        KYODO_RUN_SCHEDULER=False,
        KYODO_SIMULATOR=True,
        LINE_CHANNEL_SECRET=None,
        LINE_CHANNEL_ACCESS_TOKEN=None,
        SLACK_SIGNING_SECRET=None,
        SLACK_BOT_TOKEN=None,
        # The test ward's new people read やさしい日本語 (the product default is ふつう "ja"):
        # the transcripts were written in that register. tests/handlers/test_registers.py
        # checks the product default.
        KYODO_DEFAULT_LANGUAGE="easy",
        _env_file=None,
    )


@pytest.fixture
def messenger() -> RecordingMessenger:
    return RecordingMessenger(channel="simulator")


@pytest.fixture
def runtime(settings, engine, clock, messenger):
    """The core wired as in production, with a recording stand-in for the channel."""
    return build_runtime(settings, engine=engine, clock=clock, messengers={"simulator": messenger})


@pytest.fixture
def app(settings, engine, clock):
    return create_app(settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
