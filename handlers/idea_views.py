"""Shared pieces of アイデア募集型: actions, queries and cards used by residents, staff and jobs.

Kept apart from the two dialog modules (``ideas`` for residents, ``idea_calls`` for staff) so the
deadline jobs and the CSV export can render the same cards and counts without a Turn.
Every function takes a translator (``t``) so the same card can go to a person in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, select

from bot.core.actions import action, pack
from bot.core.replies import Button, Card
from bot.i18n import Catalog, Translator
from bot.settings import Settings
from bot.ward import Ward
from storage.models import (
    Idea,
    IdeaCall,
    IdeaStatus,
    IdeaSupport,
    Person,
    Subscription,
)

DRAFT, OPEN, CLOSED = "draft", "open", "closed"
FINAL = (IdeaStatus.ADOPTED, IdeaStatus.PARTLY, IdeaStatus.DECLINED)
UNANSWERED = (IdeaStatus.RECEIVED, IdeaStatus.REVIEWING)
VISIBLE = (
    IdeaStatus.RECEIVED,
    IdeaStatus.REVIEWING,
    IdeaStatus.ADOPTED,
    IdeaStatus.PARTLY,
    IdeaStatus.DECLINED,
)


def thread_key(call_id: int) -> str:
    return f"idea_call:{call_id}"


def export_path(call_id: int) -> str:
    """Path of the signed CSV export (served by ``bot/web/exports.py``)."""
    return f"/exports/idea-calls/{call_id}.csv"


# ---------------------------------------------------------------- actions (prefix namespace "a")
# Resident side


@action("asb")
class StartIdea:
    call_id: int


@action("abr")
class BrowseIdeas:
    call_id: int
    page: int = 0


@action("asp")
class SupportIdea:
    idea_id: int


@action("amy")
class MyIdeas:
    call_id: int


@action("aie")
class EditIdea:
    idea_id: int


@action("aiq")
class WithdrawIdea:
    idea_id: int
    confirm: bool = False


@action("ali")
class ListCalls:
    page: int = 0


# Staff side


@action("acn")
class CallForm:
    """Submit of the call form: ``call_id`` 0 creates a draft, otherwise edits that call."""

    call_id: int


@action("acp")
class PublishCall:
    call_id: int
    meeting: bool = False


@action("ace")
class EditCall:
    call_id: int


@action("acx")
class CloseCall:
    call_id: int
    confirm: bool = False


@action("acs")
class ManageCall:
    call_id: int


@action("acm")
class CallMeeting:
    call_id: int


@action("acl")
class StaffIdeas:
    call_id: int
    page: int = 0


@action("acv")
class ExportCall:
    call_id: int


@action("ast")
class SetIdeaStatus:
    """Quick status change without an answer (検討中)."""

    idea_id: int
    status: IdeaStatus


@action("aan")
class AnswerIdea:
    """Open the official-answer form, with ``status`` preselected."""

    idea_id: int
    status: IdeaStatus = IdeaStatus.ADOPTED


@action("aas")
class AnswerForm:
    """Submit of the official-answer form."""

    idea_id: int


@action("ami")
class MakeInitiative:
    idea_id: int


# ---------------------------------------------------------------- queries


def is_accepting(call: IdeaCall | None, now: datetime) -> bool:
    """Open and before the deadline (the close job may not have run yet)."""
    return call is not None and call.status == OPEN and now < call.deadline


def open_calls(db: Session, now: datetime) -> list[IdeaCall]:
    return list(
        db.exec(
            select(IdeaCall)
            .where(IdeaCall.status == OPEN, IdeaCall.deadline > now)
            .order_by(IdeaCall.deadline, IdeaCall.id)
        ).all()
    )


def support_counts(db: Session, idea_ids: list[int]) -> dict[int, int]:
    if not idea_ids:
        return {}
    rows = db.exec(
        select(IdeaSupport.idea_id, func.count(IdeaSupport.id))
        .where(IdeaSupport.idea_id.in_(idea_ids))
        .group_by(IdeaSupport.idea_id)
    ).all()
    return {idea_id: n for idea_id, n in rows}


def visible_ideas(db: Session, call_id: int) -> list[Idea]:
    """Ideas other residents may see: not withdrawn, not hidden by moderation."""
    return list(
        db.exec(
            select(Idea)
            .where(Idea.call_id == call_id, Idea.status.in_(VISIBLE), Idea.hidden == False)  # noqa: E712
            .order_by(Idea.created_at, Idea.id)
        ).all()
    )


@dataclass(frozen=True)
class CallCounts:
    ideas: int
    supports: int
    unanswered: int


def call_counts(db: Session, call_id: int) -> CallCounts:
    ideas = db.exec(
        select(Idea.id, Idea.status).where(Idea.call_id == call_id, Idea.status.in_(VISIBLE))
    ).all()
    supports = support_counts(db, [i for i, _ in ideas])
    return CallCounts(
        ideas=len(ideas),
        supports=sum(supports.values()),
        unanswered=sum(1 for _, status in ideas if status in UNANSWERED),
    )


def followers(db: Session, call: IdeaCall, *, exclude: set[int] = frozenset()) -> list[Person]:
    """People who follow any of the call's categories (live, not suspended)."""
    if not call.categories:
        return []
    ids = set(
        db.exec(
            select(Subscription.person_id).where(
                Subscription.topic == "category", Subscription.value.in_(call.categories)
            )
        ).all()
    ) - set(exclude)
    if not ids:
        return []
    return list(
        db.exec(
            select(Person)
            .where(Person.id.in_(ids), Person.deleted == False, Person.suspended == False)  # noqa: E712
            .order_by(Person.id)
        ).all()
    )


