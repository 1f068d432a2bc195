"""The staff register: what Kyodo says to ward staff is plain standard Japanese (no 分かち書き
spacing), from staff keys, and form errors speak of forms (「入力してください」, never
「送ってください」); required modal fields are marked 必須.

The app under test makes new people read やさしい日本語 (KYODO_DEFAULT_LANGUAGE=easy), so a
staff message that fell back to the resident register would be spaced and fail here.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.wizard import WIZARDS
from bot.core.wizard_fields import FORM_WORDING
from bot.i18n import default_catalog
from handlers import build_router
from tests.channels.slack.test_console import STAFF, fast_home, open_home
from tests.channels.slack.test_idea_call_staff_flow import form
from tests.support.initiatives import People, post

# Two Japanese characters with a space between: the やさしい日本語 phrase spacing.
SPACED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]\s+[\u3040-\u30ff\u4e00-\u9fff]")
CHAT_WORDING = ("送ってください", "ボタンから", "押してください")
STAFF_DOMAINS = ("staff", "dashboard", "slack")
TOKYO = ZoneInfo("Asia/Tokyo")


def spaced(text: str) -> list[str]:
    return [m.group(0) for m in SPACED.finditer(text)]


def test_every_staff_key_is_plain_japanese_with_its_own_key():
    catalog = default_catalog()
    keys = [k for k in catalog.message_keys() if k.split(".")[0] in STAFF_DOMAINS]
    assert len(keys) > 50
    for key in keys:
        ja = catalog.template(key, "ja")
        assert not spaced(ja), (key, ja)
    for chat_key, form_key in FORM_WORDING.items():
        assert form_key.startswith("staff."), form_key  # distinct from the resident key
        text = catalog.template(form_key, "ja")
        assert "入力" in text or "選択" in text, (form_key, text)
        assert not any(w in text for w in CHAT_WORDING), (form_key, text)
        assert catalog.placeholders(form_key, "ja") <= catalog.placeholders(chat_key, "ja")


def test_every_form_field_refusal_is_worded_for_a_form():
    """Each declared refusal of a field a staff form shows, as the form says it."""
    build_router()  # declares every wizard
    catalog = default_catalog()
    seen = 0
    for wizard in WIZARDS.values():
        if not wizard.forms:
            continue
        for field in wizard.asked(True):
            for name in ("error", "error_past", "error_order"):
                key = getattr(field, name, "")
                if not key:
                    continue
                seen += 1
                text = catalog.template(FORM_WORDING.get(key, key), "ja")
                assert not any(w in text for w in CHAT_WORDING), (wizard.flow, field.name, text)
                assert not spaced(text), (wizard.flow, field.name, text)
        for rule in wizard.rules:
            text = catalog.template(FORM_WORDING.get(rule.error, rule.error), "ja")
            assert not any(w in text for w in CHAT_WORDING), (wizard.flow, rule.error, text)
    assert seen > 10


def test_a_staff_modal_marks_required_fields_and_its_errors_speak_of_forms(make_slack, clock):
    slack = make_slack()
    slack.command(STAFF, "new_call")
    view = slack.standin.of("views.open")[-1].args["view"]
    for block in view["blocks"]:
        label = block["label"]["text"]
        assert label.endswith("（必須）") != block["optional"], label
        assert not spaced(label), label
    values = form(clock.now().astimezone(TOKYO) + timedelta(days=14))
    values["title"] = {"value": "あ" * 500}  # too long
    values["problem"] = {"value": ""}  # required
    errors = slack.submit(STAFF, view, values).json()["errors"]
    assert {"title", "problem"} <= set(errors)
    for text in errors.values():
        assert "入力してください" in text and not any(w in text for w in CHAT_WORDING), text
        assert not spaced(text), text


def test_what_staff_read_in_slack_is_plain_japanese(make_slack, engine):
    """App Home, staff help and a reply to a press, read by a staff member on Slack."""
    slack = make_slack()
    fast_home(slack)
    post(People(slack.runtime)("U-owner", "はなこ"), title="花壇づくり", desc="花壇を作ります。")
    home = open_home(slack)
    texts = [json.dumps(home, ensure_ascii=False)]
    slack.command(STAFF, "help")
    texts += [json.dumps(c.args, ensure_ascii=False) for c in slack.standin.of("response_url")]
    for text in texts:
        assert not spaced(text), spaced(text)
