"""Channel-neutral conversation logic. Never imports linebot, slack_bolt, slack_sdk, fastapi or
apscheduler: handlers read and write the store and answer with neutral replies.

Each domain module (``initiatives``, ``ideas``, ``meetings`` …) exports a ``router``;
``build_router`` includes them all (``common`` first). A route registered twice is an error.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.core.router import Router


def domain_modules() -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    names.remove("common")
    return ["common", *names]


def build_router() -> Router:
    """All routes in one table."""
    router = Router()
    for name in domain_modules():
        module = importlib.import_module(f"handlers.{name}")
        if isinstance(getattr(module, "router", None), Router):
            router.include(module.router)
    return router
