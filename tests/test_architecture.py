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
