"""A Slack Connect guest (a member of another organisation's workspace, present in a shared
channel) is never ward staff, even when every member of the installed workspace is."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.core.actions import pack
from handlers.moderation import ShowHistory
from storage.models import ChannelAccount, Person
from tests.channels.slack.conftest import STAFF_CHANNEL


def _press_as(slack, user: str, user_team: str, value: str):
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": f"u{user}", "team_id": user_team},
        "team": {"id": "T1", "domain": "kyodo"},
        "api_app_id": "A1",
        "trigger_id": f"trigger-guest-{user}",
        "response_url": slack.standin.response_url(f"guest-{user}"),
        "container": {"type": "message", "channel_id": STAFF_CHANNEL, "message_ts": "1.000001"},
        "channel": {"id": STAFF_CHANNEL},
        "message": {"ts": "1.000001", "text": "x"},
        "actions": [
            {
                "type": "button",
                "action_id": "b0",
                "block_id": "blk",
                "value": value,
                "action_ts": "1700000001.000001",
            }
        ],
    }
    return slack.interaction(payload)


def _is_staff(engine, user: str) -> bool:
    with Session(engine) as db:
        pid = db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()
        return db.get(Person, pid).is_staff


def test_a_guest_from_another_organisation_is_refused_a_staff_button(make_slack, engine):
    slack = make_slack()  # no staff user group: the whole installed workspace is staff
    r = _press_as(slack, "UGUEST", "TOTHER", pack(ShowHistory("initiative", 1)))
    assert r.status_code == 200
    refusals = slack.standin.of("chat.postEphemeral")
    assert [x.args["user"] for x in refusals] == ["UGUEST"]
    assert "区の職員だけ" in refusals[0].args["text"]
    assert not _is_staff(engine, "UGUEST")

    _press_as(slack, "UMEMBER", "T1", pack(ShowHistory("initiative", 1)))
    assert _is_staff(engine, "UMEMBER")
    refused_member = [
        x
        for x in slack.standin.of("chat.postEphemeral")
        if x.args["user"] == "UMEMBER" and "区の職員だけ" in x.args.get("text", "")
    ]
    assert refused_member == []


def test_a_guest_opening_app_home_sees_staff_only(make_slack):
    slack = make_slack()
    slack.event(
        {
            "type": "app_home_opened",
            "user": "UGUEST",
            "user_team": "TOTHER",
            "channel": "D3",
            "tab": "home",
        }
    )
    (publish,) = slack.standin.of("views.publish")
    assert "区の職員だけ" in json.dumps(publish.args["view"], ensure_ascii=False)
