"""POST /slack/events. (Placeholder until the Slack channel lands: 404 when not configured.)"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

router = APIRouter()


@router.post("/slack/events")
async def slack_events(request: Request) -> dict[str, str]:
    runtime = request.app.state.runtime
    if "slack" not in runtime.messengers:
        raise HTTPException(404, "Slack channel is not configured")
    raise HTTPException(501, "Slack channel not implemented")


async def start(runtime) -> None:
    return None


async def stop(runtime) -> None:
    return None
