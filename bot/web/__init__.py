"""Plain web routes beside the channels (calendar feeds, expiring exports, …).

Every module in this package that defines ``router`` (a FastAPI APIRouter) is included by
``create_app``; a new route needs no edit elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{__name__}.{module.name}")
        router = getattr(mod, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found
