"""The one rule: conversation logic stays channel-neutral (dependencies point inward)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("linebot", "slack_bolt", "slack_sdk", "fastapi", "starlette", "apscheduler")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: Path, forbidden=FORBIDDEN) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", ["handlers", "bot/core", "storage"])
def test_neutral_layers_import_no_channel_or_framework(package):
    assert violations(ROOT / package) == []


def test_the_rule_catches_a_violation(tmp_path):
    pkg = tmp_path / "handlers"
    pkg.mkdir()
    (pkg / "bad.py").write_text("from linebot.v3.messaging import TextMessage\n")
    (pkg / "worse.py").write_text("import slack_bolt\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert violations(pkg) == [
            "handlers/bad.py imports linebot.v3.messaging",
            "handlers/worse.py imports slack_bolt",
        ]
    finally:
        ROOT = saved


def test_only_the_line_adapter_imports_linebot_and_only_slack_imports_slack():
    channels = ROOT / "bot" / "channels"
    assert violations(channels / "slack", ("linebot",)) == []
    assert violations(channels / "simulator", ("linebot", "slack_bolt", "slack_sdk")) == []
    assert violations(channels / "line", ("slack_bolt", "slack_sdk")) == []


# ---------------------------------------------------------------- the layer contract
#
# Outer to inner: channels (LINE, Slack, simulator, web) → the neutral core (turns, replies,
# actions) → handlers (conversation logic) → storage; the scheduler (schedules/) is another
# outer runner that reaches storage. Each package names the packages it must never import,
# at module level or inside a function.
LAYERS: dict[str, tuple[str, ...]] = {
    "storage": ("bot", "handlers", "schedules"),
    "handlers": ("schedules", "bot.channels", "bot.web", "bot.app", "bot.cli", "bot.runtime"),
    "bot/core": ("bot.channels", "bot.web", "bot.app", "bot.cli", "bot.runtime", "schedules"),
    "schedules": ("handlers", "bot.channels", "bot.web", "bot.app", "bot.cli"),
    "bot/channels": ("schedules",),
}

# Known breaches still to be removed. The list may only shrink; a stale entry fails the test
# below. (Empty since issue 15: the jobs' cards are injected as ``JobContext.cards``.)
KNOWN_BREACHES: set[str] = set()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer_violations(root: Path, layers: dict[str, tuple[str, ...]] = LAYERS) -> set[str]:
    found: set[str] = set()
    for package, forbidden in layers.items():
        for path in sorted((root / package).rglob("*.py")):
            for name in imported_modules(path):
                if any(_within(name, f) for f in forbidden):
                    found.add(f"{path.relative_to(root).as_posix()} imports {name}")
    return found


def test_imports_follow_the_layer_contract():
    assert layer_violations(ROOT) - KNOWN_BREACHES == set()


def test_the_known_breaches_are_still_real():
    """Fixing a breach must also delete it from KNOWN_BREACHES, so it cannot come back."""
    assert KNOWN_BREACHES - layer_violations(ROOT) == set()


def test_the_layer_contract_catches_a_violation(tmp_path):
    for package in ("handlers", "storage", "schedules", "bot/core", "bot/channels/line"):
        (tmp_path / package).mkdir(parents=True)
    (tmp_path / "handlers" / "bad.py").write_text("from schedules import reminders\n")
    (tmp_path / "storage" / "bad.py").write_text(
        "def later():\n    from handlers.meetings import Answer\n"
    )
    (tmp_path / "schedules" / "bad.py").write_text("import bot.channels.line.quota\n")
    (tmp_path / "bot" / "core" / "bad.py").write_text("from bot.web import exports\n")
    (tmp_path / "bot" / "channels" / "line" / "bad.py").write_text("from schedules import jobs\n")
    (tmp_path / "handlers" / "fine.py").write_text(
        "from bot.core.turn import Turn\nfrom storage.models import Meeting\nimport schedulesque\n"
    )
    assert layer_violations(tmp_path) == {
        "handlers/bad.py imports schedules",
        "storage/bad.py imports handlers.meetings",
        "schedules/bad.py imports bot.channels.line.quota",
        "bot/core/bad.py imports bot.web",
        "bot/channels/line/bad.py imports schedules",
    }
