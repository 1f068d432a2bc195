"""Channel-neutral conversation logic. Never imports linebot, slack_bolt, slack_sdk, fastapi or
apscheduler: handlers read and write the store and answer with neutral replies."""

from __future__ import annotations

from bot.core.router import Router


def build_router() -> Router:
    """All routes in one table. Domain modules each export ``router``."""
    from handlers import common

    router = Router()
    for module in (common,):
        router.include(module.router)
    return router
