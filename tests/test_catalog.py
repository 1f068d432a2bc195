"""Every user-facing word comes from the catalog, in Japanese and English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.i18n import LANGUAGES, Catalog, default_catalog

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def test_every_message_has_japanese_and_english_with_the_same_placeholders():
    catalog = default_catalog()
    assert len(catalog.message_keys()) > 20
    for key in catalog.message_keys():
        texts = catalog.raw(key)
        for lang in LANGUAGES:
            assert texts.get(lang), f"{key} has no {lang} text"
        if not key.startswith("keywords."):
            assert catalog.placeholders(key, "ja") == catalog.placeholders(key, "en"), key


def test_catalog_falls_back_to_japanese_and_rejects_unknown_keys():
    catalog = Catalog({"x.hello": {"ja": "こんにちは {name}", "en": "Hello {name}"}})
    assert catalog.text("x.hello", "en", name="A") == "Hello A"
    assert catalog.translator("fr")("x.hello", name="A") == "こんにちは A"
    try:
        catalog.text("x.missing", "ja")
    except KeyError:
        pass
    else:
        raise AssertionError("unknown key accepted")


def japanese_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.name}:{node.lineno}: {node.value[:30]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and JAPANESE.search(node.value)
    ]


def test_handlers_and_channels_contain_no_message_literals():
    paths = list((ROOT / "handlers").rglob("*.py")) + list((ROOT / "bot").rglob("*.py"))
    found = [hit for path in paths for hit in japanese_literals(path)]
    assert found == []
