"""Every request the Slack manifest could bring is answered 200: Slack retries a 404 and counts
it against the app. Revoked tokens and an uninstall stop Slack sending and alert in the logs."""

from __future__ import annotations

import logging

import pytest

from bot.core.replies import Text

EVENTS = [
    {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1", "ts": "1.1"},
    {"type": "member_joined_channel", "user": "U1", "channel": "C1"},
    {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "about"},
    {"type": "reaction_added", "user": "U1", "reaction": "+1", "item": {"type": "message"}},
    {"type": "channel_created", "channel": {"id": "C2", "name": "x"}},
]
INTERACTIONS = [
    {"type": "shortcut", "callback_id": "any", "trigger_id": "t1"},
    {"type": "message_action", "callback_id": "any", "trigger_id": "t2", "channel": {"id": "C1"}},
    {"type": "view_closed", "view": {"id": "V1", "callback_id": "any"}, "is_cleared": False},
    {"type": "block_suggestion", "action_id": "a", "block_id": "b", "value": "q"},
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e["type"])
def test_every_event_type_is_acknowledged(make_slack, event):
    slack = make_slack()
    assert slack.event(event).status_code == 200


@pytest.mark.parametrize("payload", INTERACTIONS, ids=lambda p: p["type"])
def test_every_interaction_type_is_acknowledged(make_slack, payload):
    slack = make_slack()
    common = {"user": {"id": "U1", "team_id": "T1"}, "team": {"id": "T1"}, "token": "legacy"}
    assert slack.interaction({**common, **payload}).status_code == 200


@pytest.mark.parametrize("kind", ["tokens_revoked", "app_uninstalled"])
def test_revoked_or_uninstalled_stops_slack_sending_and_alerts(make_slack, standin, caplog, kind):
    slack = make_slack()
    event = {"type": kind}
    if kind == "tokens_revoked":
        event["tokens"] = {"bot": ["UBOT"]}
    with caplog.at_level(logging.INFO):
        assert slack.event(event).status_code == 200
    [alert] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert kind in alert.getMessage() and "stopped" in alert.getMessage()

    messenger = slack.runtime.dispatcher.messengers["slack"]
    before = len(standin.of("chat.postMessage", ok_only=False))
    delivery = slack.client.portal.call(
        lambda: messenger.push("U1", [Text(text="x")], retry_key="k")
    )
    staff = slack.client.portal.call(
        lambda: messenger.post_staff([Text(text="x")], thread_key=None, update=False)
    )
    assert delivery.status.name == "FAILED" and staff.status.name == "FAILED"
    assert len(standin.of("chat.postMessage", ok_only=False)) == before
