"""Who is staff on Slack, asked of a Slack Web API stand-in over HTTP (issue 22: the user-group
cache, failing closed, and the profile's language had no test of their own)."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.staff import StaffDirectory
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def standin():
    s = SlackStandIn().start()
    yield s
    s.stop()


def directory(standin: SlackStandIn, **kw) -> StaffDirectory:
    return StaffDirectory(AsyncWebClient(token="xoxb-test", base_url=standin.url), **kw)


async def test_without_a_user_group_every_workspace_member_is_staff(standin):
    d = directory(standin)
    assert await d.is_staff("U1", user_team="T1", team="T1")
    assert not await d.is_staff(None)
    assert not await d.is_staff("")
    assert await d.members() == frozenset()  # no group: nobody is a member of one
    assert standin.of("usergroups.users.list") == []


async def test_with_a_user_group_only_its_members_are_staff_and_it_is_cached(standin):
    standin.usergroups["S1"] = ["USTAFF"]
    d = directory(standin, usergroup_id="S1")
    assert await d.is_staff("USTAFF", user_team="T1", team="T1")
    assert not await d.is_staff("UOTHER", user_team="T1", team="T1")
    assert len(standin.of("usergroups.users.list")) == 1  # asked once for both
    standin.usergroups["S1"] = ["UOTHER"]
    assert await d.is_staff("USTAFF")  # within the minute: the cached list
    assert len(standin.of("usergroups.users.list")) == 1


async def test_the_group_is_asked_again_when_the_cache_runs_out(standin):
    standin.usergroups["S1"] = ["USTAFF"]
    d = directory(standin, usergroup_id="S1", group_ttl=0.0)
    assert await d.is_staff("USTAFF")
    standin.usergroups["S1"] = []
    assert not await d.is_staff("USTAFF")  # removed from the group: no longer staff
    assert len(standin.of("usergroups.users.list")) == 2


async def test_when_slack_cannot_be_asked_nobody_new_is_staff(standin):
    standin.usergroups["S1"] = ["USTAFF"]
    d = directory(standin, usergroup_id="S1")
    standin.stop()
    assert not await d.is_staff("USTAFF")  # fail closed


async def test_a_guest_from_another_team_is_not_staff_even_in_the_group(standin):
    standin.usergroups["S1"] = ["UGUEST"]
    d = directory(standin, usergroup_id="S1")
    assert not await d.is_staff("UGUEST", user_team="TOTHER", team="T1")
    assert await d.is_staff("UGUEST", user_team=None, team="T1")  # Slack sent no team


async def test_the_profile_gives_the_display_name_and_the_language(standin):
    standin.locales.update({"UEN": "en-US", "UJA": "ja-JP"})
    d = directory(standin)
    assert await d.profile("UJA") == ("Staff UJA", "ja")
    assert await d.profile("UEN") == ("Staff UEN", "en")
    assert await d.profile(None) == (None, None)
    assert len(standin.of("users.info")) == 2
    assert await d.profile("UEN") == ("Staff UEN", "en")  # cached
    assert len(standin.of("users.info")) == 2


async def test_an_unknown_locale_gives_no_language_and_a_failure_no_profile(standin):
    standin.locales["UX"] = ""
    d = directory(standin)
    assert await d.profile("UX") == ("Staff UX", None)
    standin.stop()
    assert await d.profile("UY") == (None, None)


async def test_without_a_display_name_the_handle_is_used_never_the_real_name(standin):
    standin.without_display_name.add("UNEW")
    assert await directory(standin).profile("UNEW") == ("handle-unew", "ja")