# ---------------------------------------------------------------- formatting


def when(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def categories_text(call: IdeaCall, t: Translator, ward: Ward) -> str:
    return t("ideas.list_separator").join(
        ward.categories.label(c, t.language) for c in call.categories
    )


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_label(status: IdeaStatus | str, t: Translator) -> str:
    return t(f"ideas.status_{IdeaStatus(status).value}")


def call_badge(call: IdeaCall, now: datetime, t: Translator) -> str:
    if call.status == DRAFT:
        return t("ideas.badge_draft")
    if is_accepting(call, now):
        return t("ideas.badge_open")
    return t("ideas.badge_closed")


def call_fields(call: IdeaCall, t: Translator, ward: Ward) -> list[tuple[str, str]]:
    tz = ZoneInfo(ward.timezone)
    fields = [
        (t("ideas.field_wanted"), call.wanted or t("ideas.none")),
        (t("ideas.field_categories"), categories_text(call, t, ward)),
        (t("ideas.field_deadline"), when(call.deadline, tz)),
    ]
    return fields


def author_name(idea: Idea, author: Person | None, t: Translator, *, staff: bool) -> str:
    """Residents see 匿名 for anonymous ideas; staff always see who wrote it."""
    if author is None or author.deleted:
        return t("common.deleted_user")
    if staff:
        name = author.display_name
        return t("ideas.author_anonymous_staff", name=name) if idea.anonymous else name
    return t("ideas.anonymous") if idea.anonymous else author.display_name


def resident_call_card(
    call: IdeaCall, t: Translator, ward: Ward, now: datetime, *, mine: bool = False
) -> Card:
    """The call as residents see it (menu, announcement, digest)."""
    buttons = []
    if is_accepting(call, now):
        buttons.append(
            Button(label=t("ideas.button_submit"), data=pack(StartIdea(call.id)), style="primary")
        )
    if call.public_ideas:
        buttons.append(Button(label=t("ideas.button_browse"), data=pack(BrowseIdeas(call.id))))
    if mine:
        buttons.append(Button(label=t("ideas.button_mine"), data=pack(MyIdeas(call.id))))
    return Card(
        title=call.title,
        body=short(call.problem, 400),
        fields=tuple(call_fields(call, t, ward)),
        buttons=tuple(buttons),
        badge=call_badge(call, now, t),
    )


def digest_card(call: IdeaCall, t: Translator, ward: Ward, now: datetime) -> Card:
    """A call for the weekly digest (the digest job lives with the initiatives helper)."""
    return resident_call_card(call, t, ward, now)


def staff_call_card(db: Session, call: IdeaCall, t: Translator, ward: Ward, now: datetime) -> Card:
    """The staff channel's root message of the call's thread, with live counts."""
    counts = call_counts(db, call.id)
    fields = [
        *call_fields(call, t, ward),
        (t("ideas.field_public"), t("common.yes") if call.public_ideas else t("common.no")),
        (t("ideas.field_count_ideas"), str(counts.ideas)),
        (t("ideas.field_count_supports"), str(counts.supports)),
        (t("ideas.field_count_unanswered"), str(counts.unanswered)),
    ]
    buttons = [Button(label=t("ideas.button_staff_ideas"), data=pack(StaffIdeas(call.id)))]
    if call.status == OPEN:
        buttons.append(Button(label=t("ideas.button_edit_call"), data=pack(EditCall(call.id))))
        buttons.append(
            Button(
                label=t("ideas.button_close_call"), data=pack(CloseCall(call.id)), style="danger"
            )
        )
    buttons.append(Button(label=t("ideas.button_export"), data=pack(ExportCall(call.id))))
    return Card(
        title=t("ideas.staff_call_title", title=call.title),
        body=short(call.problem, 400),
        fields=tuple(fields),
        buttons=tuple(buttons),
        badge=call_badge(call, now, t),
    )


def staff_idea_card(
    db: Session, idea: Idea, t: Translator, ward: Ward, *, supports: int | None = None
) -> Card:
    """One idea as staff see it: who wrote it, and the review buttons."""
    author = db.get(Person, idea.author_id)
    if supports is None:
        supports = support_counts(db, [idea.id]).get(idea.id, 0)
    fields = [
        (t("ideas.field_author"), author_name(idea, author, t, staff=True)),
        (t("ideas.field_reason"), idea.reason or t("ideas.none")),
        (t("ideas.field_supports"), str(supports)),
    ]
    if idea.answer:
        fields.append((t("ideas.field_answer"), idea.answer))
    buttons: list[Button] = []
    if idea.status != IdeaStatus.WITHDRAWN:
        buttons.append(
            Button(
                label=t("ideas.button_answer"),
                data=pack(
                    AnswerIdea(idea.id, idea.status if idea.status in FINAL else IdeaStatus.ADOPTED)
                ),
                style="primary",
            )
        )
        if idea.status == IdeaStatus.RECEIVED:
            buttons.append(
                Button(
                    label=t("ideas.status_reviewing"),
                    data=pack(SetIdeaStatus(idea.id, IdeaStatus.REVIEWING)),
                )
            )
        for status in FINAL:
            if status != idea.status:
                buttons.append(
                    Button(label=status_label(status, t), data=pack(AnswerIdea(idea.id, status)))
                )
        if idea.status in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY) and idea.initiative_id is None:
            buttons.append(
                Button(label=t("ideas.button_make_initiative"), data=pack(MakeInitiative(idea.id)))
            )
    return Card(
        title=t("ideas.staff_idea_title", id=idea.id),
        body=idea.body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        badge=status_label(idea.status, t),
    )


