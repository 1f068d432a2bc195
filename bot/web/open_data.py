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
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlmodel import Session

from storage.queries import outcomes as o
from storage.queries import public_items as p

router = APIRouter()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SMALL_NOTE = "3人未満は 空欄 / empty when fewer than 3 people"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type
    ja: str
    en: str


def _c(name: str, type_: str, ja: str, en: str) -> Column:
    return Column(name, type_, ja, en)


SCHEMAS: dict[str, tuple[str, str, tuple[Column, ...]]] = {
    "initiatives": (
        "完了した取組と 成果",
        "Completed initiatives and their results",
        (
            _c("id", "integer", "取組の番号", "Initiative number"),
            _c("title", "string", "タイトル", "Title"),
            _c("category", "string", "分野（コード）", "Category code"),
            _c("area", "string", "地域（コード）", "Area code"),
            _c("actor_kind", "string", "投稿した主体の種類", "Kind of the posting actor"),
            _c("organisation", "string", "団体名（個人は空欄）", "Organisation (empty for people)"),
            _c("completed_at", "date", "完了した日", "Date completed"),
            _c("participants", "integer", f"完了時の参加者数（{SMALL_NOTE}）", "Participants"),
            _c("result_summary", "string", "成果の報告", "Results report"),
            _c("from_idea", "integer", "もとになった アイデアの番号", "Idea it came from"),
        ),
    ),
    "ideas": (
        "採用された アイデアと 区の回答",
        "Adopted ideas and the ward's answers",
        (
            _c("id", "integer", "アイデアの番号", "Idea number"),
            _c("call_title", "string", "アイデア募集の タイトル", "Idea call title"),
            _c("idea", "string", "アイデア（投稿者名は ふくみません）", "Idea (no author)"),
            _c("status", "string", "採用 adopted ／ 一部採用 partly", "adopted or partly"),
            _c("answer", "string", "区の回答", "The ward's answer"),
            _c("answered_at", "date", "回答した日", "Date answered"),
            _c("initiative_id", "integer", "生まれた取組の番号", "Initiative it became"),
        ),
    ),
    "meetings": (
        "開かれた会議（出席者名は ふくみません）",
        "Meetings held (no attendee names)",
        (
            _c("id", "integer", "会議の番号", "Meeting number"),
            _c("title", "string", "会議の名前", "Meeting title"),
            _c("date", "date", "開いた日", "Date held"),
            _c("initiative_id", "integer", "取組の番号", "Initiative number"),
            _c("attendance", "integer", f"出席予定の人数（{SMALL_NOTE}）", "Attendance"),
        ),
    ),
    "indicators": (
        "計画の指標：目標と 実績の 推移",
        "Plan indicators: targets and actuals over time",
        (
            _c("code", "string", "指標のコード", "Indicator code"),
            _c("name_ja", "string", "指標名（日本語）", "Indicator name (Japanese)"),
            _c("name_en", "string", "指標名（英語）", "Indicator name (English)"),
            _c("measure", "string", "台帳の 測定項目", "Ledger measure"),
            _c("period", "string", "期間（2026年度 = FY2026, 4月〜3月）", "Period"),
            _c("actual", "integer", f"実績（人数の指標は {SMALL_NOTE}）", "Actual"),
            _c("target", "integer", "目標（期間ごと）", "Target per period"),
        ),
    ),
    "partnerships": (
        "主体の種類どうしの 協働（完了した取組の数）",
        "Partnerships between kinds of actors (completed initiatives)",
        (
            _c("kind_a", "string", "主体の種類 A", "Kind of actor A"),
            _c("kind_b", "string", "主体の種類 B", "Kind of actor B"),
            _c("initiatives", "integer", "取組の数（1〜2は 空欄）", "Initiatives (1–2: empty)"),
        ),
    ),
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
    columns = [c.name for c in SCHEMAS[name][2]]
    writer.writerow(columns)
    for row in data:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def descriptor(runtime) -> dict[str, Any]:
    ward = runtime.ward
    updated = runtime.clock.now().astimezone(ZoneInfo(ward.timezone)).isoformat(timespec="seconds")
    return {
        "name": "kyodo-collaboration-outcomes",
        "title": f"{ward.display_name('ja')} 協働の成果 / {ward.display_name('en')} outcomes",
        "description": (
            "協働プラットフォームの 成果の記録（個人情報は ふくみません）。"
            " / Outcomes of public–private collaboration, without personal data."
        ),
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
                "title": f"{ja} / {en}",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "schema": {
                    "fields": [
                        {
                            "name": c.name,
                            "type": c.type,
                            "title": c.ja,
                            "description": f"{c.ja} / {c.en}",
                        }
                        for c in columns
                    ]
                },
            }
            for name, (ja, en, columns) in SCHEMAS.items()
        ],
    }


@router.get("/open-data/datapackage.json")
async def data_package(request: Request) -> JSONResponse:
    return JSONResponse(descriptor(request.app.state.runtime))


@router.get("/open-data/{name}.{ext}")
async def resource(name: str, ext: str, request: Request) -> Response:
    if name not in SCHEMAS or ext not in ("csv", "json"):
        return PlainTextResponse("not found", status_code=404)
    data = await anyio.to_thread.run_sync(rows, request.app.state.runtime, name)
    if ext == "json":
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        return Response(body, media_type="application/json; charset=utf-8")
    return Response(
        to_csv(name, data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
    )
