"""Each declared dialog's Mermaid diagram and field table, generated from its declaration.

The docs in ``docs/dialogs/`` keep a generated block between ``<!-- wizard:<flow> -->`` and
``<!-- /wizard:<flow> -->``; ``kyodo dialogs --write`` rewrites the blocks and
``tests/test_dialog_docs.py`` fails when a committed block differs from its declaration.
Callers load the dialogs first (``handlers.build_router()``): the core never imports handlers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.core.wizard import WIZARDS, Wizard
from bot.core.wizard_fields import (
    ChoiceField,
    DateTimeField,
    Field,
    IntField,
    TextField,
    UrlField,
)
from bot.i18n import Catalog, default_catalog

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "dialogs"


def rule_of(f: Field) -> str:
    """The field's rule in words (the one place it is defined is the declaration)."""
    if isinstance(f, UrlField):
        rule = f"http(s):// URL, ≤{f.max_length}"
    elif isinstance(f, TextField):
        rule = f"text {f.min_length}–{f.max_length}"
    elif isinstance(f, IntField):
        rule = f"number {f.minimum}–{f.maximum}"
    elif isinstance(f, ChoiceField):
        rule = "several of a list" if f.multiple else "one of a list"
    elif isinstance(f, DateTimeField):
        parts = ["date-time"] + (["in the future"] if f.future else [])
        rule = ", ".join(parts + ([f"after `{f.after}`"] if f.after else []))
    else:
        rule = type(f).__name__
    return rule + (", optional" if f.optional else "")


def _say(catalog: Catalog, key: str, **params: Any) -> str:
    text = catalog.text(key, "ja", **params) if key else ""
    return re.sub(r"\s+", " ", text).replace(":", "：").replace('"', "'").strip()


def _refusal(catalog: Catalog, f: Field) -> str:
    bad = f.refuse()
    return _say(catalog, bad.key, **bad.params)


def _asked_in(wizard: Wizard[Any], f: Field) -> str:
    if not wizard.forms:
        return "steps"
    return "both" if f.only is None else f.only


def mermaid(wizard: Wizard[Any], catalog: Catalog) -> str:
    steps = wizard.asked(False)
    lines = ["stateDiagram-v2"]
    if wizard.forms:
        lines.append("    [*] --> form: staff, channel supports Form")
        lines.append("    form --> form: refused / FormErrors (the same refusals, in form wording)")
        lines.append("    form --> [*]: valid / submit(draft)")
    if not steps:
        return "\n".join(lines)
    entry = "chat channel" if wizard.forms else "every channel"
    lines.append(f"    [*] --> {steps[0].name}: {entry}")
    for f, nxt in zip(steps, [*steps[1:], None], strict=True):
        target = nxt.name if nxt else ("confirm" if wizard.confirm else "[*]")
        lines.append(f"    {f.name} --> {f.name}: {_refusal(catalog, f)}")
        if isinstance(f, DateTimeField) and f.future:
            lines.append(f"    {f.name} --> {f.name}: {_say(catalog, f.error_past)}")
        if isinstance(f, DateTimeField) and f.after:
            lines.append(f"    {f.name} --> {f.name}: {_say(catalog, f.error_order)}")
        label = "answer" + (" / submit(draft)" if target == "[*]" else "")
        lines.append(f"    {f.name} --> {target}: {label}")
        if f.optional and f.skip:
            lines.append(f"    {f.name} --> {target}: {_say(catalog, f.skip)}")
        if nxt is not None and nxt.when is not None:  # a step asked only for some answers
            after = steps.index(nxt) + 1
            beyond = steps[after].name if after < len(steps) else "confirm"
            lines.append(f"    {f.name} --> {beyond}: answer ({nxt.name} not needed)")
        lines.append(f"    {f.name} --> [*]: {_say(catalog, 'wizard.button_stop')}")
    if wizard.confirm:
        for f in steps:
            if not f.changeable:
                continue
            change = _say(catalog, f.change or "wizard.button_change", field=_say(catalog, f.label))
            lines.append(f"    confirm --> {f.name}: {change}")
        lines.append(f"    confirm --> [*]: {_say(catalog, wizard.submit_label)} / submit(draft)")
        lines.append(f"    confirm --> [*]: {_say(catalog, 'wizard.button_stop')}")
    return "\n".join(lines)


def block(wizard: Wizard[Any], catalog: Catalog) -> str:
    rows = [
        f"| `{f.name}` | {_say(catalog, f.label)} | "
        f"{_asked_in(wizard, f)} | {rule_of(f)} | {_refusal(catalog, f)} |"
        for f in wizard.fields
    ]
    return "\n".join(
        [
            f"<!-- wizard:{wizard.flow} (generated from the declaration: "
            "kyodo dialogs --write) -->",
            "```mermaid",
            mermaid(wizard, catalog),
            "```",
            "",
            "| field | label | asked in | rule | refused with |",
            "|---|---|---|---|---|",
            *rows,
            *(
                f"\nAcross fields: `{' or '.join(r.fields)}` — {_say(catalog, r.error)}"
                for r in wizard.rules
            ),
            f"<!-- /wizard:{wizard.flow} -->",
        ]
    )


def _pattern(flow: str) -> re.Pattern[str]:
    return re.compile(
        rf"<!-- wizard:{re.escape(flow)}\b.*?<!-- /wizard:{re.escape(flow)} -->", re.S
    )


def documented() -> dict[str, Path]:
    """flow → the doc that holds its generated block (every block found in docs/dialogs)."""
    found: dict[str, Path] = {}
    for path in sorted(DOCS.glob("*.md")):
        for flow in re.findall(r"<!-- wizard:([\w.-]+)\b", path.read_text(encoding="utf-8")):
            found[flow] = path
    return found


def stale(catalog: Catalog | None = None) -> list[str]:
    """Flows whose committed block differs from the declaration, or that have no block."""
    catalog = catalog or default_catalog()
    where = documented()
    problems = []
    for flow in dialog_flows():
        path = where.get(flow)
        if path is None:
            problems.append(f"{flow}: no <!-- wizard:{flow} --> block in docs/dialogs/")
            continue
        match = _pattern(flow).search(path.read_text(encoding="utf-8"))
        if match is None or match.group(0) != block(WIZARDS[flow], catalog):
            problems.append(f"{flow}: {path.relative_to(ROOT)} differs from the declaration")
    return problems


def write(catalog: Catalog | None = None) -> list[Path]:
    """Rewrite every generated block in place; returns the docs changed."""
    catalog = catalog or default_catalog()
    changed = []
    for flow, path in documented().items():
        if flow not in WIZARDS:
            continue
        text = path.read_text(encoding="utf-8")
        found = _pattern(flow).search(text)
        if found is None:
            continue
        new = text[: found.start()] + block(WIZARDS[flow], catalog) + text[found.end() :]
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def dialog_flows() -> list[str]:
    """The product's declared dialogs (those of ``handlers``; tests may declare others)."""
    return sorted(f for f, w in WIZARDS.items() if w.submit.__module__.startswith("handlers."))
