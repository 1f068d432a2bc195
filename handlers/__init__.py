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
    console,
    console_buttons,
    console_live,
    dashboard,
    evaluations,
    follows,
    idea_answer,
    idea_calls,
    idea_review,
    idea_submission,
    ideas,
    initiative_browsing,
    initiative_editing,
    initiative_facilitation,
    initiative_lifecycle,
    initiative_opinions,
    initiative_participation,
    initiative_post_dialog,
    initiative_posting,
    meeting_organiser,
    meeting_rsvp,
    meetings,
    moderation,
    my_ideas,
    organisation_invites,
    organisations,
    privacy,
    profile_editing,
    profiles,
    withdrawal,
)

# The order routes are included in: ``common`` first, then the domains alphabetically.
ROUTERS: tuple[Router, ...] = (
    common.router,
    console.router,
    console_buttons.router,
    console_live.router,
    dashboard.router,
    evaluations.router,
    follows.router,
    idea_answer.router,
    idea_calls.router,
    idea_review.router,
    idea_submission.router,
    ideas.router,
    initiative_browsing.router,
    initiative_editing.router,
    initiative_facilitation.router,
    initiative_lifecycle.router,
    initiative_opinions.router,
    initiative_participation.router,
    initiative_post_dialog.router,
    initiative_posting.router,
    meeting_organiser.router,
    meeting_rsvp.router,
    meetings.router,
    moderation.router,
    my_ideas.router,
    organisation_invites.router,
    organisations.router,
    privacy.router,
    profile_editing.router,
    profiles.router,
    withdrawal.router,
)


def build_router() -> Router:
    """All routes in one table."""
    router = Router()
    for domain in ROUTERS:
        router.include(domain)
    return router
