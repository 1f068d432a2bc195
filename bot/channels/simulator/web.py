"""GET /simulator. (Placeholder until the simulator lands.)"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/simulator", response_class=HTMLResponse)
async def simulator_page(request: Request) -> str:
    if not request.app.state.runtime.settings.simulator_enabled:
        raise HTTPException(404, "simulator is disabled")
    return "<!doctype html><title>Kyodo</title><p>Kyodo simulator</p>"


async def start(runtime) -> None:
    return None


async def stop(runtime) -> None:
    return None
