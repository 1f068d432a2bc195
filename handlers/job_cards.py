"""What the periodic jobs show, drawn here and injected into ``schedules`` (``JobCards``).

``bot.app`` passes this module as ``JobContext.cards``, so a reminder or a digest looks exactly
like the chat's own cards while ``schedules`` never imports ``handlers``.
"""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import Button, Reply
from bot.i18n import Translator
from handlers import initiative_actions as a
from handlers.evaluations import ask_replies
from handlers.idea_views import resident_call_card as resident_call_card
from handlers.idea_views import staff_call_card as staff_call_card
from handlers.idea_views import staff_translator as staff_translator
from handlers.idea_views import summary_card as summary_card
from handlers.idea_views import when as when
from storage.models import Initiative


def initiative_buttons(t: Translator, initiative_id: int) -> tuple[Button, ...]:
    """詳細 and 参加 of one initiative (the weekly digest's cards)."""
    return (
        Button(label=t("initiatives.b_detail"), data=pack(a.Show(initiative_id))),
        Button(label=t("initiatives.b_join"), data=pack(a.Join(initiative_id)), style="primary"),
    )


def evaluation_ask(t: Translator, initiative: Initiative, reminder: bool) -> list[Reply]:
    """The 協働評価 ask (or its one reminder) for one partner."""
    return ask_replies(t, initiative, reminder)
