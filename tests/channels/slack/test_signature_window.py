"""Slack's replay window is five minutes each way (issue 22: only "301 s old" was tested, so a
stricter window — refusing Slack's own slow retries — went unnoticed)."""

from __future__ import annotations

import json
import time

from tests.conftest import count


def _home_event(event_id: str) -> str:
    home = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    return json.dumps(
        {"type": "event_callback", "team_id": "T1", "event": home, "event_id": event_id}
    )


def test_a_request_signed_four_and_a_half_minutes_ago_is_accepted(make_slack, engine):
    slack = make_slack()
    r = slack.post(_home_event("E-old"), "application/json", timestamp=int(time.time()) - 270)
    assert r.status_code == 200
    assert count(engine, "processed_event") == 1


def test_a_request_from_the_future_beyond_the_window_is_refused(make_slack, engine):
    slack = make_slack()
    r = slack.post(_home_event("E-new"), "application/json", timestamp=int(time.time()) + 301)
    assert r.status_code == 401
    assert count(engine, "processed_event") == 0
