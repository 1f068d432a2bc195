"""Shared pieces of the initiative and profile dialogs: input checks, cards, labels.

Kept apart from the routes so profiles, browse, staff threads and the digest job render an
initiative the same way.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.actions import pack
from bot.core.replies import Button, Card, Choices
from bot.core.text import sanitize
from bot.core.turn import Turn

if TYPE_CHECKING:
    from handlers.moderation import Entity
from bot.i18n import Translator
from bot.ward import Ward
from storage.db import stored_id
from storage.models import Actor, Initiative, InitiativeStatus, Person
from storage.queries import initiatives as q

STATUS_KEYS = {
    InitiativeStatus.RECRUITING: "initiatives.status_recruiting",
    InitiativeStatus.PREPARING: "initiatives.status_preparing",
    InitiativeStatus.RUNNING: "initiatives.status_running",
    InitiativeStatus.DONE: "initiatives.status_done",
    InitiativeStatus.CANCELLED: "initiatives.status_cancelled",
}
KIND_KEYS = {
    "individual": "profiles.kind_individual",
    "neighborhood": "profiles.kind_neighborhood",
    "npo": "profiles.kind_npo",
    "business": "profiles.kind_business",
    "school": "profiles.kind_school",
    "ward": "profiles.kind_ward",
}


# ---------------------------------------------------------------- input checks


def has_words(text: str) -> bool:
    """Emoji and symbols alone don't make a title: at least one letter or digit."""
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)


def clean(turn: Turn, text: str, limit: int, *, multiline: bool = False) -> str | None:
    """The checked answer, or None after telling the person what is wrong."""
    value = sanitize(text, multiline=multiline)
    if not value:
        turn.say_text("common.empty")
        return None
    if not has_words(value):
        turn.say_text("initiatives.emoji_only")
        return None
    if len(value) > limit:
        turn.say_text("common.too_long", limit=limit, length=len(value))
        return None
    return value


# ---------------------------------------------------------------- labels


def status_label(t: Translator, status: str) -> str:
    return t(STATUS_KEYS[InitiativeStatus(status)])


def kind_label(t: Translator, kind: str) -> str:
    return t(KIND_KEYS.get(str(kind), "profiles.kind_individual"))


def labels(vocab, codes, language: str) -> str:
    sep = ", " if language == "en" else "、"
    return sep.join(vocab.label(c, language) for c in codes or []) if codes else ""


def date_text(t: Translator, ward: Ward, start: datetime | None, end: datetime | None) -> str:
    from zoneinfo import ZoneInfo

    if start is None:
        return t("initiatives.no_date")
    tz = ZoneInfo(ward.timezone)
    fmt = t("initiatives.date_format")
    text = start.astimezone(tz).strftime(fmt)
    if end is not None:
        text += " – " + end.astimezone(tz).strftime(fmt)
    return text


def capacity_text(t: Translator, joined: int, waiting: int, capacity: int | None) -> str:
    if capacity is None:
        text = t("initiatives.count_open", joined=joined)
    else:
        text = t("initiatives.count_capacity", joined=joined, capacity=capacity)
    if waiting:
        text += t("initiatives.count_waiting", waiting=waiting)
    return text


# ---------------------------------------------------------------- cards


