"""Results reach followers and members: an initiative 完了 with a results report appears in the
weekly digest of the people following its category or area and of the members of the
organisation it was posted as — once, only since their last digest, and not to its poster or
participants (they had the 完了 notice). Real store, real dialogs, the digest job on the
injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.core.actions import unpack
from handlers import initiative_actions as a
from schedules.initiatives_jobs import weekly_digest
from storage.models import Actor, Person
from tests.support.initiatives import People, latest, outbox, person_named, post

SUMMARY = "公園で 消火器の 使い方を 練習しました"


@pytest.fixture
def people(runtime) -> People:
    return People(runtime)


def complete(owner, initiative_id: int, summary: str = SUMMARY) -> None:
    for label in ("実施中", "完了"):
        owner.press(a.StatusMenu(initiative_id))
        owner.tap(label)
    owner.say(summary)
    owner.say("１２人")
    owner.say("また やりたいです")
    assert "完了" in owner.text, owner.text


def digest_of(engine, name: str) -> list[dict]:
    rows = outbox(engine, kind="digest", person_id=person_named(engine, name))
    assert len(rows) <= 1, rows
    return rows[0].payload if rows else []


def result_cards(payload: list[dict]) -> list[dict]:
    """The cards of the results carousel (the one after the results intro)."""
    for i, part in enumerate(payload):
        if part["kind"] == "carousel" and i and "結果" in str(payload[i - 1].get("text", "")):
            return part["cards"]
        if part["kind"] == "carousel" and i and "Results" in str(payload[i - 1].get("text", "")):
            return part["cards"]
    return []


@pytest.fixture
def world(people, engine):
    """An organisation's initiative with a member, followers of its category (weekly) and
    area (immediately), a participant and an unrelated follower."""
    owner = people("U-owner", "はなこ")
    owner.press(a.CreateOrganisation())
    owner.tap("町会・自治会")
    owner.say("阿佐谷北町会")
    with Session(engine) as s:
        code = s.exec(select(Actor.invite_code).where(Actor.name == "阿佐谷北町会")).one()
    member = people("U-member", "会員", language="en")
    member.press(a.JoinOrganisation())
    member.say(code)
    weekly = people("U-weekly", "まとめ")
    weekly.press(a.FollowToggle("category", "bousai"))
    fan = people("U-fan", "ファン")
    fan.press(a.FollowToggle("area", "asagaya"))
    fan.press(a.FollowMode("immediate"))
    other = people("U-other", "べつ")
    other.press(a.FollowToggle("category", "kankyo"))
    taro = people("U-taro", "たろう")
    taro.press(a.FollowToggle("category", "bousai"))  # follows, but takes part: the notice
    post(owner, as_name="阿佐谷北町会")
    ini = latest(engine)
    taro.press(a.Join(ini.id))
    return {"owner": owner, "weekly": weekly, "ini": ini.id}


def test_results_reach_followers_and_members_once(world, engine, runtime, clock):
    complete(world["owner"], world["ini"])
    clock.advance(timedelta(days=6))  # Tuesday → next Monday
    assert weekly_digest(runtime.job_context) == {"written": 3}

    for name in ("まとめ", "ファン"):
        cards = result_cards(digest_of(engine, name))
        assert [c["title"] for c in cards] == ["地域の防災訓練を一緒に"], name
        card = cards[0]
        assert card["body"] == SUMMARY
        assert card["fields"] == [["参加した人数", "12人"]]
        assert [b["label"] for b in card["buttons"]] == ["くわしく"]
        assert unpack(card["buttons"][0]["data"]) == a.Show(world["ini"])
    # completed within its first week: a result, not also a new initiative to join
    assert "参加したい" not in str(digest_of(engine, "まとめ"))
    # the organisation's member reads English
    member = digest_of(engine, "会員")
    assert member[0]["text"] == "Results of projects completed this week (1)."
    assert result_cards(member)[0]["fields"] == [["People who took part", "12"]]
    # not the poster, not the participant (the 完了 notice had it), not an unrelated follower
    for name in ("はなこ", "たろう", "べつ"):
        assert digest_of(engine, name) == [], name
    done_notice = outbox(engine, kind="status", person_id=person_named(engine, "たろう"))
    assert any(SUMMARY in str(r.payload) for r in done_notice)

    # the button opens the initiative
    world["weekly"].press(
        unpack(result_cards(digest_of(engine, "まとめ"))[0]["buttons"][0]["data"])
    )
    assert "地域の防災訓練を一緒に" in str(world["weekly"].last)

    assert weekly_digest(runtime.job_context) == {"written": 0}  # rerun: nothing twice
    clock.advance(timedelta(days=7))
    assert weekly_digest(runtime.job_context) == {"written": 0}  # next week: not again


def test_only_completions_since_the_last_digest(world, people, engine, runtime, clock):
    owner = world["owner"]
    complete(owner, world["ini"])
    # Sunday 23:00 in Tokyo (week 48): a digest goes out with the first results
    clock.advance(timedelta(days=5, hours=13))
    assert weekly_digest(runtime.job_context)["written"] == 3
    post(owner, title="川の そうじを しよう", as_name="阿佐谷北町会")
    second = latest(engine)
    complete(owner, second.id, summary="川で ごみを 拾いました")
    # ten hours later, Monday 09:00 (week 49): only what was completed since then
    clock.advance(timedelta(hours=10))
    # (たろう took part only in the first: the second reaches him as a follower)
    assert weekly_digest(runtime.job_context)["written"] == 4
    for name in ("ファン", "会員", "まとめ"):
        rows = outbox(engine, kind="digest", person_id=person_named(engine, name))
        titles = [[c["title"] for c in result_cards(r.payload)] for r in rows]
        assert titles == [["地域の防災訓練を一緒に"], ["川の そうじを しよう"]], name
    rows = outbox(engine, kind="digest", person_id=person_named(engine, "たろう"))
    assert [[c["title"] for c in result_cards(r.payload)] for r in rows] == [
        ["川の そうじを しよう"]
    ]


def test_nothing_completed_nothing_about_results(world, engine, runtime, clock):
    """An initiative that is merely running is not a result; a cancelled one neither."""
    owner = world["owner"]
    owner.press(a.StatusMenu(world["ini"]))
    owner.tap("実施中")
    clock.advance(timedelta(days=6))
    weekly_digest(runtime.job_context)
    assert result_cards(digest_of(engine, "まとめ")) == []
    assert digest_of(engine, "ファン") == [] and digest_of(engine, "会員") == []


def test_a_staff_follower_who_chose_easy_japanese_reads_the_digest_in_plain_japanese(
    world, people, engine, runtime, clock
):
    """Staff always read ふつう (bot.i18n.reading), in scheduled pushes as in replies."""
    officer = people("U-officer", "職員", staff=True)
    officer.press(a.FollowToggle("category", "bousai"))
    with Session(engine) as s:
        row = s.get(Person, person_named(engine, "職員"))
        row.language = "easy"
        s.add(row)
        s.commit()
    complete(world["owner"], world["ini"])
    clock.advance(timedelta(days=6))
    weekly_digest(runtime.job_context)
    texts = [p.get("text") for p in digest_of(engine, "職員")]
    assert "この1週間に完了した取組の結果です（1件）。" in texts, texts
