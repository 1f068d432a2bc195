"""The やさしい日本語 register (catalog language ``easy``) follows the guidelines' rules.

Rules and sources: tests/support/easy_japanese.py. Every resident-facing domain has an ``easy``
text for every key; each sentence is checked and a failure names the key and the rule.
"""

from __future__ import annotations

import warnings

from bot.i18n import default_catalog
from tests.support.easy_japanese import (
    long_sentences,
    problems,
    sentences,
    unread_words,
    word_set,
)

RESIDENT_DOMAINS = (
    "common",
    "ideas",
    "initiatives",
    "line",
    "meetings",
    "moderation",
    "outcomes",
    "privacy",
    "profiles",
    "wizard",
)

# Kanji words the やさしい texts used before this check existed, still without 漢字(かんじ).
# The list may only shrink: a new text with a new unread word fails; a word no text uses any
# more must leave the list (test_the_pending_readings_list_only_shrinks).
PENDING_READINGS = word_set(
    """
    お知らせ お送り お願い その他 もう一度 一時 一緒 一覧 一言 一部 上限 下書き 不参加 不適切 主体 事業 事項 以上 以内 会 伝え 使え 例 保存 修正 個人 個別
    停止 働 働先 元 先 先の日 入れ 全域 公開 出す 出力 出席 出欠 分野 分間 前日 勧誘 区内 匿名 協 友だち 取り下げ 取り下げる 取り扱い 取り消し 取り消す
    取り消せ 受け取れ 合い 合っ 合わ 合計 名 問い合わせ 回答 土 報告 変え 変える 変わっ 変わり 多 多い 大学 始まり 実施 宣伝 対応 届き 履歴 工夫 市民 席
    店 度 引き継ぎ 形 待ち 必要 思い 情報 意見 成果 戻す 所属 手伝っ 担当 招待 持ち物 採用 探す 推移 操作 教え 数 数字 新しい 方針 日本 時刻 更新 最近
    月曜 有効 期間 木 未 未定 本人 本当に 案内 検討 止まっ 止まり 正しく 水 決まっ 決め 決定 活動 消え 混み 済み 準備 火 無効 状態 状況 用 申し込み
    申し込む 申し込め 申し込ん 画面 番目 目標 相手 相談 知らせ 知らせる 種類 空き 答え 管理 範囲 終え 終える 終わっ 終わり 終了 結果 絵文字 締め切っ 締め切り
    締め切る 締切 編集 繰り上げ 者 聞い 聞か 背景 自治 行け 表示 補欠 見え 見える 見つかり 見送り 解除 言っ 言語 訓練 記号 記録 設定 試し 話し 読みとれ
    読む 読め 課題 賛同 質問 追加 退会 過ぎ 金 開い 開か 開く 関心 防災 非
    """
)


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
        for p in problems(key, text):
            if p.rule.startswith("kanji without a reading"):
                words = set(p.rule.split(": ", 1)[1].split("・")) - PENDING_READINGS
                if not words:
                    continue
            found.append(str(p))
        long += [f"{key}: {s}" for s in long_sentences(text)]
    if long:
        warnings.warn(
            f"{len(long)} やさしい sentences above 24 characters, e.g. {long[0]}", stacklevel=1
        )
    assert found == [], "\n".join(found)


def test_the_pending_readings_list_only_shrinks():
    used = {w for _, text in easy_entries() for s in sentences(text) for w in unread_words(s)}
    assert sorted(PENDING_READINGS - used) == [], "these words now have readings: drop them"


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
    assert rules("「{title}」に 参加しました（{n}人）。") == []
