"""GET /mydata/{person_id}.json and .html — a person's data through an expiring signed link.

Both are the same readable export (``handlers.mydata_export``): names instead of codes, in the
person's language. The page is for reading; the JSON, whose ``fields`` explain every field, is
for taking the data elsewhere. Each format has its own signature, so one link never opens the
other or another person's data.
"""

from __future__ import annotations

from html import escape

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.i18n import Translator, reading
from bot.signed_links import verify
from handlers.mydata_export import SECTIONS, Exported, export_readable
from storage.db import session_scope
from storage.models import Person

router = APIRouter()


async def _load(request: Request, person_id: int, ext: str, exp: str, sig: str):
    runtime = request.app.state.runtime
    settings = runtime.settings
    now = runtime.clock.now()
    if not verify(
        f"/mydata/{person_id}.{ext}",
        exp,
        sig,
        secret=settings.secret_key,
        now=now,
        previous=settings.secret_key_previous,
    ):
        raise HTTPException(403, "link expired or invalid")

    def load() -> tuple[Exported, Translator, str] | None:
        with session_scope(runtime.engine) as db:
            person = db.get(Person, person_id)
            if person is None or person.deleted:
                return None
            # the person's register, as in chat: やさしい日本語 readers get it, staff read ふつう
            t = runtime.catalog.translator(reading(person.language, staff=person.is_staff))
            return export_readable(db, person, t, runtime.ward, now), t, person.display_name

    found = await anyio.to_thread.run_sync(load)
    if found is None:
        raise HTTPException(404, "not found")
    return found


@router.get("/mydata/{person_id}.json")
async def my_data(person_id: int, request: Request, exp: str = "", sig: str = "") -> JSONResponse:
    exported, t, _ = await _load(request, person_id, "json", exp, sig)
    return JSONResponse(
        exported.as_json(t),
        headers={
            "Content-Disposition": f'attachment; filename="kyodo-mydata-{person_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/mydata/{person_id}.html")
async def my_data_page(
    person_id: int, request: Request, exp: str = "", sig: str = ""
) -> HTMLResponse:
    exported, t, name = await _load(request, person_id, "html", exp, sig)
    return HTMLResponse(
        render_page(exported, t, name),
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


def render_page(exported: Exported, t: Translator, name: str) -> str:
    """One table per section, labels in the person's language; every value escaped."""
    e = escape
    title = t("mydata.page_title", name=name)
    lang = "en" if exported.language == "en" else "ja"  # やさしい日本語 is Japanese (lang="ja")
    parts = [
        "<!doctype html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>{e(title)}</title>",
        "<style>body{font:1.05rem/1.7 system-ui,sans-serif;max-width:52rem;margin:auto;"
        "padding:1rem}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}"
        "th,td{border:1px solid #bbb;padding:.4rem .6rem;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}th{background:#eef3fb;width:11em}h2{margin-top:2rem}</style>",
        "</head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>{e(t('mydata.page_intro', when=exported.generated_at))}</p>",
    ]
    for section, fields in SECTIONS:
        rows = exported.sections[section]
        parts.append(f"<h2>{e(t('mydata.s_' + section))}</h2>")
        if not rows:
            parts.append(f"<p>{e(t('mydata.page_empty'))}</p>")
            continue
        for row in rows:  # one small table per record: readable on a phone
            parts.append("<table>")
            for field in fields:
                label = e(t("mydata.f_" + field))
                about = e(t("mydata.e_" + field))
                value = e(row.get(field) or "-")
                parts.append(
                    f'<tr><th scope="row" title="{about}">{label}</th><td>{value}</td></tr>'
                )
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
