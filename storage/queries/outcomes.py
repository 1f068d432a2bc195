"""Outcome counts: the one place every surface (staff numbers, App Home, マイページ, /public,
open data) reads collaboration numbers from, so they can never disagree.

Counts sum ledger facts (storage/ledger.py). ``public=True`` leaves out facts about items
hidden by moderation; staff see them counted. Periods are in the ward's timezone; a fiscal
year runs from 4月1日 to 3月31日.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage import ledger
from storage.models import Idea, Initiative, OutcomeFact

Breakdown = Literal["area", "category", "actor_kind"]


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; both None means all time."""

    kind: Literal["month", "fiscal_year", "all"]
    start: datetime | None = None
    end: datetime | None = None
    year: int | None = None
    month: int | None = None


ALL_TIME = Period("all")


def month(year: int, month_: int, tz: tzinfo) -> Period:
    start = datetime(year, month_, 1, tzinfo=tz)
    end = datetime(year + (month_ == 12), month_ % 12 + 1, 1, tzinfo=tz)
    return Period("month", start, end, year, month_)


def fiscal_year(year: int, tz: tzinfo) -> Period:
    """年度 ``year``: 4月1日 of ``year`` to 4月1日 of the next year, ward time."""
    return Period(
        "fiscal_year", datetime(year, 4, 1, tzinfo=tz), datetime(year + 1, 4, 1, tzinfo=tz), year
    )


def fiscal_year_of(when: datetime, tz: tzinfo) -> int:
    local = when.astimezone(tz)
    return local.year if local.month >= 4 else local.year - 1


def this_fiscal_year(now: datetime, tz: tzinfo) -> Period:
    return fiscal_year(fiscal_year_of(now, tz), tz)


def this_month(now: datetime, tz: tzinfo) -> Period:
    local = now.astimezone(tz)
    return month(local.year, local.month, tz)


def _filtered(stmt: Any, period: Period, public: bool, **where: str | None) -> Any:
    if period.start is not None:
        stmt = stmt.where(col(OutcomeFact.occurred_at) >= period.start)
    if period.end is not None:
        stmt = stmt.where(col(OutcomeFact.occurred_at) < period.end)
    for name, value in where.items():
        if value is not None:
            stmt = stmt.where(getattr(OutcomeFact, name) == value)
    if public:
        hidden_initiatives = select(Initiative.id).where(col(Initiative.hidden).is_(True))
        hidden_ideas = select(Idea.id).where(col(Idea.hidden).is_(True))
        stmt = stmt.where(
            or_(
                col(OutcomeFact.initiative_id).is_(None),
                col(OutcomeFact.initiative_id).not_in(hidden_initiatives),
            ),
            or_(col(OutcomeFact.idea_id).is_(None), col(OutcomeFact.idea_id).not_in(hidden_ideas)),
        )
    return stmt


def totals(
    db: Session,
    period: Period = ALL_TIME,
    *,
    public: bool,
    area: str | None = None,
    category: str | None = None,
    actor_kind: str | None = None,
) -> dict[str, int]:
    """Every measure's count in the period (0 where nothing happened)."""
    stmt = select(OutcomeFact.measure, func.sum(OutcomeFact.quantity)).group_by(OutcomeFact.measure)
    stmt = _filtered(stmt, period, public, area=area, category=category, actor_kind=actor_kind)
    found = {m: int(n or 0) for m, n in db.exec(stmt).all()}
    return {m: found.get(m, 0) for m in ledger.MEASURES}


def count(db: Session, measure: str, period: Period = ALL_TIME, *, public: bool) -> int:
    return totals(db, period, public=public)[measure]


def breakdown(
    db: Session, measure: str, by: Breakdown, period: Period = ALL_TIME, *, public: bool
) -> dict[str, int]:
    """A measure split by area, category or actor kind (None for facts without one)."""
    column = getattr(OutcomeFact, by)
    stmt = (
        select(column, func.sum(OutcomeFact.quantity))
        .where(OutcomeFact.measure == measure)
        .group_by(column)
    )
    rows = db.exec(_filtered(stmt, period, public)).all()
    return {key or "": int(n or 0) for key, n in sorted(rows, key=lambda r: str(r[0] or ""))}


def trend(
    db: Session,
    measure: str,
    periods: Iterable[Period],
    *,
    public: bool,
) -> list[tuple[Period, int]]:
    """The measure in each of the given periods, in order."""
    return [(p, count(db, measure, p, public=public)) for p in periods]


def recent_months(now: datetime, tz: tzinfo, n: int = 12) -> list[Period]:
    local = now.astimezone(tz)
    year, mon = local.year, local.month
    out: list[Period] = []
    for _ in range(n):
        out.append(month(year, mon, tz))
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return out[::-1]


