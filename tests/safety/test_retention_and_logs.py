"""Retention purges old event ids and stale dialogs; logs never carry text or raw user ids."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import select

from schedules.jobs import purge
from storage.db import session_scope
from storage.models import DialogState, ProcessedEvent
from tests.support.conversation import Conversation


def test_purge_forgets_old_event_ids_and_expired_dialogs(runtime, engine, clock):
    c = Conversation(runtime, user="U-keep")
    c.say("help")
    with session_scope(engine) as db:
        db.add(
            ProcessedEvent(
                channel="line", event_id="old", received_at=clock.now() - timedelta(days=31)
            )
        )
        state = DialogState(channel="simulator", conversation_id="", user_id="U-keep")
        state.flow, state.step, state.data = "x", "x.step", {"secret": "下書き"}
        state.expires_at = clock.now() - timedelta(minutes=1)
        db.add(state)
    assert purge(runtime.job_context) == {"events": 1, "dialogs": 1}
    with session_scope(engine) as db:
        ids = db.exec(select(ProcessedEvent.event_id)).all()
        assert "old" not in ids and len(ids) == 1
        assert db.get(DialogState, ("simulator", "", "U-keep")).data == {}


def test_logs_hold_no_message_text_names_or_raw_user_ids(runtime, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    c = Conversation(runtime, user="Uabcdef0123456789", name="秘密の名前")
    c.follow()
    c.say("ひみつの 相談です")

    def boom(turn, _args):
        raise RuntimeError("bug")

    monkeypatch.setitem(runtime.dispatcher.router.commands, "help", boom)
    c.say("help")  # an error is logged too
    logged = "\n".join(
        r.getMessage() + " " + " ".join(str(v) for v in r.__dict__.values()) for r in caplog.records
    )
    assert caplog.records  # something was logged, so the check can fail
    for secret in ("ひみつの 相談", "秘密の名前", "Uabcdef0123456789"):
        assert secret not in logged
