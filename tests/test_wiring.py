"""The explicit wiring lists stay complete: a handler module with routes that is not listed
in ``handlers.ROUTERS`` would silently answer nothing (its buttons fall to "stale button")."""

from __future__ import annotations

import importlib
from pathlib import Path

import handlers
from bot.core.router import Router


def test_every_handler_module_with_a_router_is_wired() -> None:
    folder = Path(handlers.__file__).parent
    unwired = []
    for path in sorted(folder.glob("*.py")):
        module = importlib.import_module(f"handlers.{path.stem}")
        router = getattr(module, "router", None)
        wired = any(router is r for r in handlers.ROUTERS)
        if path.stem != "__init__" and isinstance(router, Router) and not wired:
            unwired.append(path.stem)
    assert unwired == [], f"handler routers missing from handlers.ROUTERS: {unwired}"
