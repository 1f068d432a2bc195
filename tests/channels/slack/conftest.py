"""Slack fixtures: the Web API stand-in, the app with Slack enabled, and a signed-request driver."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.core.router import Router
from tests.support.slack_standin import SlackStandIn

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
STAFF_CHANNEL = "CSTAFF"


@pytest.fixture
def standin():
    s = SlackStandIn().start()
    yield s
    s.stop()


@pytest.fixture
def slack_env(settings, standin) -> dict[str, Any]:
    """Settings overrides; tests may change them before the app starts."""
    return {
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_BASE_URL": standin.url,
        "SLACK_STAFF_CHANNEL_ID": STAFF_CHANNEL,
        "SLACK_STAFF_USERGROUP_ID": None,
    }


class Slack:
    """Drives the FastAPI app with Slack-signed requests, as Slack would."""

    def __init__(self, client: TestClient, standin: SlackStandIn):
        self.client = client
        self.standin = standin
        self._n = 0

    @property
    def runtime(self):
        return self.client.app.state.runtime

    def _next(self) -> int:
        self._n += 1
        return self._n

    # ---------------------------------------------------------------- transport
    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ):
        ts = str(timestamp if timestamp is not None else int(time.time()))
        h = {"content-type": content_type, **(headers or {})}
        if signed:
            h["x-slack-request-timestamp"] = ts
            h["x-slack-signature"] = signature or SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            )
        response = self.client.post("/slack/events", content=body.encode(), headers=h)
        self.settle()
        return response

    def settle(self) -> None:
        """Wait until every listener still running after its ack has finished."""
        inflight = self.runtime.slack_inflight
        if inflight is not None:
            self.client.portal.call(inflight.wait)

    def drain(self) -> int:
        """Deliver the outbox now (staff-channel posts, pushes)."""
        return self.client.portal.call(self.runtime.outbox.drain)

    # ---------------------------------------------------------------- payloads
    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw):
        body = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._next()}",
            "event_time": int(time.time()),
        }
        return self.post(json.dumps(body), "application/json", **kw)

    def interaction(self, payload: dict[str, Any], **kw):
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kw
        )

    def press(
        self,
        user: str,
        value: str,
        *,
        channel: str = STAFF_CHANNEL,
        message_ts: str = "1700000000.000001",
        **kw,
    ):
        n = self._next()
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": f"u{user}", "team_id": "T1"},
            "team": {"id": "T1", "domain": "kyodo"},
            "api_app_id": "A1",
            "trigger_id": f"trigger-press-{n}",
            "response_url": self.standin.response_url(f"press{n}"),
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
            "channel": {"id": channel},
            "message": {"ts": message_ts, "text": "x"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "b0",
                    "block_id": "blk",
                    "value": value,
                    "action_ts": f"1700000001.{n:06d}",
                }
            ],
        }
        return self.interaction(payload, **kw)

    def command(self, user: str, text: str, *, channel: str = "C-any", **kw):
        n = self._next()
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "channel_id": channel,
                "user_id": user,
                "user_name": f"u{user}",
                "command": "/kyodo",
                "text": text,
                "api_app_id": "A1",
                "response_url": self.standin.response_url(f"cmd{n}"),
                "trigger_id": f"trigger-cmd-{n}",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any], **kw):
        """Submit an opened modal with ``values`` as Slack's view.state.values."""
        n = self._next()
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: {"type": element["type"], **values.get(block["block_id"], {})}
            }
        payload = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": user, "username": f"u{user}", "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": f"trigger-view-{n}",
            "view": {
                **view,
                "id": view.get("id", "V1"),
                "state": {"values": state},
                "hash": f"h{n}",
            },
        }
        return self.interaction(payload, **kw)


@pytest.fixture
def make_slack(settings, engine, clock, standin, slack_env):
    """Start the app with Slack enabled; ``extra_router`` adds test-only routes."""
    stack = []

    def make(extra_router: Router | None = None, **overrides) -> Slack:
        env = {**slack_env, **overrides}
        s = settings.model_copy(
            update={
                "slack_signing_secret": env["SLACK_SIGNING_SECRET"],
                "slack_bot_token": env["SLACK_BOT_TOKEN"],
                "slack_api_base_url": env["SLACK_API_BASE_URL"],
                "slack_staff_channel_id": env["SLACK_STAFF_CHANNEL_ID"],
                "slack_staff_usergroup_id": env["SLACK_STAFF_USERGROUP_ID"],
                "simulator": False,  # no personas: counts in these tests are Slack's alone
            }
        )
        app = create_app(s, engine=engine, clock=clock, run_scheduler=False, migrate=False)
        client = TestClient(app)
        client.__enter__()
        stack.append(client)
        if extra_router is not None:
            client.app.state.runtime.dispatcher.router.include(extra_router)
        return Slack(client, standin)

    yield make
    for client in reversed(stack):
        client.__exit__(None, None, None)
