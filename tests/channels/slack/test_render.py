"""Block Kit rendering: golden JSON per reply kind, and Slack's limits on oversize input.

Regenerate the golden files after an intended change with ``KYODO_REGOLD=1 pytest …``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.channels.slack import render
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

GOLDEN = Path(__file__).parent / "golden"
TZ = ZoneInfo("Asia/Tokyo")

CARD = Card(
    title="Clean-up walk",
    body="Join us <everyone> & bring gloves",
    fields=(("Date", "12/01 10:00"), ("Area", "North")),
    buttons=(
        Button(label="Claim", data="k1:sa:1", style="primary"),
        Button(label="Cancel", data="k1:sc:1", style="danger"),
        Button(label="Details", data="k1:sd:1"),
    ),
    badge="Recruiting",
)

CASES = {
    "text": [Text(text="Hello *world* <@U1>")],
    "choices": [
        Choices(
            text="Pick one",
            buttons=(Button(label="Yes", data="k1:sy:1"), Button(label="No", data="k1:sn:1")),
        )
    ],
    "card": [CARD],
    "carousel": [
        Carousel(
            alt_text="2 initiatives",
            cards=(CARD, Card(title="Second")),
            more=Button(label="More", data="k1:sm:2"),
        )
    ],
    "datetime": [
        DatetimeRequest(
            text="When?",
            label="Pick",
            data="k1:st:3",
            initial="2026-12-01T10:30",
            cancel=Button(label="Stop", data="k1:sx:3"),
        )
    ],
    "errors_in_message": [FormErrors(errors=(("title", "Too long"),))],
}

FORM = Form(
    title="New idea call",
    submit_label="Create",
    data="k1:sf:9",
    fields=(
        FormField(name="title", label="Title", max_length=80, initial="Benches"),
        FormField(name="problem", label="Problem", input="textarea", hint="Why?"),
        FormField(
            name="category",
            label="Category",
            input="select",
            options=(("env", "Environment"), ("kids", "Children")),
            initial="kids",
        ),
        FormField(
            name="areas",
            label="Areas",
            input="multiselect",
            options=(("n", "North"), ("s", "South")),
            initial=("s",),
            required=False,
        ),
        FormField(name="deadline", label="Deadline", input="datetime", initial="2026-12-01T10:30"),
        FormField(name="day", label="Day", input="date", initial="2026-12-02", required=False),
        FormField(name="capacity", label="Capacity", input="number", initial=20, required=False),
    ),
)


def golden(name: str, data) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("KYODO_REGOLD"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name} (run with KYODO_REGOLD=1)"
    assert json.loads(path.read_text(encoding="utf-8")) == data


def valid_blocks(blocks) -> None:
    """slack_sdk's own model classes check the documented element limits."""
    for block in blocks:
        Block.parse(block).validate_json()


@pytest.mark.parametrize("name", sorted(CASES))
def test_messages_match_golden_json(name):
    msgs = render.messages(CASES[name], TZ)
    golden(f"message_{name}", msgs)
    for m in msgs:
        assert m["text"].strip()
        valid_blocks(m["blocks"])


def test_modal_matches_golden_json_and_slack_models():
    view = render.modal(FORM, TZ, close_label="Close", required_mark=" (required)")
    golden("modal_form", view)
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"]}
    assert labels["title"] == "Title (required)" and labels["areas"] == "Areas"  # optional: Slack
    View(**view).validate_json()
    deadline = view["blocks"][4]["element"]
    assert deadline["initial_date_time"] == 1796088600  # 2026-12-01 10:30 in Tokyo


def test_form_errors_ack_matches_golden_and_unknown_fields_go_to_the_first_block():
    errors = FormErrors(errors=(("title", "Too long"), ("ghost", "Odd")))
    ack = render.form_errors(errors, ["title", "problem"])
    golden("form_errors_ack", ack)
    assert ack == {"response_action": "errors", "errors": {"title": "Too long Odd"}}


def test_text_is_escaped_so_user_text_cannot_mention_or_link():
    (msg,) = render.messages([Text(text="<!channel> & <http://x|y>")], TZ)
    assert msg["blocks"][0]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"


