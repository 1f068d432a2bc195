"""``GET /public``: the ward's collaboration outcomes for anyone, as one server-rendered page.

No CDN, no JavaScript, no personal data: only public items, organisations by name and
individuals never, people counts below 3 shown as 「3未満」. Japanese by default, English with
``?lang=en``. A print stylesheet keeps it to readable A4 for a 町会 board.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from bot.web.charts import indicator_svg
from bot.web.page_cache import cached_response
from bot.web.public_evaluations import summary_html
from storage import ledger
from storage.models import ActorKind
from storage.queries import evaluations as ev
from storage.queries import outcomes as o
from storage.queries import public_items as p

router = APIRouter()

LISTED = 30  # completed initiatives on the page, newest first; all of them are in the CSV
PEOPLE_MEASURES = (ledger.PARTICIPANTS, ledger.ATTENDANCE)
KINDS = tuple(k.value for k in ActorKind)
HEADLINE = (
    (ledger.COMPLETED, "public.h_completed"),
    (ledger.PARTICIPANTS, "public.h_participants"),
    (ledger.MEETINGS_HELD, "public.h_meetings"),
    (ledger.IDEAS_ADOPTED, "public.h_adopted"),
    (ledger.IDEAS_TO_INITIATIVES, "public.h_converted"),
    (ledger.NEW_COMBINATIONS, "public.h_combinations"),
)

CSS = """
:root { color: #1a1a1a; background: #fff; }
body { font-family: 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif; margin: 0;
  line-height: 1.75; font-size: 1rem; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
a { color: #0b4f8a; text-decoration: underline; }
a:focus { outline: 3px solid #a64d00; outline-offset: 2px; }
.lang { display: inline-block; min-height: 44px; padding: .5rem 0; }
h1 { font-size: 1.75rem; } h2 { font-size: 1.4rem; border-bottom: 2px solid #0b5394; }
h3 { font-size: 1.15rem; }
.headline { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
.headline li { border: 1px solid #4d4d4d; padding: .5rem 1rem; min-width: 10rem; }
.headline strong { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #4d4d4d; padding: .25rem .5rem; text-align: left; }
td.n { text-align: right; }
figure { margin: 0; } svg { max-width: 100%; height: auto; }
.item { border-top: 1px solid #4d4d4d; padding: .5rem 0; }
.muted { color: #4d4d4d; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { font-size: 10.5pt; } .lang, nav { display: none; }
  a { color: #000; } section, article { break-inside: avoid; }
  header, main, footer { max-width: none; padding: 0; }
}
"""


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "ja"


def _num(t, n: int | None) -> str:
    return t("public.small") if n is None else f"{n:,}"


def _people(measure: str, n: int) -> int | None:
    return p.people_count(n) if measure in PEOPLE_MEASURES and n > 0 else n


def _day(when: datetime | None, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d") if when else "-"


def render(runtime, lang: str) -> str:
    t = runtime.catalog.translator(lang)
    ward = runtime.ward
    tz = ZoneInfo(ward.timezone)
    now = runtime.clock.now()
    e = escape
    with Session(runtime.engine) as db:
        totals = o.totals(db, public=True)
        values = [
            (ind, o.indicator_value(db, ind.measure, ind.period, ind.target, now, tz, public=True))
            for ind in ward.indicators
        ]
        matrix = o.partnership_matrix(db, public=True)
        done = p.completed_initiatives(db, limit=LISTED + 1)
        evaluated = ev.published(db, [item.id for item in done])
        ideas = p.adopted_ideas(db)
        days = o.mean_days_to_answer(db, public=True)
    other = "ja" if lang == "en" else "en"
    out: list[str] = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(t('public.title', ward=ward.display_name(lang)))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<header>",
        f'<a class="lang" href="/public{"?lang=en" if other == "en" else ""}" '
        f'lang="{other}">{e(t("public.other_language"))}</a>',
        f"<h1>{e(t('public.title', ward=ward.display_name(lang)))}</h1>",
        f'<p class="muted">{e(t("public.updated", at=now.astimezone(tz).strftime("%Y-%m-%d %H:%M")))}</p>',
        "</header><main>",
        f'<section aria-labelledby="h-headline"><h2 id="h-headline">{e(t("public.headline"))}</h2>',
        '<ul class="headline">',
    ]
    for measure, key in HEADLINE:
        out.append(
            f"<li>{e(t(key))}<strong>{e(_num(t, _people(measure, totals[measure])))}</strong></li>"
        )
    out.append("</ul>")
    if days is not None:
        out.append(f"<p>{e(t('public.days_to_answer', days=days))}</p>")
    out.append("</section>")

    out.append(
        f'<section aria-labelledby="h-indicators"><h2 id="h-indicators">'
        f"{e(t('public.indicators'))}</h2>"
    )
    for ind, value in values:
        name = ind.display(lang)
        period = o.period_label(value.period, lang)
        shown = [_people(ind.measure, n) for _p, n in value.trend]
        labels = [o.period_label(pp, lang) for pp, _n in value.trend]
        actual = _num(t, _people(ind.measure, value.actual))
        summary = (
            t("public.actual_target", period=period, actual=actual, target=value.target)
            if value.target is not None
            else t("public.actual", period=period, actual=actual)
        )
        out.append(
            f'<article class="indicator" data-indicator="{e(ind.code)}" '
            f'aria-labelledby="i-{e(ind.code)}"><h3 id="i-{e(ind.code)}">{e(name)}</h3>'
            f"<p>{e(summary)}</p><figure>"
        )
        out.append(
            indicator_svg(
                t("public.chart_label", name=name),
                labels,
                shown,
                actual_label=t("public.col_actual"),
                target=value.target,
                target_label=t("public.col_target"),
            )
        )
        out.append(f"<figcaption>{e(t('public.chart_caption', name=name))}</figcaption></figure>")
        out.append(
            f'<table class="indicator-table"><caption>{e(t("public.table_caption", name=name))}'
            f'</caption><thead><tr><th scope="col">{e(t("public.col_period"))}</th>'
            f'<th scope="col">{e(t("public.col_actual"))}</th>'
            + (
                f'<th scope="col">{e(t("public.col_target"))}</th>'
                if value.target is not None
                else ""
            )
            + "</tr></thead><tbody>"
        )
        for label, n in zip(labels, shown, strict=True):
            target = f'<td class="n">{value.target:,}</td>' if value.target is not None else ""
            out.append(
                f'<tr><th scope="row">{e(label)}</th><td class="n">{e(_num(t, n))}</td>'
                f"{target}</tr>"
            )
        out.append("</tbody></table></article>")
    out.append("</section>")

    out.append(
        f'<section aria-labelledby="h-matrix"><h2 id="h-matrix">{e(t("public.matrix"))}</h2>'
        f'<p>{e(t("public.matrix_note"))}</p><table class="matrix"><caption>'
        f"{e(t('public.matrix_caption'))}</caption><thead><tr><td></td>"
    )
    kind_names = {k: t(f"profiles.kind_{k}") for k in KINDS}
    out += [f'<th scope="col">{e(kind_names[k])}</th>' for k in KINDS]
    out.append("</tr></thead><tbody>")
    for a in KINDS:
        cells = []
        for b in KINDS:
            n = matrix.get((a, b) if a <= b else (b, a), 0)
            cells.append(f'<td class="n">{e(_num(t, p.people_count(n) if n else 0))}</td>')
        out.append(f'<tr><th scope="row">{e(kind_names[a])}</th>{"".join(cells)}</tr>')
    out.append("</tbody></table></section>")

    out.append(f'<section aria-labelledby="h-done"><h2 id="h-done">{e(t("public.completed"))}</h2>')
    if not done:
        out.append(f"<p>{e(t('public.none'))}</p>")
    for item in done[:LISTED]:
        who = item.organisation or kind_names.get(item.actor_kind, "")
        meta = t(
            "public.completed_meta",
            date=_day(item.completed_at, tz),
            who=who,
            category=ward.categories.label(item.category, lang),
            participants=_num(t, item.participants),
        )
        out.append(
            f'<article class="item"><h3>{e(item.title)}</h3><p class="muted">{e(meta)}</p>'
            f"<p>{e(t('public.labelled', label=t('public.result'), text=item.result_summary or '-'))}</p>"
            f"<p>{e(t('public.labelled', label=t('public.reflection'), text=item.result_reflection or '-'))}</p>"
            f"{summary_html(t, evaluated.get(item.id))}</article>"
        )
    if len(done) > LISTED:
        out.append(
            f'<p class="more">{e(t("public.more", shown=LISTED))} '
            '<a href="/open-data/initiatives.csv">initiatives.csv</a></p>'
        )
    out.append("</section>")

    out.append(f'<section aria-labelledby="h-ideas"><h2 id="h-ideas">{e(t("public.ideas"))}</h2>')
    if not ideas:
        out.append(f"<p>{e(t('public.none'))}</p>")
    for idea in ideas:
        status = t(f"ideas.status_{idea.status}")
        out.append(
            f'<article class="item"><h3>{e(idea.body[:80])}</h3>'
            f'<p class="muted">{e(t("public.idea_meta", call=idea.call_title, status=status, date=_day(idea.answered_at, tz)))}</p>'
            f"<p>{e(t('public.labelled', label=t('public.answer'), text=idea.answer))}</p></article>"
        )
    out.append("</section>")

    out.append(
        f'<section aria-labelledby="h-open"><h2 id="h-open">{e(t("public.open_data"))}</h2>'
        f'<p>{e(t("public.open_data_note"))} <a href="/open-data/datapackage.json">'
        "datapackage.json</a></p></section></main>"
        f'<footer><p class="muted">{e(t("public.footer"))}</p></footer></body></html>'
    )
    return "".join(out)


@router.get("/public", response_class=HTMLResponse)
async def public_page(request: Request, lang: str | None = None) -> Response:
    runtime, chosen = request.app.state.runtime, _lang(lang)

    def page() -> tuple[bytes, str]:
        return render(runtime, chosen).encode("utf-8"), "text/html; charset=utf-8"

    return await cached_response(request, f"public:{chosen}", page)
