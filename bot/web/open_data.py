"""Open data at stable URLs: ``/open-data/<name>.csv`` and ``.json`` and a Frictionless Data
Package descriptor ``/open-data/datapackage.json`` (CC BY 4.0, fields described in Japanese
and English, with the update time).

Built from the same queries as /public, so the files and the page agree. No personal data:
organisations are named, individuals never; attendee lists are not published; people counts
under 3 are left empty (the field descriptions say so). CSV is UTF-8 with a BOM for Excel,
and text that starts like a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session

from bot.web.page_cache import cached_response
from storage.queries import outcomes as o
from storage.queries import public_items as p

router = APIRouter()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Each resource's columns and Table Schema types; titles and descriptions (ja and en) are
# catalog messages open_data.<resource> and open_data.<resource>_<column>.
SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "initiatives": (
        ("id", "integer"),
        ("title", "string"),
        ("category", "string"),
        ("area", "string"),
        ("actor_kind", "string"),
        ("organisation", "string"),
        ("completed_at", "date"),
        ("participants", "integer"),
        ("result_summary", "string"),
        ("from_idea", "integer"),
    ),
    "ideas": (
        ("id", "integer"),
        ("call_title", "string"),
        ("idea", "string"),
        ("status", "string"),
        ("answer", "string"),
        ("answered_at", "date"),
        ("initiative_id", "integer"),
    ),
    "meetings": (
        ("id", "integer"),
        ("title", "string"),
        ("date", "date"),
        ("initiative_id", "integer"),
        ("attendance", "integer"),
    ),
    "indicators": (
        ("code", "string"),
        ("name_ja", "string"),
        ("name_en", "string"),
        ("measure", "string"),
        ("period", "string"),
        ("actual", "integer"),
        ("target", "integer"),
    ),
    "partnerships": (("kind_a", "string"), ("kind_b", "string"), ("initiatives", "integer")),
}


def _day(when: datetime | None, tz: ZoneInfo) -> str | None:
    return when.astimezone(tz).date().isoformat() if when else None


def rows(runtime, name: str) -> list[dict[str, Any]]:
    """The resource's rows, as published (JSON values; None is an empty CSV cell)."""
    tz = ZoneInfo(runtime.ward.timezone)
    now = runtime.clock.now()
    with Session(runtime.engine) as db:
        if name == "initiatives":
            return [
                {
                    "id": i.id,
                    "title": i.title,
                    "category": i.category,
                    "area": i.area,
                    "actor_kind": i.actor_kind,
                    "organisation": i.organisation,
                    "completed_at": _day(i.completed_at, tz),
                    "participants": i.participants,
                    "result_summary": i.result_summary,
                    "from_idea": i.from_idea,
                }
                for i in p.completed_initiatives(db)
            ]
        if name == "ideas":
            return [
                {
                    "id": i.id,
                    "call_title": i.call_title,
                    "idea": i.body,
                    "status": i.status,
                    "answer": i.answer,
                    "answered_at": _day(i.answered_at, tz),
                    "initiative_id": i.initiative_id,
                }
                for i in p.adopted_ideas(db)
            ]
        if name == "meetings":
            return [
                {
                    "id": m.id,
                    "title": m.title,
                    "date": _day(m.starts_at, tz),
                    "initiative_id": m.initiative_id,
                    "attendance": m.attendance,
                }
                for m in p.held_meetings(db)
            ]
        if name == "indicators":
            out = []
            for ind in runtime.ward.indicators:
                value = o.indicator_value(
                    db, ind.measure, ind.period, ind.target, now, tz, public=True
                )
                for period, n in value.trend:
                    people = ind.measure in ("participants", "attendance")
                    out.append(
                        {
                            "code": ind.code,
                            "name_ja": ind.display("ja"),
                            "name_en": ind.display("en"),
                            "measure": ind.measure,
                            "period": o.period_label(period, "en"),
                            "actual": p.people_count(n) if people and n else n,
                            "target": ind.target,
                        }
                    )
            return out
        return [
            {"kind_a": a, "kind_b": b, "initiatives": p.people_count(n)}
            for (a, b), n in sorted(o.partnership_matrix(db, public=True).items())
        ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(name: str, data: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = [c for c, _type in SCHEMAS[name]]
    writer.writerow(columns)
    for row in data:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def descriptor(runtime) -> dict[str, Any]:
    ward = runtime.ward
    text = runtime.catalog.text
    updated = runtime.clock.now().astimezone(ZoneInfo(ward.timezone)).isoformat(timespec="seconds")

    def both(key: str, **values: str) -> str:
        return f"{text(key, 'ja', **values)} / {text(key, 'en', **values)}"

    return {
        "name": "kyodo-collaboration-outcomes",
        "title": f"{text('open_data.package_title', 'ja', ward=ward.display_name('ja'))} / "
        f"{text('open_data.package_title', 'en', ward=ward.display_name('en'))}",
        "description": both("open_data.package_description"),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "created": updated,
        "updated": updated,
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "title": both(f"open_data.{name}"),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "schema": {
                    "fields": [
                        {
                            "name": column,
                            "type": type_,
                            "title": text(f"open_data.{name}_{column}", "ja"),
                            "description": both(f"open_data.{name}_{column}"),
                        }
                        for column, type_ in columns
                    ]
                },
            }
            for name, columns in SCHEMAS.items()
        ],
    }


@router.get("/open-data/datapackage.json")
async def data_package(request: Request) -> Response:
    runtime = request.app.state.runtime

    def render() -> tuple[bytes, str]:
        body = json.dumps(descriptor(runtime), ensure_ascii=False).encode("utf-8")
        return body, "application/json"

    return await cached_response(request, "open-data:datapackage.json", render)


@router.get("/open-data/{name}.{ext}")
async def resource(name: str, ext: str, request: Request) -> Response:
    if name not in SCHEMAS or ext not in ("csv", "json"):
        return PlainTextResponse("not found", status_code=404)
    runtime = request.app.state.runtime

    def render() -> tuple[bytes, str]:
        data = rows(runtime, name)
        if ext == "json":
            body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            return body, "application/json; charset=utf-8"
        return to_csv(name, data), "text/csv; charset=utf-8"

    headers = {"Content-Disposition": f'inline; filename="{name}.csv"'} if ext == "csv" else {}
    return await cached_response(request, f"open-data:{name}.{ext}", render, headers)
