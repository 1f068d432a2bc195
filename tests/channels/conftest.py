"""Both channels at once: one app with LINE and Slack enabled, each with its API stand-in.

Reuses each channel's own driver (``LineClient`` for signed LINE webhooks, ``Slack`` for signed
Slack requests) over the same TestClient, so a story can move between the two platforms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from tests.channels.line import conftest as line_conf
from tests.channels.line.standin import LineStandIn
from tests.channels.slack import conftest as slack_conf
from tests.support.slack_standin import SlackStandIn


@dataclass
class BothChannels:
    line: line_conf.LineClient
    slack: slack_conf.Slack
    line_api: LineStandIn
    slack_api: SlackStandIn

    @property
    def runtime(self):
        return self.line.runtime

    def drain_outbox(self) -> int:
        """Deliver everything queued (pushes to LINE, staff-channel posts and DMs on Slack)."""
        return self.line.call(self.runtime.outbox.drain)


@pytest.fixture
def both_channels(settings, engine, clock):
    line_api = LineStandIn().start()
    slack_api = SlackStandIn().start()
    s = settings.model_copy(
        update={
            "line_channel_secret": line_conf.SECRET,
            "line_channel_access_token": line_conf.TOKEN,
            "line_api_base_url": line_api.url,
            "slack_signing_secret": slack_conf.SECRET,
            "slack_bot_token": slack_conf.TOKEN,
            "slack_api_base_url": slack_api.url,
            "slack_staff_channel_id": slack_conf.STAFF_CHANNEL,
            "slack_staff_usergroup_id": None,
            "simulator": False,  # no personas: every person here came in over LINE or Slack
        }
    )
    app = create_app(s, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    try:
        with TestClient(app) as client:
            yield BothChannels(
                line=line_conf.LineClient(client),
                slack=slack_conf.Slack(client, slack_api),
                line_api=line_api,
                slack_api=slack_api,
            )
    finally:
        line_api.stop()
        slack_api.stop()
