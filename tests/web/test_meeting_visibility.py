"""Invitation-only meetings: details only for invitees, the organiser, managers and staff; the
meeting's .ics only behind the signed link on their card. Public meetings stay public."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse

from handlers.meeting_actions import ShowMeeting
from tests.support.meetings import cards, initiative, person, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def setup(client, visibility: str):
    runtime = client.app.state.runtime
    staff, staff_id = person(runtime, "U-staff", staff=True)
    invitee, invitee_id = person(runtime, "U-invitee")
    stranger, _ = person(runtime, "U-stranger")
    ini = initiative(runtime.engine, staff_id, [invitee_id])
    mid = staff_create(
        staff, f"initiative:{ini}", MEETING, notes="鍵は 管理人室", visibility=visibility
    )
    return staff, invitee, stranger, mid


def calendar_link(replies) -> str:
    [card] = cards(replies)
    [link] = [b.url for b in card.links if "/calendar/meetings/" in b.url]
    return link


def test_a_non_invitee_is_refused_an_invitation_only_meeting(client):
    staff, invitee, stranger, mid = setup(client, "invite_only")
    refused = stranger.press(ShowMeeting(mid))
    assert "この集いは 招待(しょうたい)された人だけが 見られます" in " ".join(
        getattr(r, "text", "") for r in refused
    )
    assert not cards(refused)
    assert "鍵は 管理人室" in str(cards(invitee.press(ShowMeeting(mid)))[0].fields)
    assert cards(staff.press(ShowMeeting(mid)))  # staff (and the organiser) see it


def test_an_invitation_only_ics_needs_a_valid_signature(client):
    staff, invitee, _, mid = setup(client, "invite_only")
    assert client.get(f"/calendar/meetings/{mid}.ics").status_code == 403
    link = urlparse(calendar_link(invitee.press(ShowMeeting(mid))))
    assert link.path == f"/calendar/meetings/{mid}.ics" and "sig=" in link.query
    assert client.get(f"{link.path}?{link.query}").status_code == 200
    forged = link.query.replace("sig=", "sig=0")
    assert client.get(f"{link.path}?{forged}").status_code == 403
    other = staff_create(staff, "initiative:1", MEETING, visibility="invite_only")
    assert other != mid
    assert client.get(f"/calendar/meetings/{other}.ics?{link.query}").status_code == 403


def test_a_public_meeting_stays_public(client):
    _, _, stranger, mid = setup(client, "public")
    assert cards(stranger.press(ShowMeeting(mid)))
    assert client.get(f"/calendar/meetings/{mid}.ics").status_code == 200
