"""Staff help through signed ``/kyodo`` commands: staff see every staff command the router
registers, each with its line from the catalog and a button; residents keep the resident help.

The list is read from the router, so a new ``staff=True`` command without help text fails here,
and a command that checks ``require_staff`` but is not marked staff fails too."""

from __future__ import annotations

import inspect
import json
import re

import pytest

from bot.core.actions import pack
from handlers import build_router
from handlers.common import Menu
from tests.channels.slack.test_idea_call_staff_flow import values_of

STAFF = "UST"
RESIDENT = "URES"
# Two Japanese characters with a space between: the やさしい日本語 spacing staff text must not use.
SPACED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]\s+[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def slack(make_slack):
    s = make_slack(SLACK_STAFF_USERGROUP_ID="S1")
    s.standin.usergroups["S1"] = [STAFF]
    return s


def test_every_command_that_requires_staff_is_registered_as_staff():
    router = build_router()
    assert router.staff_commands, "no staff commands registered"
    guarded = {n for n, fn in router.commands.items() if "require_staff" in inspect.getsource(fn)}
    assert guarded == router.staff_commands


@pytest.mark.parametrize("text", ["help", "", "no-such-thing"])
def test_staff_help_lists_every_staff_command_with_its_line_and_button(slack, text):
    runtime = slack.runtime
    names = runtime.dispatcher.router.staff_commands
    slack.command(STAFF, text)
    (answer,) = slack.standin.of("response_url")
    body = answer.args["text"] + json.dumps(answer.args.get("blocks"), ensure_ascii=False)
    for name in sorted(names):
        about = runtime.catalog.text(f"staff.cmd_{name}", "ja")
        line = runtime.catalog.text("staff.help_line", "ja", name=name, about=about)
        assert line in body
    buttons = values_of(answer.args.get("blocks"))
    assert set(buttons.values()) == {pack(Menu(n)) for n in names}
    assert runtime.catalog.text("common.help", "ja") not in body  # not the resident help


def test_staff_help_button_opens_the_form(slack):
    slack.command(STAFF, "help")
    (answer,) = slack.standin.of("response_url")
    label = slack.runtime.catalog.text("staff.btn_new_call", "ja")
    slack.press(STAFF, values_of(answer.args["blocks"])[label], channel="D1")
    (opened,) = slack.standin.of("views.open")
    assert opened.args["view"]["type"] == "modal"


def test_residents_keep_the_resident_help_without_staff_commands(slack):
    runtime = slack.runtime
    slack.command(RESIDENT, "help")
    (answer,) = slack.standin.of("response_url")
    body = answer.args["text"] + json.dumps(answer.args.get("blocks"), ensure_ascii=False)
    assert runtime.catalog.text("common.help", "ja").splitlines()[0] in body
    assert runtime.catalog.text("staff.help", "ja").splitlines()[0] not in body
    for name in runtime.dispatcher.router.staff_commands:
        assert f"/kyodo {name}" not in body


def test_staff_help_texts_are_plain_standard_japanese(slack):
    catalog = slack.runtime.catalog
    keys = [k for k in catalog.message_keys() if k.startswith("staff.")]
    assert keys
    for key in keys:
        ja = catalog.text(key, "ja", **{p: "x" for p in catalog.placeholders(key, "ja")})
        assert not SPACED.search(ja), (key, ja)
