"""Every user-facing word comes from the catalog, in Japanese and English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.i18n import LANGUAGES, Catalog, default_catalog
from tests.support.easy_japanese import PUBLIC_DOMAINS, RESIDENT_DOMAINS

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


# ---------------------------------------------------------------- ふつうの日本語: no 分かち書き
# A Japanese letter: hiragana, katakana (with ー, not the list dot ・) or kanji.
JA_LETTER = r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\u3400-\u4dbf\u4e00-\u9fff々〆]"
PHRASE_SPACE = re.compile(rf"(?<={JA_LETTER})[ \u3000]+(?={JA_LETTER})")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def phrase_spaces(text: str) -> list[str]:
    """Phrase spacing in a ふつう text: a space (ASCII or full-width) with a Japanese letter on
    both sides, shown with one letter either side. Layout is not phrase spacing: a space next
    to a placeholder (「参加者 {n}人」, the value may be Latin or digits), a Latin word or a digit
    (「LINE の」, 「1 件」), or punctuation that separates fields or languages
    (「／ 目標」, 「）\u3000推移」, 「。 / Choose」); line breaks are ``\\n``, not spaces."""
    masked = PLACEHOLDER.sub("{}", text)
    return [masked[m.start() - 1 : m.end() + 1] for m in PHRASE_SPACE.finditer(masked)]


def spacing_problems(catalog: Catalog) -> list[str]:
    """Each resident-facing or public ``ja`` text with phrase spacing, naming the key and the
    spot."""
    return [
        f"{key}: phrase spacing in ふつうの日本語: 「{hit}」"
        for key in catalog.message_keys()
        if key.split(".")[0] in RESIDENT_DOMAINS + PUBLIC_DOMAINS
        and not key.split(".")[1].startswith("kw_")  # typed words: matched as people type them
        for hit in phrase_spaces(catalog.raw(key)["ja"])
    ]


def test_futsu_texts_of_resident_facing_keys_have_no_phrase_spacing():
    assert spacing_problems(default_catalog()) == []


def test_the_phrase_spacing_rule_fails_a_spaced_text_naming_the_key_and_allows_layout():
    spaced = Catalog({"common.x": {"ja": "ボタンを 押してください。", "en": "Tap a button."}})
    assert spacing_problems(spaced) == ["common.x: phrase spacing in ふつうの日本語: 「を 押」"]
    assert phrase_spaces("なにを\u3000しますか？") == ["を\u3000し"]
    staff_only = Catalog({"staff.x": {"ja": "ボタンを 押す", "en": "Tap"}})
    assert spacing_problems(staff_only) == []  # staff domains are not resident-facing
    public = Catalog({"public.x": {"ja": "まだ ありません。", "en": "None yet."}})
    assert spacing_problems(public) == ["public.x: phrase spacing in ふつうの日本語: 「だ あ」"]
    layout = (
        "参加者 {n}人・{actual} ／ 目標 {target}（{percent}%）\u3000推移 {trend}\n"
        "LINE の上限です。1 件ずつ送ってください。 / Send them one by one."
    )
    assert phrase_spaces(layout) == []
    assert phrase_spaces("日本語で表示します。") == []
