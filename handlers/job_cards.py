"""What the periodic jobs show, drawn here and injected into ``schedules`` (``JobCards``).

``bot.app`` passes this module as ``JobContext.cards``, so a reminder or a digest looks exactly
like the chat's own cards while ``schedules`` never imports ``handlers``.
"""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import Button, Card, Reply
from bot.i18n import Translator
from handlers import initiative_actions as a
from handlers.evaluations import ask_replies
from handlers.idea_views import resident_call_card as resident_call_card
from handlers.idea_views import staff_call_card as staff_call_card
from handlers.idea_views import staff_translator as staff_translator
from handlers.idea_views import summary_card as summary_card
from handlers.idea_views import when as when
from storage.db import stored_id
from storage.models import Initiative


def initiative_buttons(t: Translator, initiative_id: int) -> tuple[Button, ...]:
    """詳細 and 参加 of one initiative (the weekly digest's cards)."""
    return (
        Button(label=t("initiatives.b_detail"), data=pack(a.Show(initiative_id))),
        Button(label=t("initiatives.b_join"), data=pack(a.Join(initiative_id)), style="primary"),
    )


def result_card(t: Translator, initiative: Initiative) -> Card:
    """One completed initiative in the weekly digest: title, what was done (shortened), how
    many took part, and 詳しく to open it (no 参加したい: it is over)."""
    summary = initiative.result_summary or ""
    return Card(
        title=initiative.title,
        body=summary if len(summary) <= 80 else summary[:79] + "…",
        fields=(
            (
                t("initiatives.f_result_count"),
                t("initiatives.digest_result_people", count=initiative.result_participants or 0),
            ),
        ),
        buttons=(
            Button(label=t("initiatives.b_detail"), data=pack(a.Show(stored_id(initiative.id)))),
        ),
        badge=t("initiatives.status_done"),
    )


def evaluation_ask(t: Translator, initiative: Initiative, reminder: bool) -> list[Reply]:
    """The 協働評価 ask (or its one reminder) for one partner."""
    return ask_replies(t, initiative, reminder)
