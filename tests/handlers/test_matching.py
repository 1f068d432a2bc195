"""Staff 「協働先をさがす」: who is shortlisted, in which order, with which reasons, and who
hears an invitation (an organisation's members, or the owner of a personal profile)."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers import initiative_actions as a
from storage.models import Actor, ActorKind, Membership, Person
from tests.support.initiatives import latest, outbox, post
from tests.support.initiatives import person_named as person_id


def _actor(engine, name: str, *, interests=(), area=None, strengths=(), kind=ActorKind.NPO):
    with Session(engine) as s:
        actor = Actor(
            name=name,
            kind=kind,
            interests=list(interests),
            area=area,
            strengths=list(strengths),
        )
        s.add(actor)
        s.commit()
        return actor.id


def _member(engine, actor_id: int, name: str) -> None:
    with Session(engine) as s:
        pid = s.exec(select(Person.id).where(Person.display_name == name)).one()
        s.add(Membership(actor_id=actor_id, person_id=pid, role="member"))
        s.commit()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit()]


def test_the_shortlist_scores_orders_limits_and_explains(people, engine):
    owner = people("U-own", "はなこ")
    post(owner, help=("人手", "場所"))  # 防災・防犯 in 阿佐谷
    ini = latest(engine)
    with Session(engine) as s:  # the poster's own profile fits perfectly but is never listed
        mine = s.get(Actor, ini.actor_id)
        mine.interests, mine.area, mine.strengths = ["bousai"], "asagaya", ["hands", "place"]
        s.add(mine)
        s.commit()
    _actor(engine, "地域だけ", area="asagaya")  # 1 point, neither interest nor strength: out
    _actor(engine, "無関係", interests=["kankyo"], strengths=["funds"])  # 0 points: out
    _actor(engine, "関心A", interests=["bousai"])  # 2
    _actor(engine, "全部", interests=["bousai"], area="asagaya", strengths=["hands"])  # 5
    _actor(engine, "できる2つ", strengths=["hands", "place"], area="koenji")  # 4
    _actor(engine, "関心B", interests=["bousai"])  # 2, after 関心A (older id)
    _actor(engine, "関心と地域", interests=["bousai"], area="asagaya")  # 3
    _actor(engine, "関心C", interests=["bousai"])  # 2: the sixth, cut by the limit of 5

    staff = people("S-1", "区職員", staff=True)
    staff.press(a.Match(ini.id))
    assert _lines(staff.text) == [
        "1. 全部（関心：防災・防犯, 地域：阿佐谷, できること：人手）",
        "2. できる2つ（できること：人手、場所）",
        "3. 関心と地域（関心：防災・防犯, 地域：阿佐谷）",
        "4. 関心A（関心：防災・防犯）",
        "5. 関心B（関心：防災・防犯）",
    ], staff.text
    assert [b.label for b in staff.last[-1].buttons] == [
        "全部を招待",
        "できる2つを招待",
        "関心と地域を招待",
        "関心Aを招待",
        "関心Bを招待",
    ]


def test_no_fit_says_so(people, engine):
    owner = people("U-own", "はなこ")
    post(owner)
    _actor(engine, "地域だけ", area="asagaya")
    staff = people("S-1", "区職員", staff=True)
    staff.press(a.Match(latest(engine).id))
    assert _lines(staff.text) == []
    assert "協働先の候補は見つかりませんでした" in staff.text, staff.text


def test_an_invitation_reaches_the_members_or_the_profiles_owner_only(people, engine):
    owner = people("U-own", "はなこ")
    post(owner)
    ini = latest(engine)
    for user, name in (
        ("U-m1", "会員1"),
        ("U-m2", "会員2"),
        ("U-x", "よその会員"),
        ("U-me", "個人"),
    ):
        people(user, name)
    org = _actor(engine, "防災ネット", interests=["bousai"])
    other = _actor(engine, "よその会", interests=["bousai"])
    _member(engine, org, "会員1")
    _member(engine, org, "会員2")
    _member(engine, other, "よその会員")
    with Session(engine) as s:
        solo = s.exec(select(Person).where(Person.display_name == "個人")).one().actor_id

    staff = people("S-1", "区職員", staff=True)
    staff.press(a.Invite(ini.id, org))
    assert {r.person_id for r in outbox(engine, kind="invite")} == {
        person_id(engine, "会員1"),
        person_id(engine, "会員2"),
    }
    staff.press(a.Invite(ini.id, solo))
    assert {r.person_id for r in outbox(engine, kind="invite")} == {
        person_id(engine, "会員1"),
        person_id(engine, "会員2"),
        person_id(engine, "個人"),
    }
