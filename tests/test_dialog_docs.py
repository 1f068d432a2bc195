"""Each declared dialog's diagram in docs/dialogs is the one its declaration generates."""

from __future__ import annotations

import dataclasses

from bot.core import wizard_diagram
from bot.core.wizard import WIZARDS
from bot.i18n import default_catalog
from handlers import build_router
from handlers.meetings import MEETING


def test_committed_dialog_diagrams_match_their_declarations():
    build_router()
    flows = wizard_diagram.dialog_flows()
    assert {"meeting", "meeting_move", "meeting_record"} <= set(flows)
    assert wizard_diagram.stale() == [], "run `kyodo dialogs --write` and commit docs/dialogs"


def test_a_changed_limit_makes_the_committed_diagram_stale():
    build_router()
    title = MEETING.fields[0]
    assert title.name == "title"
    wider = dataclasses.replace(title, max_length=81)
    changed = dataclasses.replace(MEETING, fields=(wider, *MEETING.fields[1:]))
    try:
        assert wizard_diagram.stale() == [
            "meeting: docs/dialogs/meeting.md differs from the declaration"
        ]
        assert "text 1–81" in wizard_diagram.block(changed, default_catalog())
    finally:
        WIZARDS[MEETING.flow] = MEETING  # a declaration registers itself: put the real one back
    assert wizard_diagram.stale() == []
