"""Indicator charts as inline SVG, drawn on the server with pygal (no CDN, no JavaScript).

pygal always embeds a small configuration script for its optional tooltips; the page needs
no script at all (and must work with scripts off), so it is removed from the output. The chart's
id (pygal picks a random one) is derived from its content, so the same numbers give the same
bytes and the page's strong ETag holds across renders.
"""

from __future__ import annotations

import hashlib
import re

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)

# Dark text on white and saturated bars: WCAG 2.2 AA contrast for labels (≥ 4.5:1).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#000000",
    foreground_subtle="#4d4d4d",
    colors=("#0b5394", "#a64d00"),
    font_family="'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=16,
    opacity="1",
    opacity_hover="1",
)


def indicator_svg(
    title: str,
    labels: list[str],
    values: list[int | None],
    *,
    actual_label: str,
    target: int | None,
    target_label: str,
) -> str:
    """A bar per period (None leaves a gap, e.g. a suppressed small count) and the target."""
    chart = pygal.Bar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=720,
        height=320,
        x_labels=labels,
        show_legend=target is not None,
        legend_at_bottom=True,
        print_values=False,
        title=None,
        include_x_axis=True,
        range=(0, max([v or 0 for v in values] + [target or 0, 1])),
    )
    chart.uuid = hashlib.sha256(repr((title, labels, values, target)).encode()).hexdigest()[:32]
    chart.add(actual_label, values)
    if target is not None:
        chart.add(target_label, [target] * len(labels), stroke=True)
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    label = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
