"""A read-only turn: what a command would answer a known person now, changing nothing.

The outbox renders an App Home refresh with it (``storage.home``): the staff console is drawn
when its row is sent, so it shows the store as it is then. No event is claimed, no checks or
guards run, and everything the handler wrote is rolled back (``Turn.read_only`` lets it skip
its bookkeeping).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.core.dialog import Dialog
from bot.core.events import Address, CommandInvoked
from bot.core.replies import Reply
from storage.models import DialogState

if TYPE_CHECKING:
    from bot.core.dispatch import Dispatcher


def preview(dispatcher: Dispatcher, channel: str, user_id: str, command: str) -> list[Reply]:
    """The replies of ``command`` for the person with this channel account ([] if unknown)."""
    handler = dispatcher.router.commands.get(command)
    if handler is None:
        return []
    event = CommandInvoked(
        address=Address(channel=channel, user_id=user_id), event_id="preview", name=command
    )
    with Session(dispatcher.engine) as db:
        found = db.exec(dispatcher._load_stmt, params=dispatcher._load_params(event)).first()
        if found is None:
            return []
        _account, person, state = found
        state = state or DialogState(channel=channel, conversation_id="", user_id=user_id)
        now = dispatcher.clock.now()
        turn = dispatcher.new_turn(
            dataclasses.replace(event, staff=person.is_staff),
            db,
            person,
            Dialog(state, now),
            now,
            read_only=True,
        )
        try:
            handler(turn, "")
        finally:
            db.rollback()
        return list(turn.replies)
