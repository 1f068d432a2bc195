"""How アイデア募集型 reads: formatters and the cards residents, staff and the deadline jobs see.

Kept apart from the dialog modules so the deadline jobs and the CSV export can render the same
cards and counts without a Turn. Every function takes a translator (``t``) so the same card can
go to a person in their language. Payloads are ``handlers.idea_actions``; queries
``storage.queries.ideas``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.actions import pack
from bot.core.replies import Button, Card
from bot.i18n import Catalog, Translator, reading
from bot.settings import Settings
from bot.ward import Ward
from handlers.idea_actions import (
    AnswerIdea,
    BrowseIdeas,
    CloseCall,
    EditCall,
    ExportCall,
    MakeInitiative,
    MyIdeas,
    SetIdeaStatus,
    StaffIdeas,
    StartIdea,
    SupportIdea,
)
from handlers.idea_actions import (
    ManageCall as ManageCall,  # re-export: tests on main import it here
)
from storage.db import stored_id
from storage.models import Idea, IdeaCall, IdeaStatus, Person
from storage.queries.ideas import (
    DRAFT,
    FINAL,
    OPEN,
    UNANSWERED,
    call_counts,
    support_counts,
    visible_ideas,
)
from storage.queries.ideas import summary_dedupe as summary_dedupe  # re-export
from storage.queries.ideas import thread_key as thread_key  # re-export


def export_path(call_id: int) -> str:
    """Path of the signed CSV export (served by ``bot/web/exports.py``)."""
    return f"/exports/idea-calls/{call_id}.csv"


def is_accepting(call: IdeaCall | None, now: datetime) -> bool:
    """Open and before the deadline (the close job may not have run yet)."""
    return call is not None and call.status == OPEN and now < call.deadline


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


def status_label(t: Translator, status: IdeaStatus | str) -> str:
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
            Button(
                label=t("ideas.button_submit"),
                data=pack(StartIdea(stored_id(call.id))),
                style="primary",
            )
        )
    if call.public_ideas:
        buttons.append(
            Button(label=t("ideas.button_browse"), data=pack(BrowseIdeas(stored_id(call.id))))
        )
    if mine:
        buttons.append(Button(label=t("ideas.button_mine"), data=pack(MyIdeas(stored_id(call.id)))))
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
    counts = call_counts(db, stored_id(call.id))
    fields = [
        *call_fields(call, t, ward),
        (t("ideas.field_public"), t("common.yes") if call.public_ideas else t("common.no")),
        (t("ideas.field_count_ideas"), str(counts.ideas)),
        (t("ideas.field_count_supports"), str(counts.supports)),
        (t("ideas.field_count_unanswered"), str(counts.unanswered)),
    ]
    buttons = [
        Button(label=t("ideas.button_staff_ideas"), data=pack(StaffIdeas(stored_id(call.id))))
    ]
    if call.status == OPEN:
        buttons.append(
            Button(label=t("ideas.button_edit_call"), data=pack(EditCall(stored_id(call.id))))
        )
        buttons.append(
            Button(
                label=t("ideas.button_close_call"),
                data=pack(CloseCall(stored_id(call.id))),
                style="danger",
            )
        )
    buttons.append(
        Button(label=t("ideas.button_export"), data=pack(ExportCall(stored_id(call.id))))
    )
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
        supports = support_counts(db, [idea.id]).get(stored_id(idea.id), 0)
    fields = [
        (t("ideas.field_author"), author_name(idea, author, t, staff=True)),
        (t("ideas.field_reason"), idea.reason or t("ideas.none")),
        (t("ideas.field_supports"), str(supports)),
    ]
    if idea.answer:
        fields.append((t("ideas.field_answer"), idea.answer))
    if idea.answer_en:
        fields.append((t("staff.form_answer_en"), idea.answer_en))
    buttons: list[Button] = []
    if idea.status != IdeaStatus.WITHDRAWN:
        buttons.append(
            Button(
                label=t("ideas.button_answer"),
                data=pack(
                    AnswerIdea(
                        stored_id(idea.id),
                        idea.status if idea.status in FINAL else IdeaStatus.ADOPTED,
                    )
                ),
                style="primary",
            )
        )
        if idea.status == IdeaStatus.RECEIVED:
            buttons.append(
                Button(
                    label=t("ideas.status_reviewing"),
                    data=pack(SetIdeaStatus(stored_id(idea.id), IdeaStatus.REVIEWING)),
                )
            )
        for status in FINAL:
            if status != idea.status:
                buttons.append(
                    Button(
                        label=status_label(t, status),
                        data=pack(AnswerIdea(stored_id(idea.id), status)),
                    )
                )
        if idea.status in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY) and idea.initiative_id is None:
            buttons.append(
                Button(
                    label=t("ideas.button_make_initiative"),
                    data=pack(MakeInitiative(stored_id(idea.id))),
                )
            )
    return Card(
        title=t("ideas.staff_idea_title", id=idea.id),
        body=idea.body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        badge=status_label(t, idea.status) + (t("staff.hidden_mark") if idea.hidden else ""),
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
    answer_due: str | None = None,
) -> Card:
    """One idea as residents browse it (anonymous authors shown as 匿名); an unanswered one
    says by when the ward promised a first answer (``answer_due``, M/D)."""
    fields = [
        (t("ideas.field_author"), author_name(idea, author, t, staff=False)),
        (t("ideas.field_supports"), str(supports)),
    ]
    if answer_due and idea.status in UNANSWERED:
        fields.append((t("ideas.field_answer_due"), answer_due))
    if idea.reason:
        fields.insert(1, (t("ideas.field_reason"), idea.reason))
    if idea.answer and idea.status in FINAL:  # English readers: staff's English version, if any
        shown = idea.answer_en if t.language == "en" and idea.answer_en else idea.answer
        fields.append((t("ideas.field_answer"), shown))
    buttons: list[Button] = []
    own = idea.author_id == viewer_id
    if supported and not own:
        fields.append((t("ideas.field_you"), t("ideas.you_supported")))
    elif can_support and not own:
        buttons.append(
            Button(
                label=t("ideas.button_support"),
                data=pack(SupportIdea(stored_id(idea.id))),
                style="primary",
            )
        )
    if not own:
        from handlers.moderation import AskReport

        buttons.append(
            Button(
                label=t("moderation.report"),
                data=pack(AskReport("idea", stored_id(idea.id))),
                style="subtle",
            )
        )
    return Card(
        title=short(idea.body, 40),
        body=idea.body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        badge=status_label(t, idea.status),
    )


# ---------------------------------------------------------------- closing


def summary_card(db: Session, call: IdeaCall, t: Translator) -> Card:
    """What staff need at the deadline: counts, the most supported, what is still unanswered."""
    ideas = visible_ideas(db, stored_id(call.id))
    supports = support_counts(db, [i.id for i in ideas])
    unanswered = [i for i in ideas if i.status in UNANSWERED]
    top = sorted(ideas, key=lambda i: (-supports.get(stored_id(i.id), 0), i.id))[:3]
    top_lines = "\n".join(
        t(
            "ideas.summary_top_line",
            id=i.id,
            supports=supports.get(stored_id(i.id), 0),
            body=short(i.body, 40),
        )
        for i in top
        if supports.get(stored_id(i.id), 0) > 0
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
            Button(label=t("ideas.button_staff_ideas"), data=pack(StaffIdeas(stored_id(call.id)))),
            Button(label=t("ideas.button_export"), data=pack(ExportCall(stored_id(call.id)))),
        ),
        badge=t("ideas.badge_closed"),
    )


def staff_translator(catalog: Catalog, config: Settings) -> Translator:
    """The staff channel is shared: it speaks the deployment's default language, in the staff
    register (plain Japanese, never やさしい日本語)."""
    return catalog.translator(reading(config.default_language or "ja", staff=True))
