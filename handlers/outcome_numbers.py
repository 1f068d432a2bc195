"""Outcome numbers for people in chat: staff's totals and targets, a resident's own part.

Everything comes from storage/queries/outcomes.py, the same reader /public and the open
data use, so a number in Slack is the number on the public page (staff also see hidden
items counted).
"""

from __future__ import annotations

from bot.core.replies import Card
from bot.core.turn import Turn
from storage import ledger
from storage.queries import outcomes as o

TOTALS = (
    (ledger.COMPLETED, "outcomes.t_completed"),
    (ledger.PARTICIPANTS, "outcomes.t_participants"),
    (ledger.IDEAS_ADOPTED, "outcomes.t_adopted"),
    (ledger.MEETINGS_HELD, "outcomes.t_meetings"),
)


def public_url(turn: Turn) -> str:
    base = turn.config.public_base_url.rstrip("/")
    return f"{base}/public"


def _number_line(turn: Turn, values: dict[str, int]) -> str:
    return turn.t("outcomes.sep").join(
        turn.t(key, n=values.get(measure, 0)) for measure, key in TOTALS
    )


def staff_summary(turn: Turn) -> str:
    """Each indicator this period against its target with its trend, then all-time totals."""
    lang = turn.person.language
    lines: list[str] = []
    for ind in turn.ward.indicators:
        value = o.indicator_value(
            turn.db, ind.measure, ind.period, ind.target, turn.now, turn.tz, public=False
        )
        trend = " → ".join(str(n) for _p, n in value.trend)
        label = o.period_label(value.period, lang)
        if value.target is None:
            lines.append(
                turn.t(
                    "outcomes.indicator_no_target",
                    name=ind.display(lang),
                    period=label,
                    actual=value.actual,
                    trend=trend,
                )
            )
        else:
            lines.append(
                turn.t(
                    "outcomes.indicator",
                    name=ind.display(lang),
                    period=label,
                    actual=value.actual,
                    target=value.target,
                    percent=value.percent,
                    trend=trend,
                )
            )
    totals = o.totals(turn.db, public=False)
    lines.append(turn.t("outcomes.all_time", numbers=_number_line(turn, totals)))
    lines.append(turn.t("outcomes.public_link", url=public_url(turn)))
    return "\n".join(lines)


def resident_card(turn: Turn) -> Card:
    """「あなたの協働」 for マイページ: the person's own part, then the ward's headline numbers."""
    mine = o.person_summary(turn.db, turn.person.id or 0)
    ward = o.totals(turn.db, public=True)
    body = "\n".join(
        (
            turn.t("outcomes.ward_headline", numbers=_number_line(turn, ward)),
            turn.t("outcomes.public_link", url=public_url(turn)),
        )
    )
    return Card(
        title=turn.t("outcomes.yours_title"),
        body=body,
        fields=(
            (turn.t("outcomes.f_completed"), turn.t("outcomes.n_items", n=mine["completed"])),
            (turn.t("outcomes.f_attended"), turn.t("outcomes.n_times", n=mine["attended"])),
            (turn.t("outcomes.f_adopted"), turn.t("outcomes.n_items", n=mine["adopted"])),
        ),
    )
