"""Resident text reaching Slack: every ``text`` fallback and every block is escaped the same way.

Three layers: the escaping function itself; every payload the golden-file renderer tests
produce (the stored golden files, and the same replies with hostile text in every field); and
a real story — a LINE resident whose title and display name are hostile posts an initiative
and another joins — checked in every call the Slack Web API stand-in received.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from bot.channels.slack import render
from bot.channels.slack.escape import BIDI_CONTROLS, WORD_JOINER, escape, input_value, plain
from tests.channels.line.residents import resident
from tests.channels.slack.test_render import CASES, FORM, GOLDEN, TZ

HOSTILE_TITLE = "<!channel> 緊急 *全員* <@U0STAFF01> <https://evil.example|ok>"
HOSTILE_NAME = "\u202eアリス\u202c @here"
HOSTILE = HOSTILE_TITLE + " & \u2066x\u2069 @everyone "


# ---------------------------------------------------------------- the checker
_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
_MASS = re.compile(r"[@＠](channel|here|everyone)\b", re.I)


def problems(payload: Any, where: str = "") -> list[str]:
    """Every place in a Slack payload where text could ping, link or reorder."""
    found: list[str] = []
    if isinstance(payload, dict):
        text = payload.get("text")
        if isinstance(text, str):
            kind = "plain" if payload.get("type") == "plain_text" else "mrkdwn"
            if kind == "mrkdwn" and ("<" in text or ">" in text or _ENTITY.search(text)):
                found.append(f"{where}.text unescaped: {text[:80]!r}")
            if _MASS.search(text):
                found.append(f"{where}.text mass mention: {text[:80]!r}")
        for key, value in payload.items():
            found.extend(problems(value, f"{where}.{key}"))
    elif isinstance(payload, list):
        for i, value in enumerate(payload):
            found.extend(problems(value, f"{where}[{i}]"))
    elif isinstance(payload, str) and BIDI_CONTROLS & set(payload):
        found.append(f"{where} bidi control: {payload[:80]!r}")
    return found


def test_the_checker_can_fail():
    assert problems({"text": "<!channel>"})
    assert problems({"blocks": [{"type": "mrkdwn", "text": "a & b"}]})
    assert problems({"type": "plain_text", "text": "@here"})
    assert problems({"label": "\u202eabc"})
    assert not problems({"type": "plain_text", "text": "<b> & c"})  # shown literally by Slack
    assert not problems({"text": escape(HOSTILE)})


# ---------------------------------------------------------------- the function
def test_escape_neutralises_mentions_links_and_bidi():
    out = escape(HOSTILE_TITLE + " & \u202e @channel")
    assert out == (
        "&lt;!channel&gt; 緊急 *全員* &lt;@U0STAFF01&gt; &lt;https://evil.example|ok&gt; "
        f"&amp;  @{WORD_JOINER}channel"
    )
    assert escape("a &amp; b") == "a &amp;amp; b"  # user text that looks escaped stays visible
    assert escape("") == ""


def test_plain_text_and_input_values_keep_what_slack_shows_literally():
    assert plain("<b> & \u202ex @here") == f"<b> & x @{WORD_JOINER}here"
    assert input_value("<b> & \u2067x\u2069 @here") == "<b> & x @here"


# ---------------------------------------------------------------- every golden payload
def _hostile(value: Any) -> Any:
    """The same reply with hostile text in every human-readable field."""
    if isinstance(value, str):
        return HOSTILE + value
    if isinstance(value, tuple):
        return tuple(_hostile(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            if f.name in ("data", "name", "style", "input", "options"):
                continue
            if f.name == "initial" and getattr(value, "input", "text") not in ("text", "textarea"):
                continue
            changes[f.name] = _hostile(current)
        return dataclasses.replace(value, **changes)
    return value


def golden_payloads() -> dict[str, Any]:
    payloads: dict[str, Any] = {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(GOLDEN.glob("*.json"))
    }
    for name, replies in CASES.items():
        payloads[f"hostile message_{name}"] = render.messages([_hostile(r) for r in replies], TZ)
        payloads[f"hostile home_{name}"] = render.home_view([_hostile(r) for r in replies], TZ)
    payloads["hostile modal_form"] = render.modal(_hostile(FORM), TZ, close_label=HOSTILE)
    return payloads


PAYLOADS = golden_payloads()


def test_every_golden_file_is_walked():
    assert {p.name for p in GOLDEN.glob("*.json")} <= set(PAYLOADS)
    assert len(PAYLOADS) >= 2 * len(CASES) + 1


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_every_golden_payload_is_escaped(name):
    payload = PAYLOADS[name]
    assert problems(payload) == []
    if name.startswith("hostile"):
        dumped = json.dumps(payload, ensure_ascii=False)
        assert "&lt;!channel&gt;" in dumped or "<!channel>" in dumped  # the text is there


def test_a_hostile_initial_value_is_kept_for_editing_without_bidi_controls():
    view = PAYLOADS["hostile modal_form"]
    title = view["blocks"][0]["element"]["initial_value"]
    assert title.startswith("<!channel> 緊急")  # plain_text_input: shown and saved literally
    assert not BIDI_CONTROLS & set(title)


# ---------------------------------------------------------------- a real story
def post_initiative(person, title: str) -> None:
    person.menu("post")
    person.say(title)
    person.say("町会と いっしょに します。<!here> & <@U0STAFF01>")
    person.tap("防災・防犯")
    person.tap("阿佐谷")
    person.tap("人手")
    person.tap("決定(けってい)")
    person.tap("とばす")
    person.say("5人")
    person.tap("投稿する")
    assert "投稿しました" in person.text, person.text


def test_a_hostile_title_and_name_reach_slack_escaped_everywhere(both_channels):
    both = both_channels
    poster_id, joiner_id = "U" + "d" * 32, "U" + "e" * 32
    both.line_api.profiles.update({poster_id: HOSTILE_NAME, joiner_id: "<!channel>\u202e太郎"})
    poster = resident(both.line, both.line_api, poster_id)
    post_initiative(poster, HOSTILE_TITLE)
    joiner = resident(both.line, both.line_api, joiner_id)
    joiner.menu("browse")
    joiner.tap("参加したい")
    both.drain_outbox()
    calls = [c for c in both.slack_api.calls if c.method != "auth.test"]
    staff_posts = [c for c in calls if c.args.get("channel") == "CSTAFF"]
    assert staff_posts, [c.method for c in calls]
    assert any("緊急" in str(c.args) for c in staff_posts)  # the title did reach Slack
    for call in calls:
        assert problems(call.args, call.method) == []
