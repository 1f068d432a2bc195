"""The やさしい日本語 register (catalog language ``easy``) follows the guidelines' rules.

Rules and sources: tests/support/easy_japanese.py. Every resident-facing domain has an ``easy``
text for every key; each sentence is checked — readings included, with no list of pending
words — and a failure names the key and the rule.
"""

from __future__ import annotations

import warnings

from bot.i18n import default_catalog
from tests.support.easy_japanese import RESIDENT_DOMAINS, long_sentences, problems


def easy_entries() -> list[tuple[str, str]]:
    catalog = default_catalog()
    return [
        (key, catalog.raw(key)["easy"])
        for key in catalog.message_keys()
        if key.split(".")[0] in RESIDENT_DOMAINS and "easy" in catalog.raw(key)
    ]


def test_every_resident_facing_key_has_an_easy_text():
    catalog = default_catalog()
    missing = [
        key
        for key in catalog.message_keys()
        if key.split(".")[0] in RESIDENT_DOMAINS
        and not key.split(".")[1].startswith("kw_")  # typed words match in every register
        and not catalog.raw(key).get("easy")
    ]
    assert missing == [], f"keys without a やさしい日本語 (easy) text: {missing}"


def test_the_easy_register_follows_the_rules():
    found = []
    long = []
    for key, text in easy_entries():
        found += [str(p) for p in problems(key, text)]
        long += [f"{key}: {s}" for s in long_sentences(text)]
    if long:
        warnings.warn(
            f"{len(long)} やさしい sentences above 24 characters, e.g. {long[0]}", stacklevel=1
        )
    assert found == [], "\n".join(found)


def test_the_checker_fails_a_long_sentence_naming_the_key_and_the_rule():
    text = "この 取組に 参加する 人は、あした までに 集合場所と 持ち物を 必ず 確認して ください。"
    (long,) = [p for p in problems("x.long", text, readings=False) if "longer" in p.rule]
    assert long.key == "x.long" and "longer than 30 characters" in str(long)
    assert problems("x.short", "参加を 受け付けました。", readings=False) == []


def test_the_checker_knows_each_rule():
    def rules(text: str) -> list[str]:
        return [p.rule for p in problems("k", text)]

    assert any("kanji" in r for r in rules("東京都特別区杉並区役所地域課協働推進係担当です。"))
    assert rules("行かないわけでは ありません。") == ["double negative"]
    assert rules("ご確認いただけます。") == ["honorific or humble form"]
    assert rules("参加を 受け付けた。") == ["not a です・ます ending"]
    assert rules("受付は 終了(しゅうりょう)しました。") == []
    assert rules("受付は 終了しました。") == ["kanji without a reading: 終了"]
    assert rules("いまは 準備中です。お店で 送ります。") == []  # common words the tokenizer splits
    assert rules("いまは 準備です。") == ["kanji without a reading: 準備"]
    assert rules("「{title}」に 参加しました（{n}人）。") == []
