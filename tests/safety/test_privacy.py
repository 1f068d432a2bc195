"""Consent, マイデータ download and deletion, abuse limits."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from sqlalchemy import inspect, text
from sqlmodel import select

from handlers.moderation import ReportItem
from storage.db import session_scope
from storage.models import Initiative, OutboxMessage, OutboxStatus, Person, Report
from tests.conftest import count


def test_a_contribution_without_consent_is_rolled_back_and_the_notice_shown(
    runtime, engine, make_person, initiative
):
    item, _ = initiative
    c = make_person("U-new", "佐藤", consent=False)
    c.press(ReportItem("initiative", item.id))
    assert "同意を おねがいします" in c.text
    assert count(engine, "report") == 0  # nothing written
    c.tap("同意する")  # agreeing goes on with the report (issue 17: no second tap)
    assert "同意を 記録" in c.text
    assert count(engine, "report") == 1


def test_a_new_notice_version_asks_again(runtime, engine, make_person, initiative):
    item, _ = initiative
    c = make_person("U-old", "鈴木")
    runtime.settings.privacy_version = "2027-01"
    c.press(ReportItem("initiative", item.id))
    assert count(engine, "report") == 0
    c.press(c.button("同意する").data)
    c.press(ReportItem("initiative", item.id))
    assert count(engine, "report") == 1


def test_an_old_consent_button_does_not_count_for_a_new_version(runtime, make_person, initiative):
    c = make_person("U-x", "鈴木", consent=False)
    old = c.button("同意する").data
    runtime.settings.privacy_version = "2027-01"
    c.press(old)
    assert "個人情報(こじんじょうほう)のとりあつかい" in c.text  # shown the current notice instead


def test_my_data_download_link_works_and_expires(runtime, engine, make_person, app, clock):
    from fastapi.testclient import TestClient

    c = make_person("U-me", "山田")
    c.say("マイデータ")
    assert "山田" in c.text
    c.tap("ダウンロード")
    url = urlparse(c.last[0].text.split("\n")[-1])
    with TestClient(app) as http:
        got = http.get(f"{url.path}?{url.query}")
        assert got.status_code == 200
        assert got.json()["person"]["display_name"] == "山田"
        assert "calendar_token" not in got.json()["person"]
        forged = http.get(f"{url.path}?{url.query.replace('sig=', 'sig=0')}")
        assert forged.status_code == 403
        clock.advance(timedelta(minutes=16))
        assert http.get(f"{url.path}?{url.query}").status_code == 403


def personal_strings(engine) -> set[str]:
    """Every string value in every table, to search for leftovers after deletion."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    if isinstance(value, str):
                        found.add(value)
                    elif isinstance(value, dict | list):
                        found.add(str(value))
    return found


def test_deleting_my_data_leaves_nothing_personal_anywhere(
    runtime, engine, make_person, initiative, clock
):
    item, _poster = initiative
    joiner = make_person("U-gone-1234", "消える太郎")
    joiner.press(ReportItem("initiative", item.id))
    with session_scope(engine) as db:
        me = db.exec(select(Person).where(Person.display_name == "消える太郎")).one()
        me.real_name = "本名花子"
        db.add(me)
        # a reminder to me, and a notice to the poster that quotes my name
        db.add(
            OutboxMessage(
                person_id=me.id,
                payload=[{"kind": "text", "text": "明日です"}],
                due_at=clock.now() + timedelta(days=1),
            )
        )
        db.add(
            OutboxMessage(
                person_id=item.poster_id,
                payload=[{"kind": "text", "text": "消える太郎さんが参加しました"}],
                due_at=clock.now(),
                status=OutboxStatus.SENT,
            )
        )
    joiner.say("マイデータ")
    joiner.tap("データを削除")
    assert "元(もと)には もどせません" in joiner.text
    joiner.tap("はい、削除する")
    assert "削除しました" in joiner.text

    leftovers = personal_strings(engine)
    for secret in ("消える太郎", "本名花子", "U-gone-1234"):
        assert not any(secret in value for value in leftovers), secret
    with session_scope(engine) as db:
        me = db.get(Person, me.id)
        assert me.deleted and me.display_name == "退会(たいかい)したユーザー"
        pending = db.exec(select(OutboxMessage).where(OutboxMessage.person_id == me.id)).all()
        assert [r.status for r in pending] == [OutboxStatus.CANCELLED]
        assert db.exec(select(Report)).one().person_id == me.id  # the report still counts


async def test_no_reminder_goes_out_after_deletion(runtime, engine, make_person, messenger, clock):
    c = make_person("U-del", "一郎")
    with session_scope(engine) as db:
        me = db.exec(select(Person).where(Person.display_name == "一郎")).one()
        db.add(
            OutboxMessage(
                person_id=me.id,
                payload=[{"kind": "text", "text": "x"}],
                due_at=clock.now() + timedelta(hours=1),
            )
        )
    c.say("マイデータ")
    c.tap("データを削除")
    c.tap("はい、削除する")
    clock.advance(timedelta(hours=2))
    await runtime.outbox.drain()
    assert messenger.pushes == {}


def test_message_flood_is_answered_once_then_ignored(runtime, make_person):
    runtime.settings.messages_per_hour = 5
    c = make_person("U-flood", "連打")  # follow + consent = 2 events
    for _ in range(3):
        c.say("help")
        assert "使い方" in c.text
    c.say("help")
    assert "メッセージが おおすぎます" in c.text
    c.say("help")
    assert c.last == []


def test_posting_limit_per_hour(runtime, engine, make_person, initiative, clock):
    """The poster already has one initiative this hour; with a limit of 1 a second is refused."""
    _item, poster = initiative
    runtime.settings.posts_per_hour = 1

    def post_again(turn, _args):
        turn.db.add(
            Initiative(
                actor_id=1, poster_id=turn.person.id, title="t", description="d", category="bousai"
            )
        )

    runtime.dispatcher.router.commands["post_test"] = post_again
    poster.command("post_test")
    assert "投稿が おおすぎます" in poster.text
    assert count(engine, "initiative") == 1
