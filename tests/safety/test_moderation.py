"""Reports hide an item after the threshold; staff review; one report per person."""

from __future__ import annotations

from handlers.moderation import Decide, ReportItem, ShowHistory
from storage.db import session_scope
from storage.models import Initiative, Person
from tests.conftest import count


async def test_three_reports_hide_an_item_and_a_repeat_report_counts_once(
    runtime, engine, make_person, initiative, messenger
):
    item, _poster = initiative
    a, b, c = (make_person(f"U-r{i}", f"住民{i}") for i in range(3))
    a.press(ReportItem("initiative", item.id))
    a.press(ReportItem("initiative", item.id))  # the same person again
    assert "すでに 通報ずみ" in a.text
    b.press(ReportItem("initiative", item.id))
    with session_scope(engine) as db:
        assert not db.get(Initiative, item.id).hidden  # 2 distinct reports
    c.press(ReportItem("initiative", item.id))
    assert count(engine, "report") == 3
    with session_scope(engine) as db:
        assert db.get(Initiative, item.id).hidden
    await runtime.outbox.drain()
    assert "非表示" in messenger.pushes["U-poster"][0].text  # the author is told why
    staff_thread, posts = messenger.staff_posts[0]
    assert staff_thread == f"initiative:{item.id}"
    assert "3件" in posts[0].title


def test_only_staff_decide_and_the_author_hears_the_outcome(
    runtime, engine, make_person, initiative
):
    item, _poster = initiative
    resident = make_person("U-res", "住民")
    resident.press(Decide("initiative", item.id, "restore"))
    assert "区の職員だけ" in resident.text
    resident.press(ShowHistory("initiative", item.id))
    assert "区の職員だけ" in resident.text

    with session_scope(engine) as db:
        db.get(Initiative, item.id).hidden = True
    staff = make_person("U-staff", "山本", staff=True)
    staff.press(Decide("initiative", item.id, "suspend"))
    staff.tap("停止する")  # 投稿者を停止 asks once (issue 16)
    assert "投稿者を停止" in staff.text
    with session_scope(engine) as db:
        assert db.get(Initiative, item.id).hidden
        assert db.get(Person, item.poster_id).suspended
    staff.press(ShowHistory("initiative", item.id))
    assert "moderation.suspend" in staff.text and "山本" in staff.text


def test_a_suspended_author_cannot_post(runtime, engine, make_person, initiative):
    item, poster = initiative
    with session_scope(engine) as db:
        db.get(Person, item.poster_id).suspended = True
    poster.press(ReportItem("initiative", item.id))
    assert "一時停止" in poster.text
    assert count(engine, "report") == 0
