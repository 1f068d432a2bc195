"""Who is ward staff on Slack, and what Slack says about a person (name, language).

Staff = members of the installed workspace; with ``SLACK_STAFF_USERGROUP_ID`` only members of
that user group (``usergroups.users.list``, cached for a minute). When Slack cannot be asked,
nobody is staff (fail closed). Handlers still re-check ``turn.person.is_staff`` on every action.
"""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("kyodo.slack")

GROUP_TTL = 60.0
PROFILE_TTL = 600.0


class StaffDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        usergroup_id: str | None = None,
        group_ttl: float = GROUP_TTL,
        profile_ttl: float = PROFILE_TTL,
    ):
        self.client = client
        self.usergroup_id = usergroup_id
        self.group_ttl = group_ttl
        self.profile_ttl = profile_ttl
        self._members: frozenset[str] | None = None
        self._members_until = 0.0
        self._lock = asyncio.Lock()
        self._profiles: dict[str, tuple[float, str | None, str | None]] = {}

    async def is_staff(
        self, user_id: str | None, *, user_team: str | None = None, team: str | None = None
    ) -> bool:
        if not user_id:
            return False
        if user_team and team and user_team != team:
            return False  # a Slack Connect guest from another organisation
        if not self.usergroup_id:
            return True
        return user_id in await self.members()

    async def members(self) -> frozenset[str]:
        if not self.usergroup_id:
            return frozenset()  # no staff user group configured: nobody is a member of it
        usergroup = self.usergroup_id
        async with self._lock:
            now = time.monotonic()
            if self._members is not None and now < self._members_until:
                return self._members
            try:
                resp = await self.client.usergroups_users_list(usergroup=usergroup)
                self._members = frozenset(resp.get("users") or ())
                self._members_until = now + self.group_ttl
            except (TimeoutError, SlackClientError, OSError) as exc:
                log.warning("staff user group lookup failed: %s", type(exc).__name__)
                return self._members or frozenset()
            return self._members

    async def profile(self, user_id: str | None) -> tuple[str | None, str | None]:
        """(display name, language hint) from ``users.info``; (None, None) when unknown."""
        if not user_id:
            return None, None
        cached = self._profiles.get(user_id)
        now = time.monotonic()
        if cached and cached[0] > now:
            return cached[1], cached[2]
        name = language = None
        try:
            resp = await self.client.users_info(user=user_id, include_locale=True)
            user = resp.get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("name")  # never the real name
            locale = (user.get("locale") or "").lower()
            language = "ja" if locale.startswith("ja") else "en" if locale else None
        except (TimeoutError, SlackClientError, OSError) as exc:
            log.info("users.info failed: %s", type(exc).__name__)
            return None, None
        self._profiles[user_id] = (now + self.profile_ttl, name, language)
        return name, language
