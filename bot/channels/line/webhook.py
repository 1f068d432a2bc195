"""POST /line/webhook. (Placeholder until the LINE channel lands: 404 when not configured.)"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

router = APIRouter()


@router.post("/line/webhook")
async def line_webhook(request: Request) -> dict[str, str]:
    runtime = request.app.state.runtime
    if "line" not in runtime.messengers:
        raise HTTPException(404, "LINE channel is not configured")
    raise HTTPException(501, "LINE channel not implemented")


async def start(runtime) -> None:
    return None


async def stop(runtime) -> None:
    return None