def initiative_card(
    turn: Turn,
    ini: Initiative,
    *,
    viewer: Person | None = None,
    detail: bool = False,
    t: Translator | None = None,
) -> Card:
    """The initiative as a card; owner/staff buttons only for someone who may use them."""
    from handlers import initiative_actions as a  # the action classes

    t = t or turn.t
    lang = t.language
    viewer = viewer if viewer is not None else turn.person
    actor = turn.db.get(Actor, ini.actor_id)
    joined, waiting = q.counts(turn.db, stored_id(ini.id))
    fields: tuple[tuple[str, str], ...] = (
        (t("initiatives.f_actor"), actor.name if actor else ""),
        (t("initiatives.f_category"), turn.ward.categories.label(ini.category, lang)),
        (
            t("initiatives.f_area"),
            turn.ward.areas.label(ini.area, lang) or t("initiatives.any_area"),
        ),
        (t("initiatives.f_date"), date_text(t, turn.ward, ini.starts_on, ini.ends_on)),
        (t("initiatives.f_help"), labels(turn.ward.strengths, ini.help_wanted, lang) or "-"),
        (t("initiatives.f_count"), capacity_text(t, joined, waiting, ini.capacity)),
    )
    body = ini.description if detail else _short(ini.description)
    if ini.status == InitiativeStatus.DONE and ini.result_summary:
        body += "\n\n" + t(
            "initiatives.result_block",
            summary=ini.result_summary,
            count=ini.result_participants or 0,
            reflection=ini.result_reflection or "-",
        )
    buttons: list[Button] = []
    mine = q.participation(turn.db, stored_id(ini.id), viewer.id) if viewer.id else None
    open_for_joining = ini.status in (InitiativeStatus.RECRUITING, InitiativeStatus.PREPARING)
    final = ini.status in (InitiativeStatus.DONE, InitiativeStatus.CANCELLED)
    own = viewer.id is not None and viewer.id == ini.poster_id
    if own:
        fields = (*fields, (t("initiatives.f_yours"), t("initiatives.yours")))
    elif mine is not None and mine.status in q.ACTIVE:
        if not final:
            buttons.append(
                Button(
                    label=t("initiatives.b_withdraw"), data=pack(a.WithdrawAsk(stored_id(ini.id)))
                )
            )
    elif open_for_joining:
        full = ini.capacity is not None and joined >= ini.capacity
        label = t("initiatives.b_join_waitlist") if full else t("initiatives.b_join")
        buttons.append(Button(label=label, data=pack(a.Join(stored_id(ini.id))), style="primary"))
    buttons.append(Button(label=t("initiatives.b_profile"), data=pack(a.Profile(ini.actor_id))))
    request = q.open_request(turn.db, stored_id(ini.id))
    if request is not None and (
        request.audience == "everyone" or (mine is not None and mine.status in q.ACTIVE)
    ):
        buttons.append(
            Button(
                label=t("initiatives.b_opinion"), data=pack(a.OpinionAnswer(stored_id(request.id)))
            )
        )
    if not detail:
        buttons.append(
            Button(label=t("initiatives.b_detail"), data=pack(a.Show(stored_id(ini.id))))
        )
    elif q.can_manage(turn.db, ini, viewer):
        buttons.extend(manage_buttons(t, ini))
    else:
        buttons.append(report_button_for(t, "initiative", stored_id(ini.id)))
    return Card(
        title=ini.title,
        body=body,
        fields=fields,
        buttons=tuple(buttons),
        badge=status_label(t, ini.status),
    )


def manage_buttons(t: Translator, ini: Initiative) -> list[Button]:
    from handlers import initiative_actions as a

    return [
        Button(label=t("initiatives.b_status"), data=pack(a.StatusMenu(stored_id(ini.id)))),
        Button(label=t("initiatives.b_participants"), data=pack(a.Participants(stored_id(ini.id)))),
        Button(label=t("initiatives.b_ask"), data=pack(a.OpinionAsk(stored_id(ini.id)))),
        Button(label=t("initiatives.b_opinions"), data=pack(a.OpinionList(stored_id(ini.id)))),
        schedule_button(t, ini),
    ]


def schedule_button(t: Translator, ini: Initiative) -> Button:
    """「集いを設定」: the meetings module re-checks who may schedule."""
    from handlers.meetings import ScheduleMeeting

    return Button(
        label=t("meetings.button_schedule"), data=pack(ScheduleMeeting(stored_id(ini.id)))
    )


def report_button_for(t: Translator, entity: Entity, entity_id: int) -> Button:
    from handlers.moderation import AskReport

    return Button(
        label=t("moderation.report"), data=pack(AskReport(entity, entity_id)), style="subtle"
    )


