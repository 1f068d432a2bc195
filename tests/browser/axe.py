"""axe-core in the page: inject the pinned script from .tools/axe and fail on serious or
critical violations, naming each rule, its help text and the first offending elements."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.support.optional_parts import AXE_SCRIPT

BLOCKING = ("serious", "critical")
# WCAG 2.0–2.2 A and AA (contrast, headings, lang, names) and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as loaded (scripts may be off for the page itself: the
    injected script is evaluated by the driver)."""
    page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}×: {targets})")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)
