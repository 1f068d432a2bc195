"""履歴 speaks in words: every audit code the code writes has words in the catalog."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# f-string audit codes: the prefix and every value the code can put after it.
DYNAMIC = {
    "actor.": ("transferred", "archived"),
    "moderation.": ("keep", "restore", "suspend"),
    "participation.": ("joined", "waitlisted"),
}


def audit_codes() -> set[str]:
    """Every code passed to ``turn.audit(...)`` under handlers/, bot/, schedules/, storage/."""
    codes: set[str] = set()
    for top in ("handlers", "bot", "schedules", "storage"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "audit"
                    and node.args
                ):
                    continue
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    head = arg.values[0]
                    prefix = head.value if isinstance(head, ast.Constant) else ""
                    assert prefix in DYNAMIC, f"{path}: list the values of f{prefix!r}… in DYNAMIC"
                    codes |= {prefix + v for v in DYNAMIC[prefix]}
                else:
                    raise AssertionError(f"{path}:{node.lineno}: audit code is not a literal")
    return codes


def test_every_audit_code_in_the_code_has_words_in_the_catalog(make_slack):
    catalog = make_slack().runtime.catalog
    codes = audit_codes()
    assert {"initiative.post", "report.created", "moderation.auto_hidden"} <= codes
    keys = set(catalog.message_keys())
    missing = sorted(c for c in codes if "audit." + c.replace(".", "_") not in keys)
    assert missing == []
