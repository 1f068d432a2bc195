"""Bodies the JSON parser can't take, signed and unsigned, on every route that reads JSON.

Through the real app with LINE and Slack enabled (and the simulator's JSON routes): the answer
is 400 or 401, never 5xx; nothing is logged at error level (a warning with the reason, never the
body); nothing reaches the store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.channels.line.conftest import sign as line_sign
from tests.channels.line.conftest import text_event
from tests.channels.line.test_hostile_input import (
    HYPOTHESIS,
    MAX_DEPTH,
    invalid_encodings,
    nested_bodies,
)
from tests.channels.slack.conftest import SECRET as SLACK_SECRET
from tests.conftest import count

TABLES = ("inbox_event", "processed_event", "person", "channel_account", "outbox_message")


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def deep_object(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def line_shaped_deep(levels: int) -> bytes:
    """A LINE callback whose one event carries a deeply nested field."""
    event = json.dumps(text_event("U" + "7" * 32, "ヘルプ"))
    nested = deep(levels).decode()
    return ('{"destination":"Ubot","events":[' + event[:-1] + ',"x":' + nested + "}]}").encode()


BODIES = {
    "nested 1,000": deep(1_000),
    "nested 100,000": deep(100_000),
    "objects nested 1,000": deep_object(1_000),
    "LINE callback nested 1,000": line_shaped_deep(1_000),
    "invalid UTF-8": b'{"events": ["\xff\xfe\xc3"]}',
    "lone surrogate bytes": b'{"events": ["\xed\xa0\x80"]}',
    "not JSON": b"hello, world",
    "JSON array": b'[{"type": "event_callback"}]',
    "truncated": b'{"events": [',
}


def slack_form(payload: str) -> bytes:
    return urlencode({"payload": payload}).encode()


SLACK_BODIES = {
    **{name: (body, "application/json") for name, body in BODIES.items()},
    "form, payload not JSON": (slack_form("{not json"), "application/x-www-form-urlencoded"),
    "form, payload an array": (slack_form("[1, 2]"), "application/x-www-form-urlencoded"),
    "form, payload nested 1,000": (
        slack_form(deep(1_000).decode()),
        "application/x-www-form-urlencoded",
    ),
    "form, invalid UTF-8": (
        b"payload=%7B%22a%22%3A1%7D&x=\xff",
        "application/x-www-form-urlencoded",
    ),
    "text/plain, not JSON": (b"\x00\x01garbage", "text/plain"),
}


def stored(engine) -> dict[str, int]:
    return {table: count(engine, table) for table in TABLES}


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def slack_headers(body: bytes, content_type: str, signed: bool) -> dict[str, str]:
    headers = {"content-type": content_type}
    if signed:
        ts = str(int(time.time()))
        headers["x-slack-request-timestamp"] = ts
        base = b"v0:" + ts.encode() + b":" + body  # Slack signs the bytes it sends
        digest = hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers["x-slack-signature"] = "v0=" + digest
    return headers


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("name", list(BODIES))
def test_line_webhook_refuses_with_400(both_channels, engine, caplog, name, signed):
    body = BODIES[name]
    before = stored(engine)
    with caplog.at_level(logging.WARNING):
        response = both_channels.line.post(body, signature=line_sign(body) if signed else "bogus")
        both_channels.line.drain()
    assert response.status_code == 400, response.text
    assert errors(caplog) == []
    assert stored(engine) == before
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings, "a refused body leaves a warning with the reason"
    assert not any(body[:40].decode("utf-8", "replace") in w for w in warnings if len(body) > 8)


@pytest.mark.parametrize("name", list(SLACK_BODIES))
def test_slack_events_signed_but_unparseable_is_400(both_channels, engine, caplog, name):
    body, content_type = SLACK_BODIES[name]
    before = stored(engine)
    with caplog.at_level(logging.WARNING):
        response = both_channels.slack.client.post(
            "/slack/events", content=body, headers=slack_headers(body, content_type, True)
        )
        both_channels.slack.settle()
    if name == "text/plain, not JSON":
        assert response.status_code < 500  # Bolt's own answer to a form it has no listener for
    else:
        assert response.status_code == 400, response.text
        assert any("body refused" in r.getMessage() for r in caplog.records)
    assert errors(caplog) == []
    assert stored(engine) == before


@pytest.mark.parametrize("name", list(SLACK_BODIES))
def test_slack_events_unsigned_is_401_whatever_the_body(both_channels, engine, caplog, name):
    body, content_type = SLACK_BODIES[name]
    before = stored(engine)
    forged = slack_headers(body, content_type, True)
    forged["x-slack-signature"] = "v0=" + "0" * 64
    with caplog.at_level(logging.WARNING):
        unsigned = both_channels.slack.client.post(
            "/slack/events", content=body, headers=slack_headers(body, content_type, False)
        )
        bad = both_channels.slack.client.post("/slack/events", content=body, headers=forged)
        odd_ts = both_channels.slack.client.post(
            "/slack/events",
            content=body,
            headers={**forged, "x-slack-request-timestamp": "not-a-number"},
        )
    assert [unsigned.status_code, bad.status_code, odd_ts.status_code] == [401, 401, 401]
    assert errors(caplog) == []
    assert stored(engine) == before


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("path", ["/simulator/send", "/simulator/clock"])
def test_simulator_json_routes_refuse_with_400(client, engine, caplog, name, path):
    before = stored(engine)
    with caplog.at_level(logging.WARNING):
        response = client.post(
            path, content=BODIES[name], headers={"content-type": "application/json"}
        )
    assert response.status_code in (400, 422), response.text
    if "nested" in name or "UTF-8" in name or "surrogate" in name:
        assert response.status_code == 400  # refused before FastAPI's parser runs
        assert any("body refused" in r.getMessage() for r in caplog.records)
    assert errors(caplog) == []
    assert stored(engine) == before


def test_a_real_slack_body_still_gets_through(both_channels):
    """The guard lets ordinary (shallow) payloads through to Bolt."""
    response = both_channels.slack.post(
        json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"}),
        "application/json",
    )
    assert response.status_code == 200
    assert "abc" in response.text


@HYPOTHESIS
@given(case=nested_bodies(), signed=st.booleans())
def test_slack_events_nested_bodies_never_5xx(both_channels, engine, caplog, case, signed):
    body, depth = case
    before = stored(engine)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = both_channels.slack.client.post(
            "/slack/events",
            content=body,
            headers=slack_headers(body, "application/json", signed),
        )
        both_channels.slack.settle()
    assert response.status_code < 500
    assert errors(caplog) == []
    if not signed:
        assert response.status_code == 401
    elif depth > MAX_DEPTH:
        assert response.status_code == 400
    if response.status_code >= 400:
        assert stored(engine) == before


@HYPOTHESIS
@given(body=invalid_encodings, signed=st.booleans())
def test_slack_events_invalid_encodings_are_401_or_400(both_channels, engine, caplog, body, signed):
    before = stored(engine)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = both_channels.slack.client.post(
            "/slack/events", content=body, headers=slack_headers(body, "application/json", signed)
        )
    assert response.status_code == (400 if signed else 401)
    assert errors(caplog) == []
    assert stored(engine) == before
