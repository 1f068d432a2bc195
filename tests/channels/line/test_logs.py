"""JSON logs after a handler error: a formatted traceback, and no raw LINE id anywhere."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import configure_logging, pseudonym, redact
from storage.models import ChannelAccount
from tests.channels.line.conftest import text_event

USER = "U4f8e2a1b9c3d4e5f6a7b8c9d0e1f2a3b"


@pytest.fixture
def json_logs():
    """Production logging for one test, into a buffer (the previous handlers come back after)."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    configure_logging("INFO", json=True)
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:] = saved
    root.setLevel(level)


def error_lines(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("level") == "error"]


def test_forced_handler_exception_logs_a_traceback_without_the_line_id(
    line, line_api, json_logs, monkeypatch
):
    def boom(turn, _args) -> None:
        raise RuntimeError(f"forced failure for {turn.event.address.user_id}")

    monkeypatch.setitem(line.runtime.dispatcher.router.commands, "help", boom)
    line.send(text_event(USER, "ヘルプ", reply_token="tok-boom"))

    err = json_logs.getvalue()
    assert USER not in err
    [line_] = [e for e in error_lines(err) if e["event"] == "handler failed"]
    assert "Traceback (most recent call last)" in line_["exception"]
    assert "RuntimeError: forced failure for id:" + pseudonym(USER) in line_["exception"]
    assert line_["user"] == pseudonym(USER)
    [reply] = line_api.calls("reply")
    assert "エラー" in reply.body["messages"][0]["text"]


def test_database_error_detail_and_parameters_never_carry_the_raw_id(line, json_logs, monkeypatch):
    def duplicate_account(turn, _args) -> None:
        turn.db.add(ChannelAccount(person_id=turn.person.id, channel="line", external_id=USER))
        turn.db.flush()  # unique (channel, external_id): PostgreSQL's DETAIL names the key

    monkeypatch.setitem(line.runtime.dispatcher.router.commands, "help", duplicate_account)
    line.send(text_event(USER, "ヘルプ"))

    err = json_logs.getvalue()
    assert USER not in err
    [line_] = [e for e in error_lines(err) if e["event"] == "integrity error in turn"]
    assert "IntegrityError" in line_["exception"]
    assert "Traceback" in line_["exception"]


def test_redact_keeps_ordinary_words_and_hides_slack_and_line_ids():
    text = "UNAVAILABLE U024BE7LH and Cabcdefabcdefabcdefabcdefabcdef12 (channel, external_id)"
    out = redact(text)
    assert out.startswith("UNAVAILABLE id:")
    assert "U024BE7LH" not in out and "Cabcdef" not in out
    detail = "DETAIL:  Key (channel, external_id)=(line, Uxyz) already exists."
    assert redact(detail) == "DETAIL:  Key (channel, external_id)=(…) already exists."
