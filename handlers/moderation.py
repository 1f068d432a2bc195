"""Moderation: report buttons, auto-hide after N reports, staff review, item history.

One report per person per item (a unique row); after ``report_threshold`` open reports the
item is hidden for everyone but staff, its author is told, and staff get the case in the staff
channel with buttons to keep it hidden, restore it or suspend the author.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.actions import action, pack
from bot.core.replies import Button, Card, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from storage.db import stored_id
from storage.models import AuditLog, Idea, Initiative, Opinion, Person, Report

router = Router()

Entity = Literal["initiative", "idea", "opinion"]
Reportable = Initiative | Idea | Opinion


def _load(turn: Turn, entity: Entity, entity_id: int) -> Reportable | None:
    """The reported item; one branch per kind so each ``get`` is typed by its model."""
    if entity == "initiative":
        return turn.db.get(Initiative, entity_id)
    if entity == "idea":
        return turn.db.get(Idea, entity_id)
    return turn.db.get(Opinion, entity_id)


AUTHOR = {"initiative": "poster_id", "idea": "author_id", "opinion": "person_id"}


REASONS = ("inappropriate", "personal", "promotion", "other")


@action("xr")
class ReportItem:
    """The report itself (the answer to ``AskReport``); ``reason`` is one of REASONS."""

    entity: Entity
    entity_id: int
    reason: str = ""


@action("xa")
class AskReport:
    """The card's 「通報する」: asks once, with the reason as the answer (いいえ = nothing)."""

    entity: Entity
    entity_id: int


@action("xn")
class KeepReport:
    entity: Entity
    entity_id: int


@action("xd")
class Decide:
    entity: Entity
    entity_id: int
    decision: Literal["keep", "restore", "suspend"]
    confirmed: bool = False  # 投稿者を停止 asks once (はい carries True)


@action("xk")
class KeepSuspend:
    """いいえ to 投稿者を停止: nothing changes."""

    entity: Entity
    entity_id: int


@action("xh")
class ShowHistory:
    entity: Entity
    entity_id: int


def report_button(turn: Turn, entity: Entity, entity_id: int) -> Button:
    """The 「通報する」 button other modules put on cards (set apart from the others)."""
    return Button(
        label=turn.t("moderation.report"), data=pack(AskReport(entity, entity_id)), style="subtle"
    )


@router.action(AskReport)
def ask_report(turn: Turn, r: AskReport) -> None:
    item = _load(turn, r.entity, r.entity_id) if r.entity in AUTHOR else None
    if item is None:
        turn.say_text("common.not_found")
        return
    buttons = [
        Button(
            label=turn.t(f"moderation.reason_{code}"),
            data=pack(ReportItem(r.entity, r.entity_id, code)),
        )
        for code in REASONS
    ]
    buttons.append(Button(label=turn.t("common.no"), data=pack(KeepReport(r.entity, r.entity_id))))
    turn.say(Choices(text=turn.t("moderation.confirm", title=_title(item)), buttons=tuple(buttons)))


@router.action(KeepReport)
def keep_report(turn: Turn, _r: KeepReport) -> None:
    turn.say_text("moderation.not_reported")


def _title(item: Reportable) -> str:
    text = str(getattr(item, "title", None) or getattr(item, "body", ""))
    return text[:30]


@router.action(ReportItem)
def report(turn: Turn, r: ReportItem) -> None:
    item = _load(turn, r.entity, r.entity_id)
    if item is None:
        turn.say_text("common.not_found")
        return
    exists = turn.db.exec(
        select(Report.id).where(
            Report.entity == r.entity,
            Report.entity_id == r.entity_id,
            Report.person_id == turn.person.id,
        )
    ).first()
    if exists is not None:
        turn.say_text("moderation.already_reported")
        return
    turn.db.add(
        Report(
            entity=r.entity,
            entity_id=r.entity_id,
            person_id=stored_id(turn.person.id),
            reason=r.reason if r.reason in REASONS else None,
            created_at=turn.now,
        )
    )
    turn.db.flush()
    turn.audit("report.created", r.entity, r.entity_id)
    open_reports = turn.db.exec(
        select(func.count())
        .select_from(Report)
        .where(
            Report.entity == r.entity,
            Report.entity_id == r.entity_id,
            col(Report.resolved).is_(False),
        )
    ).one()
    threshold = turn.config.report_threshold
    turn.say_text("moderation.reported")
    if open_reports >= threshold and not item.hidden:
        item.hidden = True
        turn.db.add(item)
        turn.audit("moderation.auto_hidden", r.entity, r.entity_id, reports=open_reports)
        author = turn.db.get(Person, getattr(item, AUTHOR[r.entity]))
        if author is not None:
            turn.notify(
                author,
                Text(text=turn.tr_for(author)("moderation.hidden_author", title=_title(item))),
                dedupe_key=f"hidden:{r.entity}:{r.entity_id}:{open_reports}",
            )
        case = staff_case(turn, r.entity, r.entity_id, item, open_reports, hidden=True)
        turn.notify_staff(case, thread_key=f"{r.entity}:{r.entity_id}")  # the item's history
        # and a top-level alert in #staff, linked to that thread (see SlackMessenger)
        turn.notify_staff(case, thread_key=f"alert:{r.entity}:{r.entity_id}:{open_reports}")
        refresh_root(turn, r.entity, item)


