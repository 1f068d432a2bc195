"""The parts of the suite that need something outside the repository: LINE's OpenAPI spec,
Debian's Chromium and Node.js (for Prism and axe-core). A fresh clone has none of them, so tests that need
a missing part are deselected with one summary line; with CI=true a missing part fails the run.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC_ENV = "KYODO_LINE_SPEC"
CHROMIUM_ENV = "KYODO_CHROMIUM"
LINE_CONFTEST = "tests.channels.line.conftest"
SPEC_HELPERS = ("body_of", "spec_problems", "spec_dir", "messaging_spec")
SPEC_FIXTURES = {"line", "both_channels"}  # their ``send`` checks bodies against webhook.yml


def line_spec_dir() -> Path:
    """LINE's OpenAPI specs: $KYODO_LINE_SPEC (the messaging-api.yml file, webhook.yml next to
    it) or ``../shared/specs/line`` from the repo root."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override).resolve().parent
    return (ROOT / ".." / "shared" / "specs" / "line").resolve()


def line_messaging_spec() -> Path:
    override = os.environ.get(SPEC_ENV)
    return Path(override).resolve() if override else line_spec_dir() / "messaging-api.yml"


def chromium_path() -> Path:
    return Path(os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium"))


def line_spec_present() -> bool:
    return line_messaging_spec().is_file() and (line_spec_dir() / "webhook.yml").is_file()


AXE_SCRIPT = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_present() -> bool:
    return AXE_SCRIPT.is_file()


def node_present() -> bool:
    prism = ROOT / ".tools" / "prism" / "node_modules" / ".bin" / "prism"
    return shutil.which("node") is not None and (prism.exists() or shutil.which("npm") is not None)


@dataclass(frozen=True)
class Part:
    """One optional part: which tests need it, whether it is here, how to get it."""

    name: str
    present: bool
    enable: str

    def needed_by(self, item: pytest.Item) -> bool:
        if self.name == "LINE's OpenAPI spec":
            return uses_line_spec(item)
        if self.name == "Chromium":
            return item.get_closest_marker("browser") is not None
        if self.name == "axe-core":
            return item.get_closest_marker("axe") is not None
        return item.get_closest_marker("contract") is not None


def uses_line_spec(item: pytest.Item) -> bool:
    """Tests whose module or fixtures build webhook bodies checked against webhook.yml
    (``body_of``) or read the spec, and the Prism contract tests."""
    if item.get_closest_marker("contract") or item.get_closest_marker("line_spec"):
        return True
    if SPEC_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    if module is None:
        return False
    for name in SPEC_HELPERS:
        helper = getattr(module, name, None)
        if getattr(helper, "__module__", None) == LINE_CONFTEST:
            return True
    return False


def parts() -> list[Part]:
    return [
        Part(
            "LINE's OpenAPI spec",
            line_spec_present(),
            f"to run them set {SPEC_ENV}=/path/to/messaging-api.yml with webhook.yml beside it, "
            "or put both in ../shared/specs/line",
        ),
        Part(
            "Chromium",
            chromium_path().exists(),
            f"to run them apt-get install chromium, or set {CHROMIUM_ENV}",
        ),
        Part("Node.js", node_present(), "to run them install Node.js 20 with npm, for Prism"),
        Part(
            "axe-core",
            axe_present(),
            "to run them install Node.js 20 with npm and run .ci/system-deps (.tools/axe)",
        ),
    ]


def sort_out(items: list[pytest.Item], on_ci: bool) -> tuple[list[pytest.Item], list[str]]:
    """Split collected items into those to run and a description of what was left out.

    On CI a missing part that some collected test needs raises ``pytest.UsageError``."""
    keep: list[pytest.Item] = []
    missing: dict[str, tuple[Part, int]] = {}
    available = parts()
    for item in items:
        lacking = [p for p in available if not p.present and p.needed_by(item)]
        if not lacking:
            keep.append(item)
            continue
        for part in lacking:
            seen = missing.get(part.name, (part, 0))[1]
            missing[part.name] = (part, seen + 1)
    notes = [f"{n} test(s) need {p.name} ({p.enable})" for p, n in missing.values()]
    if notes and on_ci:
        raise pytest.UsageError("CI=true and parts of the suite are missing: " + "; ".join(notes))
    return keep, notes


def summary_line(notes: list[str], deselected: int) -> str:
    return f"kyodo: {deselected} test(s) not run: " + "; ".join(notes)
