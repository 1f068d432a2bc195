"""Rules for the やさしい日本語 register (catalog language ``easy``), checked in the suite.

From 在留支援のためのやさしい日本語ガイドライン (出入国在留管理庁・文化庁, 2020) and 弘前大学
社会言語学研究室's guide: short sentences (≤ 30 characters after removing readings; above 24 is
worth a look), ≤ 13 kanji per sentence, no double negatives, no honorific or humble forms,
です・ます endings, and a reading in parentheses — 漢字(かんじ) — for kanji words outside a short
common list. ``problems(key, text)`` returns (key, rule, sentence) for each broken rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Catalog domains residents read (staff, slack, dashboard, audit, … are read by staff, in ふつう).
RESIDENT_DOMAINS = (
    "common",
    "evaluations",
    "ideas",
    "initiatives",
    "line",
    "meetings",
    "moderation",
    "mydata",
    "outcomes",
    "privacy",
    "profiles",
    "wizard",
)
# Public domains read by anyone in ja or en (the public page and open data): no やさしい text,
# but their ふつう ``ja`` is checked for phrase spacing like the resident domains'.
PUBLIC_DOMAINS = ("open_data", "public")

MAX_CHARS = 30
WARN_CHARS = 24
MAX_KANJI = 13

KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]")
READING = re.compile(r"[(（][\u3041-\u309fー]+[)）]")  # 漢字(かんじ)
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:/._\-]*(?: [A-Za-z][A-Za-z0-9]*)*")
SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
POLITE_END = re.compile(
    r"(です|ます|ました|ません|でした|ください|ましょう|でしょう|ませんか|ですか|ますか|ましたか|"
    r"ありがとうございます|ありがとうございました|ませんでした|でしたか|どうぞ)[」』）)]*[。！？!?]$"
)
DOUBLE_NEGATIVE = re.compile(
    r"ないわけでは|なくもな|なくはな|ないことはな|ないとは限ら|ざるを得|なければなら|なくてはいけ|"
    r"なくてはなら|ないでもな"
)
HONORIFIC = re.compile(
    r"いただ|頂き|頂く|申し上げ|申します|存じ|ござい(?!ます。?$)|おります|伺|拝見|拝借|承り|賜|"
    r"召し上が|おっしゃ|いらっしゃ|ご覧|くださいませ|させていただ"
)
TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)](?=[。！？!?]$)")
QUOTED_ANSWER = re.compile(r"「[^」]+」[。]$")  # 「なければ「とばす」。」: the word to send


# Kanji words a reader of this service meets on every screen (the menu, the cards): they are
# taught by use and need no reading. Everything else gets 漢字(かんじ) once per sentence.
def word_set(text: str) -> frozenset[str]:
    """Space-separated words of a literal block."""
    return frozenset(text.split())


COMMON = word_set(
    """
    日本語 英語 区 区役所 職員 町会 団体 取組 参加 投稿 募集 募集中 完了 中止 準備中 予定 参加予定
    会議 集い 日時 場所 時間 名前 文字 入力 内容 説明 送信 確認 登録 変更 削除 通報 理由 同意
    一度 次 前 後 今 今日 明日 人 人数 定員 件 回 日 月 年 時 分 円 下 上 中 方 目 何 私
    本当 利用 使い方 自分 地域 区民 学校 お店 窓口 気軽 画像 連絡 受付 受け付け 手続き 手続
    全部 一つ 二つ 三つ 最初 最後 選ぶ 選択 入る 出る 見る 書く 送る 送れる 使う 作る 待つ 行く 来る
    来週 今週 先週 今月 来月 週 毎週 曜日 午前 午後 夜 朝 昼
    """
)


@dataclass(frozen=True)
class Problem:
    key: str
    rule: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.key}: {self.rule}: 「{self.sentence}」"


def plain(sentence: str) -> str:
    """The sentence as read: no readings, no phrase spaces, a placeholder counts as one."""
    s = READING.sub("", sentence)
    s = PLACEHOLDER.sub("○", s)
    s = LATIN.sub("○", s)  # a name or a URL (LINE Official Account Manager) reads as one unit
    return re.sub(r"[ \u3000]", "", s)


def sentences(text: str) -> list[str]:
    """Japanese sentences of a text (English halves of bilingual lines left out)."""
    out = []
    for part in SENTENCE_END.split(text):
        part = part.strip().lstrip("・•-【").strip()
        if part.startswith(("（", "(")) or part.endswith(("：", ":")):
            continue  # a note inside parentheses, or a label before a link
        if " / " in part:  # 「ことばを えらんでください。 / Choose your language.」
            part = part.split(" / ")[0].strip()
        if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", part):
            out.append(part)
    return out


@lru_cache(maxsize=1)
def _tokenizer():
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def _common_word_around(text: str, start: int, end: int) -> bool:
    """The kanji run holding this token, or お + the run, is a common word the tokenizer split
    (準備中 → 準備・中, お店 → お・店): it needs no reading either."""
    while start > 0 and KANJI.match(text[start - 1]):
        start -= 1
    while end < len(text) and KANJI.match(text[end]):
        end += 1
    word = text[start:end]
    return word in COMMON or (text[start - 1 : start] == "お" and "お" + word in COMMON)


def unread_words(sentence: str) -> list[str]:
    """Kanji words outside COMMON that carry no reading right after them."""
    text = PLACEHOLDER.sub("○", sentence).replace(" ", "")
    found = []
    pos = 0
    for token in _tokenizer().tokenize(text):
        surface = token.surface
        start = text.index(surface, pos)
        pos = start + len(surface)
        if not KANJI.search(surface):
            continue
        base = token.base_form if token.base_form != "*" else surface
        if surface in COMMON or base in COMMON or _common_word_around(text, start, pos):
            continue
        if READING.match(text, pos):
            continue
        # a reading after the next kanji token of a compound covers it (取組(とりくみ))
        rest = text[pos:]
        compound = re.match(r"[\u3400-\u9fff々]+[(（][\u3041-\u309fー]+[)）]", rest)
        if compound:
            continue
        found.append(surface)
    return found


def problems(key: str, text: str, *, readings: bool = True) -> list[Problem]:
    found: list[Problem] = []
    for raw in sentences(text):
        s = plain(raw)
        if len(s) > MAX_CHARS:
            found.append(Problem(key, f"longer than {MAX_CHARS} characters ({len(s)})", raw))
        kanji = len(KANJI.findall(s))
        if kanji > MAX_KANJI:
            found.append(Problem(key, f"more than {MAX_KANJI} kanji ({kanji})", raw))
        if DOUBLE_NEGATIVE.search(s):
            found.append(Problem(key, "double negative", raw))
        if HONORIFIC.search(re.sub("ありがとうございま(す|した)", "", s)):
            found.append(Problem(key, "honorific or humble form", raw))
        ending = TRAILING_NOTE.sub("", s)  # 「送ってください（80文字まで）。」
        if (
            re.search(r"[。！？!?]$", ending)
            and not POLITE_END.search(ending)
            and not QUOTED_ANSWER.search(ending)
        ):
            found.append(Problem(key, "not a です・ます ending", raw))
        if readings:
            words = unread_words(raw)
            if words:
                found.append(Problem(key, f"kanji without a reading: {'・'.join(words)}", raw))
    return found


def long_sentences(text: str) -> list[str]:
    """Sentences over the 24-character target (a warning, not a failure)."""
    return [raw for raw in sentences(text) if WARN_CHARS < len(plain(raw)) <= MAX_CHARS]
