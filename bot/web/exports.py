"""Staff CSV export of an idea call, behind an expiring signed link.

Staff get the link from the 「CSVで出力」 button (``handlers/idea_calls.py``); it carries
``exp`` and an HMAC ``sig`` over the path (which holds the call id) and the expiry, checked
with ``hmac.compare_digest`` (``bot/signed_links.py``). Expired or forged links get 403.
The file is UTF-8 with a BOM so Excel opens Japanese text correctly, and cells that start like
a formula are prefixed with an apostrophe so a resident's text can never run in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import logging
from zoneinfo import ZoneInfo

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session, col, select

from bot.i18n import reading
from bot.signed_links import verify
from handlers.idea_views import export_path, status_label, when
from storage.db import stored_id
from storage.models import Idea, IdeaCall, Person
from storage.queries.ideas import support_counts

log = logging.getLogger("kyodo.exports")
router = APIRouter()

COLUMNS = (
    "csv_id",
    "csv_submitted_at",
    "csv_author",
    "csv_anonymous",
    "csv_idea",
    "csv_reason",
    "csv_status",
    "csv_answer",
    "csv_supports",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(FORMULA_START) else text


def idea_call_csv(runtime, call_id: int) -> bytes | None:
    """All ideas of a call, staff view (authors named, withdrawn ones included), in the staff
    register: plain Japanese even where new people start in やさしい日本語."""
    t = runtime.catalog.translator(reading(runtime.default_language, staff=True))
    tz = ZoneInfo(runtime.ward.timezone)
    with Session(runtime.engine) as db:
        call = db.get(IdeaCall, call_id)
        if call is None:
            return None
        ideas = db.exec(
            select(Idea)
            .where(col(Idea.call_id) == call_id)
            .order_by(col(Idea.created_at), col(Idea.id))
        ).all()
        counts = support_counts(db, [stored_id(i.id) for i in ideas])
        authors = {
            p.id: p
            for p in db.exec(select(Person).where(col(Person.id).in_({i.author_id for i in ideas})))
        }
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([t(f"ideas.{c}") for c in COLUMNS])
        for idea in ideas:
            author = authors.get(idea.author_id)
            name = (
                t("common.deleted_user")
                if author is None or author.deleted
                else author.display_name
            )
            writer.writerow(
                [
                    idea.id,
                    when(idea.created_at, tz),
                    _safe(name),
                    t("common.yes") if idea.anonymous else t("common.no"),
                    _safe(idea.body),
                    _safe(idea.reason),
                    status_label(t, idea.status),
                    _safe(idea.answer),
                    counts.get(stored_id(idea.id), 0),
                ]
            )
    return out.getvalue().encode("utf-8-sig")


@router.get("/exports/idea-calls/{call_id}.csv")
async def export_idea_call(
    call_id: int, request: Request, exp: str | None = None, sig: str | None = None
) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    settings = runtime.settings
    if not verify(
        export_path(call_id),
        exp,
        sig,
        secret=settings.secret_key,
        now=now,
        previous=settings.secret_key_previous,
    ):
        log.info("export link refused", extra={"call_id": call_id})
        return PlainTextResponse("forbidden", status_code=403)
    body = await anyio.to_thread.run_sync(idea_call_csv, runtime, call_id)
    if body is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="idea-call-{call_id}.csv"',
            "Cache-Control": "no-store",
        },
    )
