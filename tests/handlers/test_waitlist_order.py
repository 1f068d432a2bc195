"""The waitlist is first-come: the oldest waiting person moves up, and someone who withdraws
and comes back goes to the end of the queue. The clock moves between joins so that the order
comes from the times, not from row ids."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from handlers import initiative_actions as a
from storage.models import Participation
from tests.support.initiatives import latest, outbox, post, pushed_text
from tests.support.initiatives import person_named as person_id


def _statuses(engine, initiative_id: int) -> dict[int, str]:
    with Session(engine) as s:
        rows = s.exec(select(Participation).where(Participation.initiative_id == initiative_id))
        return {p.person_id: p.status for p in rows}


def _join(c, initiative_id: int, clock) -> None:
    clock.advance(timedelta(minutes=1))
    c.press(a.Join(initiative_id))


def _withdraw(c, initiative_id: int, clock) -> None:
    clock.advance(timedelta(minutes=1))
    c.press(a.Show(initiative_id))
    c.tap("参加をやめる")
    c.tap("はい")  # 参加をやめる asks once (issue 17)
    assert "とりやめました" in c.text, c.text


def test_the_oldest_waiting_person_is_promoted(people, engine, clock):
    owner = people("U-owner", "はなこ")
    post(owner, capacity="1")
    ini = latest(engine)
    first, second, third = (people(f"U-{n}", n) for n in ("いち", "に", "さん"))
    _join(first, ini.id, clock)
    assert "参加を 受け付けました" in first.text
    _join(second, ini.id, clock)
    assert "補欠(ほけつ)（1番目(ばんめ)）" in second.text
    _join(third, ini.id, clock)
    assert "補欠(ほけつ)（2番目(ばんめ)）" in third.text

    _withdraw(first, ini.id, clock)
    statuses = _statuses(engine, ini.id)
    assert statuses[person_id(engine, "に")] == "joined"
    assert statuses[person_id(engine, "さん")] == "waitlisted"
    assert "参加できるように なりました" in pushed_text(
        outbox(engine, person_id=person_id(engine, "に"))
    )
    assert outbox(engine, person_id=person_id(engine, "さん"), kind="join") == []


def test_rejoining_after_withdrawing_goes_to_the_end_of_the_queue(people, engine, clock):
    owner = people("U-owner", "はなこ")
    post(owner, capacity="1")
    ini = latest(engine)
    first, early, late = (people(f"U-{n}", n) for n in ("いち", "はやい", "おそい"))
    _join(first, ini.id, clock)
    _join(early, ini.id, clock)  # waitlist place 1
    _join(late, ini.id, clock)  # waitlist place 2
    _withdraw(early, ini.id, clock)
    _join(early, ini.id, clock)  # back again: behind おそい now
    assert "補欠(ほけつ)（2番目(ばんめ)）" in early.text, early.text

    _withdraw(first, ini.id, clock)
    statuses = _statuses(engine, ini.id)
    assert statuses[person_id(engine, "おそい")] == "joined"
    assert statuses[person_id(engine, "はやい")] == "waitlisted"


def test_same_instant_joins_keep_their_order_and_queues_stay_per_initiative(people, engine, clock):
    """Two joins in the same clock tick: the earlier row moves up. Another initiative's older
    waiting person is not taken from its own queue."""
    owner = people("U-owner", "はなこ")
    post(owner, capacity="1", title="べつの 取組")
    other = latest(engine)
    people("U-x1", "べつ1").press(a.Join(other.id))
    people("U-x2", "べつ2").press(a.Join(other.id))  # waiting on the other initiative
    clock.advance(timedelta(minutes=5))
    post(owner, capacity="1")
    ini = latest(engine)
    first, second, third = (people(f"U-{n}", n) for n in ("いち", "に", "さん"))
    for c in (first, second, third):  # no clock advance: same created_at
        c.press(a.Join(ini.id))
    owner.press(a.Participants(ini.id))
    shown = owner.text
    assert shown.index("いち") < shown.index("に（補欠）") < shown.index("さん（補欠）"), shown

    _withdraw(first, ini.id, clock)
    statuses = _statuses(engine, ini.id)
    assert statuses[person_id(engine, "に")] == "joined"
    assert statuses[person_id(engine, "さん")] == "waitlisted"
    assert _statuses(engine, other.id)[person_id(engine, "べつ2")] == "waitlisted"