def staff_card(turn: Turn, ini: Initiative) -> Card:
    """The root message of the staff thread ``initiative:{id}`` (staff buttons)."""

    t = turn.catalog.translator("ja")
    actor = turn.db.get(Actor, ini.actor_id)
    poster = turn.db.get(Person, ini.poster_id)
    facilitator = turn.db.get(Person, ini.facilitator_id) if ini.facilitator_id else None
    joined, waiting = q.counts(turn.db, stored_id(ini.id))
    return Card(
        title=t("initiatives.staff_title", title=ini.title),
        body=_short(ini.description),
        fields=(
            (t("initiatives.f_actor"), actor.name if actor else ""),
            (t("initiatives.f_poster"), poster.display_name if poster else ""),
            (t("initiatives.f_status"), status_label(t, ini.status)),
            (t("initiatives.f_category"), turn.ward.categories.label(ini.category, "ja")),
            (t("initiatives.f_area"), turn.ward.areas.label(ini.area, "ja") or "-"),
            (t("initiatives.f_help"), labels(turn.ward.strengths, ini.help_wanted, "ja") or "-"),
            (t("initiatives.f_count"), capacity_text(t, joined, waiting, ini.capacity)),
            (
                t("initiatives.f_facilitator"),
                facilitator.display_name if facilitator else t("initiatives.unclaimed"),
            ),
        ),
        buttons=tuple(staff_buttons(turn, ini)),
        badge=status_label(t, ini.status) + (t("staff.hidden_mark") if ini.hidden else ""),
    )


def staff_buttons(turn: Turn, ini: Initiative) -> list[Button]:
    """Only what can still be done: no 担当する once claimed, the valid next statuses, and
    nothing but 記録/履歴 once the initiative is 完了 or 中止 (every handler re-checks)."""
    from handlers import initiative_actions as a
    from handlers.initiatives import TRANSITIONS
    from handlers.moderation import ShowHistory

    t = turn.catalog.translator("ja")
    record = Button(label=t("staff.b_record"), data=pack(a.Show(stored_id(ini.id))))
    history = Button(
        label=t("staff.b_history"), data=pack(ShowHistory("initiative", stored_id(ini.id)))
    )
    nexts = TRANSITIONS[InitiativeStatus(ini.status)]
    if not nexts:
        return [record, history]
    buttons: list[Button] = []
    if ini.facilitator_id is None:
        buttons.append(
            Button(
                label=t("initiatives.b_claim"),
                data=pack(a.Claim(stored_id(ini.id))),
                style="primary",
            )
        )
    buttons += [
        Button(
            label=t("staff.b_set_status", status=status_label(t, s)),
            data=pack(a.SetStatus(stored_id(ini.id), str(s), str(ini.status))),
            style="danger" if s == InitiativeStatus.CANCELLED else "default",
        )
        for s in nexts
    ]
    buttons += [
        Button(label=t("initiatives.b_match"), data=pack(a.Match(stored_id(ini.id)))),
        Button(label=t("initiatives.b_participants"), data=pack(a.Participants(stored_id(ini.id)))),
        schedule_button(t, ini),
        history,
    ]
    return buttons


def refresh_staff_card(turn: Turn, ini: Initiative) -> None:
    """Replace the ``#staff`` root card in place (coalesced in the outbox) after a change."""
    turn.notify_staff(staff_card(turn, ini), thread_key=thread_key(ini), update=True)


def thread_key(ini: Initiative) -> str:
    return f"initiative:{ini.id}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def menu_back(turn: Turn) -> Choices:
    from handlers.common import menu_choices

    return menu_choices(turn)


def dialog_step(router, name: str):
    """``router.step`` that first treats 「つづける」 as 'repeat the question'.

    The router gives the dialog step precedence over keywords (only cancel words win), so a
    typed resume word would otherwise be taken as the answer itself.
    """

    def wrap(fn):
        def handler(turn: Turn, text: str) -> None:
            from bot.core.router import normalize
            from handlers.common import REASK

            resume = {normalize(w) for w in turn.catalog.words("keywords.resume")}
            if normalize(text) in resume and name in REASK:
                return REASK[name](turn)
            return fn(turn, text)

        router.step(name)(handler)
        return fn

    return wrap
