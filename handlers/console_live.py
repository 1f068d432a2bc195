"""The staff console follows the store: a turn that changes what it shows republishes it.

A guard (run after every handler, before commit, rolled back with a refused turn) looks at
the rows the turn wrote. If one changes what the console's queues show — an initiative (new,
claimed, status, hidden), an idea or an idea call, a meeting, a decided report, a report on
an item already hidden, a hidden or restored opinion, a support once the idea is marked
【賛同N】 — every staff member shown the console lately gets one coalesced refresh through
the outbox (``storage.home``); the one who acted is skipped when this turn answers with the
console already. The dispatcher renders each console when its row is sent.
"""

from __future__ import annotations

from typing import Any

from bot.core.replies import Console, Reply
from bot.core.router import Router
from bot.core.turn import Turn
from storage import home
from storage.models import Idea, IdeaCall, IdeaSupport, Initiative, Meeting, Opinion, Report
from storage.queries.console import open_case
from storage.queries.ideas import support_count

router = Router()

ALWAYS = (Initiative, Idea, IdeaCall, Meeting)  # every change of these shows on the console


def shown(turn: Turn, row: Any, *, new: bool) -> bool:
    """Whether writing ``row`` changes what the console shows."""
    if isinstance(row, ALWAYS):
        return True
    if isinstance(row, Opinion):  # only hidden opinions are on it (moderation)
        return not new
    if isinstance(row, Report):  # a new report counts once its item is a case
        return not new or open_case(turn.db, row.entity, row.entity_id) is not None
    if isinstance(row, IdeaSupport):  # supports show from the flag threshold on
        return support_count(turn.db, row.idea_id) >= turn.ward.answers.supports
    return False


def changes_console(turn: Turn) -> bool:
    return any(shown(turn, row, new=True) for row in turn.created) or any(
        shown(turn, row, new=False) for row in turn.changed
    )


@router.guard
def refresh_consoles(turn: Turn) -> list[Reply] | None:
    if not changes_console(turn):
        return None
    answered = any(isinstance(r, Console) for r in turn.replies)
    skip = [turn.person.id] if answered and turn.person.id is not None else []
    turn.notified += home.queue_refresh(turn.db, turn.now, skip=skip)
    return None