def test_submitted_values_parse_to_neutral_values():
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Benches"}},
        "empty": {"empty": {"type": "plain_text_input", "value": None}},
        "category": {"category": {"type": "static_select", "selected_option": {"value": "kids"}}},
        "areas": {
            "areas": {
                "type": "multi_static_select",
                "selected_options": [{"value": "n"}, {"value": "s"}],
            }
        },
        "deadline": {"deadline": {"type": "datetimepicker", "selected_date_time": 1796088600}},
        "day": {"day": {"type": "datepicker", "selected_date": "2026-12-02"}},
        "capacity": {"capacity": {"type": "number_input", "value": "20"}},
    }
    assert render.parse_values(state, TZ) == {
        "title": "Benches",
        "empty": None,
        "category": "kids",
        "areas": ["n", "s"],
        "deadline": "2026-12-01T10:30",
        "day": "2026-12-02",
        "capacity": "20",
    }


# ---------------------------------------------------------------- limits
def test_long_texts_and_labels_are_cut_to_slack_limits():
    long = "あ" * 7000
    card = Card(
        title=long,
        body=long,
        fields=tuple((f"k{i}", long) for i in range(15)),
        buttons=(Button(label=long, data="k1:sb:1"),),
        badge=long,
    )
    (msg,) = render.messages([Text(text=long), card], TZ)
    valid_blocks(msg["blocks"])
    sections = [b for b in msg["blocks"] if b["type"] == "section"]
    assert all(len(s.get("text", {}).get("text", "")) <= 3000 for s in sections)
    assert "".join(s["text"]["text"] for s in sections[:3]) == long  # a long Text continues
    header = next(b for b in msg["blocks"] if b["type"] == "header")
    assert len(header["text"]["text"]) == 150
    assert len(sections[-1]["fields"]) == 10
    button = msg["blocks"][-1]["elements"][0]
    assert len(button["text"]["text"]) == 75
    assert len(msg["text"]) <= render.FALLBACK_TEXT


def test_many_buttons_are_split_into_actions_blocks_of_25_with_unique_ids():
    buttons = tuple(Button(label=f"b{i}", data=f"k1:sb:{i}") for i in range(60))
    (msg,) = render.messages([Choices(text="many", buttons=buttons)], TZ)
    actions = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 25, 10]
    for a in actions:
        ids = [e["action_id"] for e in a["elements"]]
        assert len(ids) == len(set(ids))
    valid_blocks(msg["blocks"])


def test_a_long_carousel_is_split_into_messages_of_at_most_50_blocks():
    cards = tuple(CARD for _ in range(30))
    msgs = render.messages([Carousel(alt_text="many", cards=cards), Text(text="end")], TZ)
    assert len(msgs) > 1
    assert all(len(m["blocks"]) <= 50 for m in msgs)
    assert sum(len(m["blocks"]) for m in msgs) == 30 * 4 + 29 + 1
    assert all(m["text"] for m in msgs)


def test_views_are_cut_to_100_blocks_and_modal_texts_to_24():
    cards = tuple(CARD for _ in range(40))
    home = render.home_view([Carousel(alt_text="x", cards=cards)], TZ)
    assert len(home["blocks"]) == 100
    form = Form(
        title="x" * 40,
        submit_label="y" * 40,
        data="k1:sf:1",
        fields=tuple(FormField(name=f"f{i}", label="L") for i in range(120)),
    )
    view = render.modal(form, TZ, close_label="z" * 40)
    assert len(view["blocks"]) == 100
    assert [len(view[k]["text"]) for k in ("title", "submit", "close")] == [24, 24, 24]
    View(**view).validate_json()


def test_form_data_longer_than_private_metadata_is_refused():
    with pytest.raises(ValueError):
        render.modal(Form(title="t", fields=(), submit_label="s", data="x" * 3001), TZ)


def test_datetime_request_with_oversize_data_degrades_to_text_and_cancel():
    req = DatetimeRequest(
        text="When?", label="Pick", data="k1:" + "x" * 290, cancel=Button(label="Stop", data="c")
    )
    (msg,) = render.messages([req], TZ)
    kinds = [e["type"] for e in msg["blocks"][-1]["elements"]]
    assert kinds == ["button"]
    valid_blocks(msg["blocks"])
