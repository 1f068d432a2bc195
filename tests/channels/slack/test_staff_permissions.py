"""Every staff button and form over real signed Slack requests, from someone who isn't staff.

The same table as ``tests/safety/test_permission_table.py`` (read from the router, so a new
action or form is covered without editing this file), sent as Slack would send it: a
``block_actions`` press or a ``view_submission`` whose ``private_metadata`` is the packed
form. Two outsiders: a workspace member outside the staff user group, and a Slack Connect
guest from another organisation (no user group configured: every *workspace* member is
staff, the guest is not). Nothing changes beyond the dedupe row, and no Web API call carries
a participant's name, their join message or an anonymous author's name.
"""

from __future__ import annotations

import json
import time

import pytest

from bot.core.actions import pack
from tests.channels.slack.conftest import STAFF_CHANNEL
from tests.safety.test_permission_table import (
    DENIED,
    FORM_VALUES,
    SECRET_NAMES,
    changes,
    forged,
    registered,
    seed,
    snapshot,
)

OUTSIDERS = {
    "non-staff member": ("UNOSTAFF", "T1", {"SLACK_STAFF_USERGROUP_ID": "S1"}),
    "Slack Connect guest": ("UGUEST", "TOTHER", {}),
}
STAFF_ONLY = sorted(DENIED)


def press(slack, user: str, team: str, value: str):
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": f"u{user}", "team_id": team},
        "team": {"id": "T1", "domain": "kyodo"},
        "api_app_id": "A1",
        "trigger_id": f"trigger-{user}-{time.monotonic_ns()}",
        "response_url": slack.standin.response_url("press"),
        "container": {"type": "message", "channel_id": STAFF_CHANNEL, "message_ts": "1.000001"},
        "channel": {"id": STAFF_CHANNEL},
        "message": {"ts": "1.000001", "text": "x"},
        "actions": [
            {"type": "button", "action_id": "b0", "block_id": "blk", "value": value,
             "action_ts": "1700000001.000001"}
        ],
    }  # fmt: skip
    return slack.interaction(payload)


def submit(slack, user: str, team: str, data: str):
    state = {
        name: {name: {"type": "plain_text_input", "value": json.dumps(value)}}
        if not isinstance(value, str)
        else {name: {"type": "plain_text_input", "value": value}}
        for name, value in FORM_VALUES.items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user, "username": f"u{user}", "team_id": team},
        "api_app_id": "A1",
        "trigger_id": f"trigger-view-{user}-{time.monotonic_ns()}",
        "view": {
            "id": "VFORGED",
            "type": "modal",
            "callback_id": "kyodo_form",
            "private_metadata": data,
            "blocks": [],
            "state": {"values": state},
            "hash": "h1",
        },
    }
    return slack.interaction(payload)


def first_contact(slack, user: str, team: str) -> None:
    """The outsider has written to Kyodo before (their person row exists already)."""
    event = {
        "type": "message",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "user_team": team,
        "text": "ヘルプ",
        "ts": "1700000000.000100",
    }
    assert slack.event(event).status_code == 200
    slack.drain()


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
@pytest.mark.parametrize("name", STAFF_ONLY)
def test_a_staff_button_or_form_from_an_outsider_changes_nothing(
    make_slack, engine, clock, who, name
):
    user, team, env = OUTSIDERS[who]
    slack = make_slack(**env)
    slack.standin.usergroups["S1"] = ["USTAFF"]
    ids = seed(slack.runtime, clock)
    first_contact(slack, user, team)
    cls = registered()[name]
    data = pack(forged(cls, ids))
    before_calls = len(slack.standin.calls)
    before = snapshot(engine)
    is_form = cls in slack.runtime.dispatcher.router.forms
    response = submit(slack, user, team, data) if is_form else press(slack, user, team, data)
    slack.drain()
    assert response.status_code == 200
    assert changes(before, snapshot(engine)) == []
    sent = json.dumps([c.args for c in slack.standin.calls[before_calls:]], ensure_ascii=False)
    for secret in SECRET_NAMES:
        assert secret not in sent, f"{name} from a {who} sent {secret!r}"


def test_control_the_same_press_from_staff_does_change_things(make_slack, engine, clock):
    """The forged press is well aimed: from a workspace member (staff) it changes the status."""
    slack = make_slack()
    ids = seed(slack.runtime, clock)
    data = pack(forged(registered()["SetStatus"], ids))
    first_contact(slack, "UGUEST", "TOTHER")
    before = snapshot(engine)
    press(slack, "UGUEST", "TOTHER", data)
    assert changes(before, snapshot(engine)) == []
    first_contact(slack, "USTAFF", "T1")
    before = snapshot(engine)
    press(slack, "USTAFF", "T1", data)
    assert changes(before, snapshot(engine)) != []