def recent_fiscal_years(now: datetime, tz: tzinfo, n: int = 5) -> list[Period]:
    current = fiscal_year_of(now, tz)
    return [fiscal_year(y, tz) for y in range(current - n + 1, current + 1)]


def partnership_matrix(
    db: Session, period: Period = ALL_TIME, *, public: bool
) -> dict[tuple[str, str], int]:
    """Completed initiatives in which actor kinds a and b worked together (a ≤ b)."""
    stmt = (
        select(OutcomeFact.actor_kind, OutcomeFact.partner_kind, func.sum(OutcomeFact.quantity))
        .where(OutcomeFact.measure == ledger.PARTNERSHIPS)
        .group_by(col(OutcomeFact.actor_kind), col(OutcomeFact.partner_kind))
    )
    return {(a, b): int(n) for a, b, n in db.exec(_filtered(stmt, period, public)).all()}


def mean_days_to_answer(db: Session, period: Period = ALL_TIME, *, public: bool) -> float | None:
    stmt = select(func.avg(OutcomeFact.days)).where(OutcomeFact.measure == ledger.IDEAS_ANSWERED)
    value = db.exec(_filtered(stmt, period, public)).one()
    return None if value is None else round(float(value), 1)


def participants_of(db: Session, initiative_ids: Iterable[int]) -> dict[int, int]:
    """Participants frozen at 完了, per initiative."""
    ids = list(initiative_ids)
    if not ids:
        return {}
    rows = db.exec(
        select(OutcomeFact.initiative_id, func.sum(OutcomeFact.quantity))
        .where(
            OutcomeFact.measure == ledger.PARTICIPANTS,
            col(OutcomeFact.initiative_id).in_(ids),
        )
        .group_by(col(OutcomeFact.initiative_id))
    ).all()
    found: dict[int, int] = defaultdict(int)
    for ini_id, n in rows:
        found[int(ini_id or 0)] = int(n or 0)
    return {i: found[i] for i in ids}


def person_summary(db: Session, person_id: int) -> dict[str, int]:
    """「あなたの協働」: one person's own facts (joined-and-completed, attended, adopted)."""
    rows = db.exec(
        select(OutcomeFact.measure, func.count())
        .where(OutcomeFact.person_id == person_id)
        .group_by(OutcomeFact.measure)
    ).all()
    found = dict(rows)
    return {
        "completed": int(found.get(ledger.PARTICIPANTS, 0)),
        "attended": int(found.get(ledger.ATTENDANCE, 0)),
        "ideas": int(found.get(ledger.IDEAS_SUBMITTED, 0)),
        "adopted": int(found.get(ledger.IDEAS_ADOPTED, 0)),
    }


def current_period(kind: str, now: datetime, tz: tzinfo) -> Period:
    if kind == "month":
        return this_month(now, tz)
    if kind == "fiscal_year":
        return this_fiscal_year(now, tz)
    return ALL_TIME


def trend_periods(kind: str, now: datetime, tz: tzinfo) -> list[Period]:
    """The periods an indicator's trend is drawn over: 12 months or 5 fiscal years."""
    if kind == "month":
        return recent_months(now, tz, 12)
    return recent_fiscal_years(now, tz, 5)


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator this period: actual against target, and the trend behind it."""

    measure: str
    period: Period
    actual: int
    target: int | None
    trend: list[tuple[Period, int]]

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return round(100 * self.actual / self.target)


def indicator_value(
    db: Session,
    measure: str,
    period_kind: str,
    target: int | None,
    now: datetime,
    tz: tzinfo,
    *,
    public: bool,
) -> IndicatorValue:
    period = current_period(period_kind, now, tz)
    if period_kind == "all":  # a running total: the trend is cumulative by fiscal year
        points = [
            (p, count(db, measure, Period("all", None, p.end), public=public))
            for p in recent_fiscal_years(now, tz, 5)
        ]
    else:
        points = trend(db, measure, trend_periods(period_kind, now, tz), public=public)
    return IndicatorValue(
        measure, period, count(db, measure, period, public=public), target, points
    )


def period_label(period: Period, language: str) -> str:
    """令和 is not used: 2026年度 reads the same to everyone and sorts."""
    language = "ja" if language == "easy" else language  # both Japanese registers
    if period.kind == "month":
        return (
            f"{period.year}年{period.month}月"
            if language == "ja"
            else f"{period.year}-{period.month:02d}"
        )
    if period.kind == "fiscal_year":
        return f"{period.year}年度" if language == "ja" else f"FY{period.year}"
    return "累計" if language == "ja" else "All time"
