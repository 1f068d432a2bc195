"""Run Stoplight Prism (pinned) as a mock of LINE's Messaging API spec, on 127.0.0.1.

Prism is installed from npm into ``.tools/prism`` (git-ignored) by ``.ci/system-deps`` or, if
missing, by the first contract test. Prism validates each request against the spec and reports
problems in the ``sl-violations`` response header; ``Prefer: code=NNN`` forces a documented
response. LINE's spec documents no 5xx for the send endpoints, so the copy Prism serves adds a
500 response to them (request schemas untouched) to drive the retry path.
"""

from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import yaml

VERSION = "5.16.0"
ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".tools" / "prism"
BIN = TOOLS / "node_modules" / ".bin" / "prism"
SEND_PATHS = ("/v2/bot/message/push", "/v2/bot/message/multicast", "/v2/bot/message/reply")


class PrismUnavailable(RuntimeError):
    pass


def ensure_installed() -> Path:
    if BIN.exists():
        return BIN
    npm = shutil.which("npm")
    if npm is None:
        raise PrismUnavailable("npm is not installed (Node.js 20 is needed for Prism)")
    TOOLS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund",
         f"@stoplight/prism-cli@{VERSION}"],
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    if done.returncode != 0 or not BIN.exists():
        raise PrismUnavailable(f"npm install of Prism failed: {done.stderr[-2000:]}")
    return BIN


def spec_with_server_errors(spec: Path, out_dir: Path) -> Path:
    """A copy of LINE's spec whose send endpoints also document a 500 (see module doc)."""
    with spec.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for path in SEND_PATHS:
        responses = data["paths"][path]["post"]["responses"]
        if "500" not in responses:
            error = copy.deepcopy(responses.get("400") or {"description": "error"})
            error["description"] = "Internal Server Error"
            responses["500"] = error
    target = out_dir / "messaging-api.prism.yml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prism:
    def __init__(self, spec: Path, log_path: Path):
        self.spec = spec
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Prism:
        binary = ensure_installed()
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(binary), "mock", "-h", "127.0.0.1", "-p", str(self.port), str(self.spec)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SCARF_ANALYTICS": "false", "NO_COLOR": "1"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrismUnavailable(f"Prism exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise PrismUnavailable("Prism did not start listening in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
