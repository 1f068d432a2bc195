"""The 協働評価 summary of a completed initiative on ``/public``: what its poster published.

Only published summaries (medians of at least two answers and the comments the poster
approved), never names; kept apart from ``public.py`` so the page only gains one call.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from storage.models import EvaluationSummary
from storage.queries.evaluations import QUESTIONS


def _score(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def summary_html(t: Translator, summary: EvaluationSummary | None) -> str:
    """A small table of medians with the approved comments, or "" when nothing is published."""
    if summary is None or not summary.medians:
        return ""
    e = escape
    caption = t("evaluations.public_heading", n=summary.answers)
    rows = "".join(
        f'<tr><th scope="row">{e(t(f"evaluations.f_{q}"))}</th>'
        f'<td class="n">{e(_score(summary.medians[q]))}</td></tr>'
        for q in QUESTIONS
        if q in summary.medians
    )
    out = [
        f'<div class="evaluation"><table class="evaluation-table"><caption>{e(caption)}'
        f"</caption><tbody>{rows}</tbody></table>"
    ]
    comments = [str(c.get("text") or "") for c in summary.comments if c.get("text")]
    if comments:
        out.append(f"<p>{e(t('evaluations.public_comments'))}</p><ul>")
        out += [f"<li>{e(c)}</li>" for c in comments]
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)
