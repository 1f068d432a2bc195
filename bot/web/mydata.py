"""GET /mydata/{person_id}.json — a person's data download through an expiring signed link."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from bot.signed_links import verify
from handlers.privacy import export_person
from storage.db import session_scope
from storage.models import Person

router = APIRouter()


@router.get("/mydata/{person_id}.json")
async def my_data(person_id: int, request: Request, exp: str = "", sig: str = "") -> JSONResponse:
    runtime = request.app.state.runtime
    path = f"/mydata/{person_id}.json"
    settings = runtime.settings
    if not verify(
        path,
        exp,
        sig,
        secret=settings.secret_key,
        now=runtime.clock.now(),
        previous=settings.secret_key_previous,
    ):
        raise HTTPException(403, "link expired or invalid")

    def load() -> dict | None:
        with session_scope(runtime.engine) as db:
            person = db.get(Person, person_id)
            if person is None or person.deleted:
                return None
            return export_person(db, person)

    data = await anyio.to_thread.run_sync(load)
    if data is None:
        raise HTTPException(404, "not found")
    return JSONResponse(
        data,
        headers={"Content-Disposition": f'attachment; filename="kyodo-mydata-{person_id}.json"'},
    )
