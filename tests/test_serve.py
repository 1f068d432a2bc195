"""``kyodo serve`` as a person runs it: a real process on a free port. Links point where it
listens, and Ctrl-C with a simulator tab open stops it quickly and quietly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KYODO_", "LINE_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'kyodo.db'}",
        KYODO_ENV="development",
        KYODO_RUN_SCHEDULER="false",
        PYTHONUNBUFFERED="1",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=tmp_path,  # no .env from the developer's checkout
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/simulator/config", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            if process.poll() is not None:
                pytest.fail(f"kyodo serve exited: {process.stdout.read()}", pytrace=False)
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"kyodo serve did not answer: {process.communicate()[0]}", pytrace=False)
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def test_links_point_at_the_port_serve_listens_on(served):
    _, url = served
    assert httpx.get(f"{url}/simulator/config").json()["public_url"] == url


def test_ctrl_c_with_an_open_event_stream_is_quick_and_quiet(served):
    process, url = served
    opened = threading.Event()
    ended: list[str] = []

    def watch() -> None:
        with httpx.stream("GET", f"{url}/simulator/events?persona=tanaka", timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("event: ready"):
                    opened.set()
        ended.append("stream closed by the server")

    viewer = threading.Thread(target=watch, daemon=True)
    viewer.start()
    assert opened.wait(15), "the simulator's event stream did not open"
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    took = time.monotonic() - started
    viewer.join(5)
    assert took <= 2.0, f"shutdown took {took:.1f} s:\n{output}"
    assert "Traceback" not in output and "Exception in ASGI application" not in output, output
    assert "timeout graceful shutdown exceeded" not in output, output
    assert ended == ["stream closed by the server"]