def resident_idea_card(
    idea: Idea,
    author: Person | None,
    t: Translator,
    *,
    supports: int,
    viewer_id: int,
    supported: bool,
    can_support: bool,
) -> Card:
    """One idea as residents browse it (anonymous authors shown as 匿名)."""
    fields = [
        (t("ideas.field_author"), author_name(idea, author, t, staff=False)),
        (t("ideas.field_supports"), str(supports)),
    ]
    if idea.reason:
        fields.insert(1, (t("ideas.field_reason"), idea.reason))
    if idea.answer and idea.status in FINAL:
        fields.append((t("ideas.field_answer"), idea.answer))
    buttons: list[Button] = []
    own = idea.author_id == viewer_id
    if supported and not own:
        fields.append((t("ideas.field_you"), t("ideas.you_supported")))
    elif can_support and not own:
        buttons.append(
            Button(
                label=t("ideas.button_support"), data=pack(SupportIdea(idea.id)), style="primary"
            )
        )
    if not own:
        from handlers.moderation import AskReport

        buttons.append(
            Button(
                label=t("moderation.report"), data=pack(AskReport("idea", idea.id)), style="subtle"
            )
        )
    return Card(
        title=short(idea.body, 40),
        body=idea.body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        badge=status_label(idea.status, t),
    )


# ---------------------------------------------------------------- closing


def summary_card(db: Session, call: IdeaCall, t: Translator) -> Card:
    """What staff need at the deadline: counts, the most supported, what is still unanswered."""
    ideas = visible_ideas(db, call.id)
    supports = support_counts(db, [i.id for i in ideas])
    unanswered = [i for i in ideas if i.status in UNANSWERED]
    top = sorted(ideas, key=lambda i: (-supports.get(i.id, 0), i.id))[:3]
    top_lines = "\n".join(
        t("ideas.summary_top_line", id=i.id, supports=supports.get(i.id, 0), body=short(i.body, 40))
        for i in top
        if supports.get(i.id, 0) > 0
    )
    open_lines = "\n".join(
        t("ideas.summary_open_line", id=i.id, body=short(i.body, 40)) for i in unanswered[:10]
    )
    authors = len({i.author_id for i in ideas})
    fields = [
        (t("ideas.field_count_ideas"), str(len(ideas))),
        (t("ideas.field_count_authors"), str(authors)),
        (t("ideas.field_count_supports"), str(sum(supports.values()))),
        (t("ideas.field_count_unanswered"), str(len(unanswered))),
        (t("ideas.summary_top"), top_lines or t("ideas.none")),
        (t("ideas.summary_unanswered"), open_lines or t("ideas.none")),
    ]
    return Card(
        title=t("ideas.summary_title", title=call.title),
        body=t("ideas.summary_body"),
        fields=tuple(fields),
        buttons=(
            Button(label=t("ideas.button_staff_ideas"), data=pack(StaffIdeas(call.id))),
            Button(label=t("ideas.button_export"), data=pack(ExportCall(call.id))),
        ),
        badge=t("ideas.badge_closed"),
    )


def close_call(db: Session, call: IdeaCall, now: datetime) -> bool:
    """Mark an open call closed; False if someone (a job, another staff member) already did."""
    done = db.execute(
        update(IdeaCall)
        .where(IdeaCall.id == call.id, IdeaCall.status == OPEN)
        .values(status=CLOSED, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(call)
    return done == 1


def summary_dedupe(call_id: int) -> str:
    return f"idea_call:{call_id}:summary"


def staff_translator(catalog: Catalog, config: Settings) -> Translator:
    """The staff channel is shared: it speaks the deployment's default language."""
    return catalog.translator(config.default_language)
