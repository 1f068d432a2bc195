"""KYODO_SECRET_KEY: production refuses a missing, short or public key; rotation keeps
recently issued links working.

Start-up is checked the way an operator meets it: ``kyodo serve`` / ``kyodo worker`` in a
subprocess with only environment variables (no ``.env``), exiting non-zero and naming the
variable before anything listens.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.settings import DEV_SECRET_KEY, ConfigurationError, Settings
from bot.signed_links import sign, verify
from tests.support.conversation import Conversation, buttons_of

GOOD = "k" * 48
OLD = "o" * 48


def run_kyodo(tmp_path, command: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("KYODO_", "LINE_", "SLACK_"))
    }
    environ.update(
        {
            "KYODO_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path}/kyodo.db",
            "PYTHONPATH": os.getcwd(),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", command, "--port", "1"]
        if command == "serve"
        else [sys.executable, "-c", "from bot.cli import main; main()", command],
        cwd=tmp_path,  # no .env here
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(
    "key",
    [None, "", "short-but-not-empty", DEV_SECRET_KEY, "é" * 15],
    ids=["unset", "empty", "short", "development value", "31 bytes"],
)
def test_production_refuses_to_start_without_a_real_key(tmp_path, command, key):
    env = {} if key is None else {"KYODO_SECRET_KEY": key}
    done = run_kyodo(tmp_path, command, **env)
    assert done.returncode != 0
    assert "KYODO_SECRET_KEY" in done.stderr
    assert "token_urlsafe(48)" in done.stderr  # how to make one
    assert "Traceback" not in done.stderr


def test_a_short_previous_key_is_refused_too():
    settings = Settings(
        KYODO_ENV="production",
        KYODO_SECRET_KEY=GOOD,
        KYODO_SECRET_KEY_PREVIOUS="old",
        _env_file=None,
    )
    with pytest.raises(ConfigurationError, match="KYODO_SECRET_KEY_PREVIOUS"):
        settings.check()


def test_a_32_byte_key_starts_and_development_keeps_its_default():
    assert Settings(KYODO_ENV="production", KYODO_SECRET_KEY="x" * 32, _env_file=None).check()
    assert Settings(KYODO_ENV="development", _env_file=None).secret_key == DEV_SECRET_KEY
    Settings(KYODO_ENV="development", _env_file=None).check()  # no error in development


def test_create_app_in_production_refuses_the_development_key(engine, clock):
    settings = Settings(DATABASE_URL="sqlite://", KYODO_ENV="production", _env_file=None)
    with pytest.raises(ConfigurationError, match="KYODO_SECRET_KEY"):
        create_app(settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)


def my_data_link(runtime) -> str:
    c = Conversation(runtime, user="U-me", name="山田")
    c.follow()
    if any(b.label == "同意する" for b in buttons_of(c.last)):
        c.tap("同意する")
    c.say("マイデータ")
    c.tap("ダウンロード")
    url = urlparse(c.last[0].text.split("\n")[-1])
    return f"{url.path}?{url.query}"


def app_with(settings, engine, clock, **keys):
    s = settings.model_copy(update=keys)
    return create_app(s, engine=engine, clock=clock, run_scheduler=False, migrate=False)


def test_links_survive_a_restart_with_the_same_key(settings, engine, clock):
    with TestClient(app_with(settings, engine, clock, secret_key=GOOD)) as http:
        path = my_data_link(http.app.state.runtime)
        assert http.get(path).status_code == 200
    with TestClient(app_with(settings, engine, clock, secret_key=GOOD)) as http:
        assert http.get(path).status_code == 200


def test_rotating_keeps_links_of_the_last_15_minutes_with_the_previous_key(settings, engine, clock):
    with TestClient(app_with(settings, engine, clock, secret_key=OLD)) as http:
        path = my_data_link(http.app.state.runtime)
    clock.advance(timedelta(minutes=10))
    rotated = app_with(settings, engine, clock, secret_key=GOOD, secret_key_previous=OLD)
    with TestClient(rotated) as http:
        assert http.get(path).status_code == 200
        assert http.get(path.replace("sig=", "sig=0")).status_code == 403
        clock.advance(timedelta(minutes=6))  # the link itself has expired now
        assert http.get(path).status_code == 403
    clock.advance(timedelta(minutes=-6))
    with TestClient(app_with(settings, engine, clock, secret_key=GOOD)) as http:
        assert http.get(path).status_code == 403  # without the previous key: gone


def test_the_previous_key_is_not_accepted_for_long_lived_links(clock):
    now = clock.now()
    path = "/exports/idea-calls/1.csv"
    url = sign("http://x", path, secret=OLD, now=now, ttl=timedelta(hours=24))
    query = dict(part.split("=") for part in urlparse(url).query.split("&"))
    args = {"secret": GOOD, "now": now, "previous": OLD}
    assert not verify(path, query["exp"], query["sig"], **args)
    later = now + timedelta(hours=23, minutes=50)  # now inside the 15-minute grace
    assert verify(path, query["exp"], query["sig"], **{**args, "now": later})
    assert not verify(path, query["exp"], query["sig"], secret=GOOD, now=later)
