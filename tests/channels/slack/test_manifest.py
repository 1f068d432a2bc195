"""The app manifest a ward pastes into Slack matches what the adapter listens for."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yaml"


def test_manifest_points_every_surface_at_slack_events_with_the_needed_scopes():
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings = m["settings"]
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in m["features"]["slash_commands"]),
    }
    assert urls == {"https://YOUR-HOST/slack/events"}
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/kyodo"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"app_home_opened", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert scopes >= {
        "chat:write",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "users:read",
        "usergroups:read",
        "channels:read",
    }
