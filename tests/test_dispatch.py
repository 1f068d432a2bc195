"""The dispatcher: de-duplication, identity, dialogs, errors — through the real store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine
from sqlmodel import select

from bot.app import build_runtime
from bot.core.events import Address, TextReceived
from bot.core.replies import Card, Choices, Text
from handlers.common import Menu
from storage.db import session_scope
from storage.models import ChannelAccount, DialogState, Person
from tests.conftest import count
from tests.support.conversation import Conversation


def event(text: str, event_id: str, user: str = "U1") -> TextReceived:
    return TextReceived(
        address=Address(channel="simulator", user_id=user), event_id=event_id, text=text
    )


def test_a_redelivered_event_is_handled_once(runtime, engine):
    first = runtime.dispatcher.process(event("help", "ev-1"))
    again = runtime.dispatcher.process(event("help", "ev-1"))
    assert first.replies and not first.duplicate
    assert again.duplicate and again.replies == []
    assert count(engine, "processed_event") == 1
    assert count(engine, "person") == 1


def test_first_contact_creates_a_person_with_a_profile_and_an_account(runtime, engine):
    c = Conversation(runtime, user="U-new", name="田中", language="en")
    replies = c.follow()
    assert isinstance(replies[0], Text)
    assert "Thank you" in replies[0].text
    assert isinstance(replies[1], Card)  # the privacy notice, on first contact
    assert isinstance(replies[-1], Choices)
    with session_scope(engine) as db:
        person = db.exec(select(Person)).one()
        account = db.exec(select(ChannelAccount)).one()
    assert person.display_name == "田中" and person.language == "en" and person.actor_id
    assert account.external_id == "U-new" and account.person_id == person.id


def test_menu_buttons_run_commands_and_typed_keywords_work_in_both_languages(runtime):
    c = Conversation(runtime)
    c.say("ＨＥＬＰ ")
    assert "使い方" in c.text
    c.tap("ヘルプ")
    assert "使い方" in c.text
    c.say("english")
    assert "English from now on" in c.text
    c.say("menu")
    assert c.button("Help").data.startswith("k1:c:")


def test_cancel_with_nothing_in_progress_says_so(runtime):
    c = Conversation(runtime)
    c.say("やめる")
    assert "すすめている 手続きは ありません" in c.text


def test_forged_or_stale_buttons_get_a_clear_message(runtime):
    c = Conversation(runtime)
    c.press("k1:zz:999")
    assert "このボタンは もう つかえません" in c.text
    c.press(Menu("no-such-command"))
    assert "わかりませんでした" in c.text


def test_dialog_state_expires_politely(runtime, engine, clock):
    c = Conversation(runtime, user="U-exp")
    c.say("help")
    with session_scope(engine) as db:
        state = DialogState(channel="simulator", conversation_id="", user_id="U-exp")
        state.flow, state.step, state.data = "demo", "demo.title", {"title": "x"}
        state.expires_at = clock.now() + timedelta(hours=1)
        db.add(state)
    clock.advance(timedelta(hours=2))
    c.say("なにか")
    assert "しばらく 操作(そうさ)がなかった" in c.text
    with session_scope(engine) as db:
        assert db.get(DialogState, ("simulator", "", "U-exp")).flow is None


def test_turns_without_a_dialog_store_no_dialog_row(runtime, engine):
    c = Conversation(runtime, user="U-quiet")
    c.say("help")
    c.say("menu")
    with session_scope(engine) as db:
        assert db.get(DialogState, ("simulator", "", "U-quiet")) is None


def test_a_handler_error_rolls_back_and_apologises(runtime, engine, monkeypatch):
    def boom(turn, _args):
        turn.db.add(Person(display_name="half-written"))
        turn.db.flush()
        raise RuntimeError("bug")

    monkeypatch.setitem(runtime.dispatcher.router.commands, "help", boom)
    result = runtime.dispatcher.process(event("help", "ev-err", user="U-err"))
    assert result.failed
    assert "エラー" in result.replies[0].text
    assert count(engine, "person") == 0  # nothing written half-way
    assert runtime.dispatcher.process(event("help", "ev-err", user="U-err")).duplicate


def test_database_outage_gives_a_polite_try_later(settings, clock, messenger):
    dead = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    runtime = build_runtime(settings, engine=dead, clock=clock, messengers={"simulator": messenger})
    e = TextReceived(
        address=Address(channel="simulator", user_id="U1"), event_id="x", text="hi", language="en"
    )
    result = runtime.dispatcher.process(e)
    assert result.failed
    assert result.replies == [Text(text=runtime.catalog.text("common.try_later", "en"))]


async def test_handle_delivers_replies_through_the_channel(runtime, messenger):
    await runtime.dispatcher.handle(event("help", "ev-h", user="U9"))
    assert "使い方" in messenger.replies["U9"][0].text


def test_unfollow_blocks_pushes_and_follow_unblocks(runtime, engine):
    c = Conversation(runtime, user="U-b")
    c.follow()
    c.unfollow()
    with session_scope(engine) as db:
        assert db.exec(select(ChannelAccount)).one().blocked
    c.follow()
    with session_scope(engine) as db:
        assert not db.exec(select(ChannelAccount)).one().blocked


def test_a_known_persons_turn_reads_account_person_and_dialog_in_one_select(runtime, engine):
    """The turn's own lookups: the claim INSERT and one SELECT (three statements before)."""
    from sqlalchemy import event as sa_event

    runtime.dispatcher.process(event("help", "ev-first"))  # first contact: person exists now
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()).lower())

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        runtime.dispatcher.process(event("help", "ev-second"))
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    lookups = [s for s in statements if "channel_account" in s or "dialog_state" in s]
    assert len(lookups) == 1, lookups
    assert "person" in lookups[0] and "dialog_state" in lookups[0]
