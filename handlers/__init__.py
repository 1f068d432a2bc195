"""Channel-neutral conversation logic. Never imports linebot, slack_bolt, slack_sdk, fastapi or
apscheduler: handlers read and write the store and answer with neutral replies.

Each domain module (``initiatives``, ``ideas``, ``meetings`` …) exports a ``router``;
``build_router`` includes the ones listed in ``ROUTERS`` (``common`` first), so what is wired
is visible here instead of found by scanning the folder. A route registered twice is an error.
"""

from __future__ import annotations

from bot.core.router import Router
from handlers import (
    common,
    dashboard,
    idea_calls,
    ideas,
    initiatives,
    meetings,
    moderation,
    privacy,
    profiles,
    withdrawal,
)

# The order routes are included in: ``common`` first, then the domains alphabetically.
ROUTERS: tuple[Router, ...] = (
    common.router,
    dashboard.router,
    idea_calls.router,
    ideas.router,
    initiatives.router,
    meetings.router,
    moderation.router,
    privacy.router,
    profiles.router,
    withdrawal.router,
)


def build_router() -> Router:
    """All routes in one table."""
    router = Router()
    for domain in ROUTERS:
        router.include(domain)
    return router
