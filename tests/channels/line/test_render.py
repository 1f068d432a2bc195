"""LINE rendering: golden JSON for each reply kind, and every LINE limit on the largest
realistic content (long Japanese titles, emoji, 12+ results, 14 choices, huge texts).

Regenerate the golden files after an intended change with KYODO_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from linebot.v3.messaging import PushMessageRequest

from bot.channels.line.limits import (
    MAX_ALT,
    MAX_BUBBLE_BYTES,
    MAX_BUBBLES,
    MAX_CAROUSEL_BYTES,
    clip,
    split_text,
    utf16_len,
)
from bot.channels.line.render import batches, render, to_dicts
from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Card,
    Carousel,
    Choices,
    DatetimeRequest,
    Form,
    FormErrors,
    FormField,
    Text,
)
from bot.i18n import default_catalog
from handlers.common import Menu

GOLDEN = Path(__file__).parent / "golden"
TR = default_catalog().translator("easy")  # the goldens were recorded in やさしい日本語
TR_EN = default_catalog().translator("en")

LONG_TITLE = "🌸【町会×NPO×小学校】みんなで つくる 駅前ひろば 花いっぱい プロジェクト 2026年度 春の植え付けボランティア大募集！🌷🌼"
LONG_BODY = (
    "駅前ひろばの花壇に、地域のみなさんと いっしょに 花を 植えます。👩‍👧 親子での参加も 大歓迎です。"
    * 60
)


def data(n: int) -> str:
    return pack(Menu(f"item{n}"))


def card(n: int) -> Card:
    return Card(
        title=f"{LONG_TITLE} #{n}",
        body=LONG_BODY,
        fields=(
            ("日時", "2026年12月1日（火）10:00〜12:00 🕙"),
            ("場所", "○○区立 みどり小学校 体育館（雨天時は 第二会議室）"),
            ("主催", "みどり町会・NPO法人 はなの輪"),
            ("定員", "30人（のこり 12人）"),
        ),
        buttons=(
            Button(label="参加する 🙋", data=data(n), style="primary"),
            Button(label="くわしく見る", data=data(n + 100)),
            Button(label="参加をやめる（キャンセル）", data=data(n + 200), style="danger"),
        ),
        badge="募集中",
    )


def walk(node: Any, key: str):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


def size(obj: Any) -> int:
    return len(json.dumps(obj).encode())


def assert_within_limits(messages: list[dict]) -> None:
    """Every LINE limit we know of, checked on the JSON that would be sent."""
    for m in messages:
        if m["type"] == "text":
            assert 0 < utf16_len(m["text"]) <= 5000
        if "quickReply" in m:
            items = m["quickReply"]["items"]
            assert 1 <= len(items) <= 13
            assert all(utf16_len(i["action"]["label"]) <= 20 for i in items)
        if m["type"] == "flex":
            assert utf16_len(m["altText"]) <= MAX_ALT
            contents = m["contents"]
            if contents["type"] == "carousel":
                assert len(contents["contents"]) <= MAX_BUBBLES
                assert size(contents) <= MAX_CAROUSEL_BYTES
                bubbles = contents["contents"]
            else:
                bubbles = [contents]
            for bubble in bubbles:
                assert size(bubble) <= MAX_BUBBLE_BYTES
                for button in walk(bubble, "action"):
                    assert utf16_len(button["label"]) <= 40
    for value in walk(messages, "data"):
        assert len(value) <= 300
    for value in walk(messages, "displayText"):
        assert len(value) <= 300
    for batch in batches(messages):
        assert 1 <= len(batch) <= 5
        PushMessageRequest.from_dict({"to": "U1", "messages": batch})  # the SDK accepts it


def assert_golden(name: str, messages: list[dict]) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(messages, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("KYODO_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path.name} missing (run with KYODO_UPDATE_GOLDEN=1)"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


# ---------------------------------------------------------------- golden shapes


def test_text_golden():
    out = to_dicts(render([Text(text="こんにちは 👋\n取組を さがしましょう。")], TR))
    assert_golden("text", out)
    assert_within_limits(out)


def test_choices_as_quick_replies_golden():
    choices = Choices(
        text="なにを しますか？",
        buttons=tuple(
            Button(label=TR(f"common.menu_{name}"), data=pack(Menu(name)))
            for name in ("browse", "post", "ideas", "plans", "me", "help")
        ),
    )
    out = to_dicts(render([Text(text="ようこそ"), choices], TR))
    assert_golden("choices_quick_reply", out)
    assert_within_limits(out)
    assert "quickReply" in out[-1]
    assert out[-1]["quickReply"]["items"][0]["action"]["data"] == "k1:c:browse"


def test_fourteen_choices_fall_back_to_a_numbered_list_with_buttons_golden():
    buttons = tuple(Button(label=f"{n}丁目（みどり町会）🏠", data=data(n)) for n in range(1, 15))
    out = to_dicts(render([Choices(text="どの 地区ですか？", buttons=buttons)], TR))
    assert_golden("choices_fourteen", out)
    assert_within_limits(out)
    assert "14. 14丁目" in out[0]["text"]
    datas = list(walk(out, "data"))
    assert datas == [b.data for b in buttons]  # every answer is still one tap away
    assert not any("quickReply" in m for m in out)


def test_long_labels_fall_back_and_keep_the_full_label_in_the_list():
    label = "とても 長い 選択肢の ラベルで 二十文字を こえています"
    out = to_dicts(
        render([Choices(text="えらんでください", buttons=(Button(label=label, data=data(1)),))], TR)
    )
    assert label in out[0]["text"]
    assert_within_limits(out)


def test_choices_before_another_reply_become_a_bubble_so_buttons_stay_visible():
    choices = Choices(text="参加しますか？", buttons=(Button(label="はい", data=data(1)),))
    out = to_dicts(render([choices, Text(text="あとで 決めても だいじょうぶです。")], TR))
    assert out[0]["type"] == "flex" and "quickReply" not in out[0]
    assert list(walk(out[0], "data")) == [data(1)]


def test_card_golden():
    small = Card(
        title="駅前ひろば 花いっぱい",
        body="花を 植えます。",
        fields=(("日時", "12月1日 10:00"), ("場所", "みどり小学校")),
        buttons=(Button(label="参加する", data=data(1), style="primary"),),
        badge="募集中",
    )
    out = to_dicts(render([small], TR))
    assert_golden("card", out)
    assert_within_limits(out)


def test_largest_card_stays_under_30kb_and_keeps_title_fields_and_buttons():
    huge = Card(
        title=LONG_TITLE,
        body=LONG_BODY * 10,
        fields=card(1).fields * 5,
        buttons=card(1).buttons,
        badge="募集中",
    )
    out = to_dicts(render([huge], TR))
    assert_within_limits(out)
    bubble = out[0]["contents"]
    assert LONG_TITLE in json.dumps(bubble, ensure_ascii=False)
    assert list(walk(bubble, "data")) == [b.data for b in huge.buttons]
    assert len(list(walk(bubble["body"], "layout"))) > 10  # field rows survived


def test_carousel_of_thirteen_results_with_more_golden():
    results = Carousel(
        alt_text="取組の 検索結果（13件）",
        cards=tuple(card(n) for n in range(1, 14)),
        more=Button(label="もっと見る", data=data(999)),
    )
    out = to_dicts(render([results], TR))
    assert_golden("carousel_thirteen", out)
    assert_within_limits(out)
    bubbles = [b for m in out for b in (m["contents"].get("contents") or [m["contents"]])]
    assert len(bubbles) == 14  # 13 cards + the "more" bubble, over several carousels
    assert list(walk(bubbles[-1], "data")) == [data(999)]
    assert len(out) >= 2


def test_datetime_request_golden():
    request = DatetimeRequest(
        text="集まる 日時を えらんでください。",
        label="日時をえらぶ",
        data=data(5),
        initial="2026-12-01T10:00",
        minimum="2026-11-24T10:00",
        cancel=Button(label="やめる", data=pack(Menu("cancel"))),
    )
    out = to_dicts(render([request], TR))
    assert_golden("datetime", out)
    assert_within_limits(out)
    picker = next(a for a in walk(out, "action") if a["type"] == "datetimepicker")
    assert picker["mode"] == "datetime"
    assert picker["initial"] == "2026-12-01T10:00" and picker["min"] == "2026-11-24T10:00"


def test_form_and_form_errors_golden():
    form = Form(
        title="取組の承認",
        fields=(FormField(name="note", label="メモ"),),
        submit_label="送る",
        data=data(1),
    )
    errors = FormErrors(
        errors=(("title", "タイトルを 入れてください。"), ("date", "日付が 過去です。"))
    )
    out = to_dicts(render([form, errors], TR))
    assert_golden("form", out)
    assert "Slack" in out[0]["text"]
    assert "タイトルを" in out[1]["text"]
    en = to_dicts(render([form], TR_EN))
    assert "Slack" in en[0]["text"] and "staff" in en[0]["text"]


# ---------------------------------------------------------------- limits


def test_text_is_split_at_5000_utf16_units_without_breaking_emoji():
    text = "あ" * 4999 + "😀" + "い" * 6000  # the emoji straddles the 5,000 boundary
    chunks = split_text(text)
    assert all(utf16_len(c) <= 5000 for c in chunks)
    assert "".join(chunks) == text
    assert "😀" in chunks[1]


def test_text_prefers_line_breaks():
    text = ("行" * 3000 + "\n") * 3
    chunks = split_text(text)
    assert [c.rstrip("\n") for c in chunks] == ["行" * 3000] * 3


def test_clip_counts_utf16():
    assert clip("😀" * 30, 20) == "😀" * 9 + "…"
    assert utf16_len(clip("😀" * 30, 20)) <= 20


def test_everything_at_once_goes_out_in_calls_of_five_in_order():
    replies = [
        Text(text="前置き"),
        Text(text="ながい お知らせ 📣" * 900),
        Carousel(alt_text="検索結果", cards=tuple(card(n) for n in range(30))),
        Choices(text="つぎは？", buttons=(Button(label="メニュー", data=data(1)),)),
    ]
    out = to_dicts(render(replies, TR))
    assert_within_limits(out)
    calls = batches(out)
    assert len(calls) >= 2
    assert [m for call in calls for m in call] == out
    assert "quickReply" in out[-1]


def test_oversized_button_data_is_dropped_not_sent():
    bad = Button(label="x", data="k1:" + "a" * 400)
    out = to_dicts(render([Card(title="t", buttons=(bad, Button(label="ok", data=data(1))))], TR))
    assert list(walk(out, "data")) == [data(1)]


def test_alt_text_is_clipped():
    out = to_dicts(render([Card(title="長" * 3000)], TR))
    assert utf16_len(out[0]["altText"]) <= MAX_ALT


@pytest.mark.parametrize("language", ["ja", "en"])
def test_fixed_words_come_from_the_catalog(language):
    tr = default_catalog().translator(language)
    more = Carousel(alt_text="r", cards=(card(1),), more=Button(label="more", data=data(2)))
    out = to_dicts(render([more], tr))
    assert tr("line.more_text") in json.dumps(out, ensure_ascii=False)


def test_each_card_bubble_of_a_carousel_is_serialised_once(monkeypatch):
    """Sizing a bubble for its 30 KB limit and packing it into a carousel share one to_dict."""
    from linebot.v3.messaging import FlexBubble

    calls = []
    original = FlexBubble.to_dict

    def counted(self):
        calls.append(id(self))
        return original(self)

    monkeypatch.setattr(FlexBubble, "to_dict", counted)
    messages = render([Carousel(alt_text="r", cards=tuple(card(n) for n in range(10)))], TR)
    assert messages
    assert len(calls) == 10 == len(set(calls))
