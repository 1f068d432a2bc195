"""The hourly post limit counts the person's posts of the last hour — initiatives, ideas and
opinions alike, the new one included once — and staff are not limited (issue 22: the limit's
edges had no test)."""

from __future__ import annotations

from datetime import timedelta

from storage.db import session_scope
from storage.models import Idea, IdeaCall, Initiative, Opinion, OpinionRequest
from tests.conftest import count


def _poster_command(runtime) -> None:
    def post_again(turn, _args):
        turn.db.add(
            Initiative(
                actor_id=1, poster_id=turn.person.id, title="t", description="d", category="bousai"
            )
        )
        turn.say_text("privacy.accepted")  # any reply: the turn went through

    runtime.dispatcher.router.commands["post_test"] = post_again


def _earlier_posts(
    engine, person_id: int, initiative_id: int, when, *, ideas: int = 0, opinions: int = 0
) -> None:
    with session_scope(engine) as db:
        call = IdeaCall(
            title="c", problem="p", deadline=when + timedelta(days=7), created_by=person_id
        )
        db.add(call)
        req = OpinionRequest(initiative_id=initiative_id, question="q", created_at=when)
        db.add(req)
        db.flush()
        for _ in range(ideas):
            db.add(Idea(call_id=call.id, author_id=person_id, body="b", created_at=when))
        for _ in range(opinions):
            db.add(Opinion(request_id=req.id, person_id=person_id, body="o", created_at=when))


def test_the_limit_itself_is_allowed_and_one_more_is_refused(runtime, engine, initiative):
    _item, poster = initiative  # one initiative this hour
    _poster_command(runtime)
    runtime.settings.posts_per_hour = 2
    poster.command("post_test")  # 2 of 2
    assert "おおすぎます" not in poster.text, poster.text
    assert count(engine, "initiative") == 2
    poster.command("post_test")  # 3 of 2
    assert "おおすぎます" in poster.text
    assert count(engine, "initiative") == 2


def test_posts_older_than_an_hour_do_not_count(runtime, engine, initiative, clock):
    _item, poster = initiative
    _poster_command(runtime)
    runtime.settings.posts_per_hour = 1
    clock.advance(timedelta(minutes=61))
    poster.command("post_test")
    assert "おおすぎます" not in poster.text, poster.text
    assert count(engine, "initiative") == 2


def test_ideas_and_opinions_count_towards_the_limit(runtime, engine, initiative, clock):
    item, poster = initiative
    _poster_command(runtime)
    runtime.settings.posts_per_hour = 2
    _earlier_posts(engine, item.poster_id, item.id, clock.now(), ideas=1)
    poster.command("post_test")  # initiative + idea + this one = 3 > 2
    assert "おおすぎます" in poster.text
    runtime.settings.posts_per_hour = 3
    _earlier_posts(engine, item.poster_id, item.id, clock.now(), opinions=1)
    poster.command("post_test")  # initiative + idea + opinion + this one = 4 > 3
    assert "おおすぎます" in poster.text
    assert count(engine, "initiative") == 1


def test_staff_are_not_limited(runtime, engine, make_person):
    staff = make_person("U-staff", "職員", staff=True)
    _poster_command(runtime)
    runtime.settings.posts_per_hour = 1
    staff.command("post_test")
    staff.command("post_test")
    assert "多すぎます" not in staff.text, staff.text
    assert count(engine, "initiative") == 2


def test_staff_messages_are_not_rate_limited(runtime, make_person):
    runtime.settings.messages_per_hour = 2
    staff = make_person("U-staff", "職員", staff=True)
    for _ in range(4):
        staff.command("help")
        assert "多すぎます" not in staff.text and staff.last, staff.text
