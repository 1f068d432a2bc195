"""The staff dashboard (Slack App Home, ``/kyodo dashboard``) and the month's numbers.

The numbers card's body is the outcome ledger (targets, trend, totals); its fields stay the
month's live activity.

Staff only, re-checked on every call. Read-only: it queries the shared models directly and
says one card per section, so it fits any channel (Slack Home view, simulator staff pane).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.replies import Card
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import outcome_numbers
from storage.models import (
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    InitiativeStatus,
    Meeting,
    Participation,
)

router = Router()

LIST_LIMIT = 10
WAITING_IDEAS = (IdeaStatus.RECEIVED, IdeaStatus.REVIEWING)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def week_bounds(turn: Turn) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00 in the ward's timezone."""
    local = turn.local(turn.now)
    start = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(days=7)


def month_start(turn: Turn) -> datetime:
    return turn.local(turn.now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _section(turn: Turn, title_key: str, lines: list[str], total: int) -> Card:
    body = "\n".join(f"• {line}" for line in lines) if lines else turn.t("dashboard.none")
    if total > len(lines):
        body += "\n" + turn.t("dashboard.and_more", count=total - len(lines))
    return Card(title=turn.t(title_key), body=body, badge=turn.t("dashboard.count", count=total))


def initiatives_waiting(turn: Turn) -> Card:
    where = (
        col(Initiative.status) == InitiativeStatus.RECRUITING,
        col(Initiative.facilitator_id).is_(None),
        col(Initiative.hidden) == False,  # noqa: E712
    )
    total = turn.db.exec(select(func.count()).select_from(Initiative).where(*where)).one()
    rows = turn.db.exec(
        select(Initiative).where(*where).order_by(col(Initiative.created_at)).limit(LIST_LIMIT)
    ).all()
    lines = [
        turn.t("dashboard.initiative_line", title=_short(i.title), posted=_day(turn, i.created_at))
        for i in rows
    ]
    return _section(turn, "dashboard.initiatives_waiting", lines, total)


def ideas_waiting(turn: Turn) -> Card:
    where = (col(Idea.status).in_(WAITING_IDEAS), col(Idea.hidden) == False)  # noqa: E712
    total = turn.db.exec(select(func.count()).select_from(Idea).where(*where)).one()
    rows = turn.db.exec(
        select(Idea, col(IdeaCall.title))
        .join(IdeaCall, col(IdeaCall.id) == col(Idea.call_id))
        .where(*where)
        .order_by(col(Idea.created_at))
        .limit(LIST_LIMIT)
    ).all()
    lines = [
        turn.t(
            "dashboard.idea_line",
            idea=_short(idea.body),
            call=_short(call_title, 20),
            status=turn.t(f"dashboard.idea_{idea.status}"),
        )
        for idea, call_title in rows
    ]
    return _section(turn, "dashboard.ideas_waiting", lines, total)


def meetings_this_week(turn: Turn) -> Card:
    start, end = week_bounds(turn)
    where = (
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < end,
        col(Meeting.status) != "cancelled",
    )
    total = turn.db.exec(select(func.count()).select_from(Meeting).where(*where)).one()
    rows = turn.db.exec(
        select(Meeting).where(*where).order_by(col(Meeting.starts_at)).limit(LIST_LIMIT)
    ).all()
    lines = [
        turn.t(
            "dashboard.meeting_line",
            when=turn.local(m.starts_at).strftime("%m/%d %H:%M"),
            title=_short(m.title),
        )
        for m in rows
    ]
    return _section(turn, "dashboard.meetings_week", lines, total)


def open_calls(turn: Turn) -> Card:
    where = (col(IdeaCall.status) == "open",)
    total = turn.db.exec(select(func.count()).select_from(IdeaCall).where(*where)).one()
    counts = (
        select(col(Idea.call_id), func.count(col(Idea.id)).label("n"))
        .where(col(Idea.status) != IdeaStatus.WITHDRAWN)
        .group_by(col(Idea.call_id))
        .subquery()
    )
    rows = turn.db.exec(
        select(IdeaCall, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.call_id == col(IdeaCall.id))
        .where(*where)
        .order_by(col(IdeaCall.deadline))
        .limit(LIST_LIMIT)
    ).all()
    lines = [
        turn.t(
            "dashboard.call_line",
            title=_short(call.title),
            ideas=n,
            deadline=_day(turn, call.deadline),
        )
        for call, n in rows
    ]
    return _section(turn, "dashboard.open_calls", lines, total)


def month_numbers(turn: Turn) -> Card:
    start = month_start(turn)
    db = turn.db
    posted = db.exec(
        select(func.count()).select_from(Initiative).where(Initiative.created_at >= start)
    ).one()
    joins = db.exec(
        select(func.count())
        .select_from(Participation)
        .where(Participation.created_at >= start, Participation.status == "joined")
    ).one()
    ideas = db.exec(select(func.count()).select_from(Idea).where(Idea.created_at >= start)).one()
    held = db.exec(
        select(func.count())
        .select_from(Meeting)
        .where(
            Meeting.starts_at >= start,
            Meeting.starts_at <= turn.now,
            Meeting.status != "cancelled",
        )
    ).one()
    label = turn.t("dashboard.month_label", year=start.year, month=start.month)
    return Card(
        title=turn.t("dashboard.numbers"),
        body=outcome_numbers.staff_summary(turn),
        fields=(
            (turn.t("dashboard.n_initiatives"), str(posted)),
            (turn.t("dashboard.n_joins"), str(joins)),
            (turn.t("dashboard.n_ideas"), str(ideas)),
            (turn.t("dashboard.n_meetings"), str(held)),
        ),
        badge=label,
    )


def _day(turn: Turn, when: datetime | None) -> str:
    return turn.local(when).strftime("%m/%d") if when else "-"


@router.command("dashboard", staff=True)
def dashboard(turn: Turn, _args: str) -> None:
    if not turn.require_staff():
        return
    turn.say(
        initiatives_waiting(turn),
        ideas_waiting(turn),
        meetings_this_week(turn),
        open_calls(turn),
        month_numbers(turn),
    )


@router.command("numbers", staff=True)
def numbers(turn: Turn, _args: str) -> None:
    if not turn.require_staff():
        return
    turn.say(month_numbers(turn))
