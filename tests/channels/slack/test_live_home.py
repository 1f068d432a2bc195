"""App Home follows the store: a change by one staff member republishes the others' Home.

Staff A opens App Home; staff B claims from the ``#staff`` cards (signed Slack requests).
A's Home is published again through the outbox (``storage.home``: one row per person per
5-second slot, the console rendered when the row is sent), without the claimed items in the
unclaimed queue; two changes in one slot are one publish.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.actions import pack
from handlers import initiative_actions as a
from handlers.moderation import ReportItem
from storage import home
from storage.models import Initiative, OutboxMessage
from tests.channels.slack.test_console import button_near, last_home, open_home, press_home, text_of
from tests.support.initiatives import People, post

A, B = "USTAFF-A", "USTAFF-B"


def publishes(slack, user: str) -> list[dict]:
    return [c.args["view"] for c in slack.standin.of("views.publish") if c.args["user_id"] == user]


def unclaimed_queue(view: dict) -> str:
    """The text of the unclaimed queue: its blocks from its title to the next queue's."""
    text = text_of(view)
    start = text.index("担当者待ちの取組")
    end = text.index("対応待ちの通報", start)
    return text[start:end]


def home_rows(engine) -> list[OutboxMessage]:
    with Session(engine) as db:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == home.HOME)
        return list(db.exec(stmt.order_by(OutboxMessage.id)).all())


def test_a_claim_by_one_staff_member_republishes_the_others_home_once(make_slack, engine, clock):
    slack = make_slack()
    people = People(slack.runtime)
    owner = people("U-owner", "はなこ")
    post(owner, title="花壇づくり")
    post(owner, title="夜のパトロール")
    slack.drain()
    with Session(engine) as db:
        first, second = db.exec(select(Initiative.id).order_by(Initiative.id)).all()
    assert "花壇づくり" in unclaimed_queue(open_home(slack, A))
    assert len(publishes(slack, A)) == 1

    # B claims both from the #staff cards, within one 5-second slot
    slack.press(B, pack(a.Claim(first)))
    slack.press(B, pack(a.Claim(second)))
    (row,) = home_rows(engine)  # coalesced: one refresh for A, none for B (never opened Home)
    assert row.payload == [] and row.status == "pending"
    slack.drain()
    assert len(publishes(slack, A)) == 1  # not before the slot ends

    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    slack.drain()
    views = publishes(slack, A)
    assert len(views) == 2  # one publish for two changes
    queue = unclaimed_queue(views[-1])
    assert "花壇づくり" not in queue and "夜のパトロール" not in queue
    assert "担当者待ちの取組はありません。" in queue
    assert publishes(slack, B) == []
    (row,) = home_rows(engine)
    assert row.status == "sent"

    # a later change (a new initiative) is the next slot's one refresh
    post(owner, title="子ども食堂")
    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    slack.drain()
    views = publishes(slack, A)
    assert len(views) == 3 and "子ども食堂" in unclaimed_queue(views[-1])


def test_who_presses_in_home_is_not_refreshed_twice(make_slack, engine, clock):
    """The one whose press answered with the console already has it; the others get it."""
    slack = make_slack()
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    slack.drain()
    open_home(slack, A)
    open_home(slack, B)
    press_home(slack, B, button_near(last_home(slack, B), "花壇づくり", "担当する"))
    with Session(engine) as db:
        refreshed = db.exec(
            select(OutboxMessage.person_id).where(OutboxMessage.kind == home.HOME)
        ).all()
    assert len(refreshed) == 1  # A only
    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    slack.drain()
    assert "担当者待ちの取組はありません。" in unclaimed_queue(publishes(slack, A)[-1])


def test_a_backlog_of_refreshes_is_one_publish_of_the_newest(make_slack, engine, clock):
    """Changes in two slots while nothing was sent: only the newer refresh publishes."""
    slack = make_slack()
    people = People(slack.runtime)
    owner = people("U-owner", "はなこ")
    open_home(slack, A)
    post(owner, title="花壇づくり")
    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    post(owner, title="夜のパトロール")  # the next slot: a second row
    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    assert len(home_rows(engine)) == 2
    slack.drain()
    views = publishes(slack, A)
    assert len(views) == 2  # the open, then one refresh
    queue = unclaimed_queue(views[-1])
    assert "花壇づくり" in queue and "夜のパトロール" in queue
    assert {r.status for r in home_rows(engine)} == {"sent"}


def test_changes_the_console_does_not_show_refresh_nothing(make_slack, engine, clock):
    """A join (counts are not on the console) or a first report queues no refresh."""
    slack = make_slack()
    people = People(slack.runtime)
    post(people("U-owner", "はなこ"), title="花壇づくり")
    with Session(engine) as db:
        (first,) = db.exec(select(Initiative.id)).all()
    open_home(slack, A)
    people("U-taro", "たろう").press(a.Join(first))
    people("U-r0", "通報0").press(ReportItem("initiative", first))
    assert home_rows(engine) == []


def test_a_turn_committing_after_its_slot_went_out_refreshes_in_the_next_slot(
    make_slack, engine, clock
):
    """A slow turn whose clock reading falls in a slot whose refresh was already published
    (it saw the store before this turn committed) queues the next slot's refresh instead."""
    slack = make_slack()
    people = People(slack.runtime)
    owner = people("U-owner", "はなこ")
    open_home(slack, A)
    started = clock.now()
    post(owner, title="花壇づくり")
    clock.advance(timedelta(seconds=home.INTERVAL + 1))
    slack.drain()
    assert {r.status for r in home_rows(engine)} == {"sent"}
    clock.set(started)  # the slow turn read the clock in that same slot
    post(owner, title="夜のパトロール")
    rows = home_rows(engine)
    assert len(rows) == 2 and rows[-1].status == "pending"
    clock.advance(timedelta(seconds=2 * home.INTERVAL + 1))
    slack.drain()
    assert "夜のパトロール" in unclaimed_queue(publishes(slack, A)[-1])