def refresh_root(turn: Turn, entity: Entity, item: Reportable) -> None:
    """An initiative's ``#staff`` root card and an idea's card in its call's thread show
    whether the item is hidden: update them in place."""
    if entity == "initiative" and isinstance(item, Initiative):
        from handlers.initiative_views import refresh_staff_card

        turn.db.flush()
        refresh_staff_card(turn, item)
    if entity == "idea" and isinstance(item, Idea):
        from handlers.ideas import refresh_idea_card

        refresh_idea_card(turn, item)


def staff_case(
    turn: Turn, entity: Entity, entity_id: int, item: Reportable, count: int, *, hidden: bool
) -> Card:
    t = turn.catalog.translator("ja")  # the staff channel reads Japanese
    kind = t(f"moderation.kind_{entity}")
    key = "moderation.staff_hidden" if hidden else "moderation.staff_report"
    return Card(
        title=t(key, count=count, kind=kind, title=_title(item)),
        body=str(getattr(item, "description", None) or getattr(item, "body", "")),
        buttons=(
            Button(label=t("moderation.keep_hidden"), data=pack(Decide(entity, entity_id, "keep"))),
            Button(
                label=t("moderation.restore"),
                data=pack(Decide(entity, entity_id, "restore")),
                style="primary",
            ),
            Button(
                label=t("moderation.suspend"),
                data=pack(Decide(entity, entity_id, "suspend")),
                style="danger",
            ),
            Button(label=t("moderation.history"), data=pack(ShowHistory(entity, entity_id))),
        ),
    )


@router.action(Decide)
def decide(turn: Turn, d: Decide) -> None:
    if not turn.require_staff():
        return
    item = _load(turn, d.entity, d.entity_id)
    if item is None:
        turn.say_text("common.not_found")
        return
    author = turn.db.get(Person, getattr(item, AUTHOR[d.entity]))
    if d.decision == "suspend" and not d.confirmed:
        turn.say(
            Choices(
                text=turn.t("staff.suspend_confirm", title=_title(item)),
                buttons=(
                    Button(
                        label=turn.t("staff.suspend_yes"),
                        data=pack(Decide(d.entity, d.entity_id, "suspend", confirmed=True)),
                        style="danger",
                    ),
                    Button(
                        label=turn.t("staff.suspend_no"),
                        data=pack(KeepSuspend(d.entity, d.entity_id)),
                    ),
                ),
            )
        )
        return
    item.hidden = d.decision != "restore"
    turn.db.add(item)
    for rep in turn.db.exec(
        select(Report).where(
            Report.entity == d.entity,
            Report.entity_id == d.entity_id,
            col(Report.resolved).is_(False),
        )
    ).all():
        rep.resolved = True
        turn.db.add(rep)
    if d.decision == "suspend" and author is not None:
        author.suspended = True
        turn.db.add(author)
    turn.audit(f"moderation.{d.decision}", d.entity, d.entity_id)
    refresh_root(turn, d.entity, item)
    if author is not None:
        tr = turn.tr_for(author)
        turn.notify(
            author,
            Text(text=tr(f"moderation.decided_{d.decision}", title=_title(item))),
            dedupe_key=f"decided:{d.entity}:{d.entity_id}:{turn.event.event_id}",
        )
    label = {
        "keep": "moderation.keep_hidden",
        "restore": "moderation.restore",
        "suspend": "moderation.suspend",
    }
    turn.say_text("moderation.done", decision=turn.t(label[d.decision]))


@router.action(KeepSuspend)
def keep_suspend(turn: Turn, _k: KeepSuspend) -> None:
    if not turn.require_staff():
        return
    turn.say_text("staff.suspend_kept")


def audit_words(turn: Turn, code: str) -> str:
    """The catalog's words for an audit code, the code after them as a reference for logs.

    A code from an older version, with no words, shows as itself.
    """
    key = "audit." + code.replace(".", "_")
    if key not in turn.catalog.message_keys():
        return code
    return turn.t("moderation.history_action", words=turn.t(key), code=code)


@router.action(ShowHistory)
def history(turn: Turn, h: ShowHistory) -> None:
    """Who changed what and when on one item (staff only)."""
    if not turn.require_staff():
        return
    rows = turn.db.exec(
        select(AuditLog, col(Person.display_name))
        .join(Person, col(Person.id) == col(AuditLog.person_id), isouter=True)
        .where(col(AuditLog.entity) == h.entity, col(AuditLog.entity_id) == h.entity_id)
        .order_by(col(AuditLog.at), col(AuditLog.id))
    ).all()
    kind = turn.t(f"moderation.kind_{h.entity}")
    lines = [
        turn.t(
            "moderation.history_line",
            when=turn.local(row.at).strftime("%Y-%m-%d %H:%M"),
            who=name or "-",
            action=audit_words(turn, row.action),
        )
        for row, name in rows
    ] or [turn.t("moderation.history_empty")]
    turn.say(
        Card(
            title=turn.t("moderation.history_title", kind=kind, id=h.entity_id),
            body="\n".join(lines),
        )
    )
