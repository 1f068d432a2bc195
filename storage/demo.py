"""A realistic sample ward (杉並区, the default ward config) for the simulator and evaluations.

TL;DR: ``load_demo(engine)`` upserts by natural keys (organisation name, initiative title, idea
call title, meeting title, the unique pairs of memberships, participations and RSVPs), so running
it twice changes nothing. The residents are the simulator's personas (same external ids), so the
simulator shows their organisations, initiatives, plans and ideas. Display names only.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from storage import ledger, outbox
from storage.models import (
    Actor,
    ActorKind,
    ChannelAccount,
    Idea,
    IdeaCall,
    IdeaStatus,
    IdeaSupport,
    Initiative,
    InitiativeStatus,
    Meeting,
    Membership,
    OutboxMessage,
    Participation,
    Person,
    Rsvp,
)
from storage.personas import CHANNEL, Persona, load_personas, person_for

TZ = ZoneInfo("Asia/Tokyo")

# The alphabet and length of handlers.organisations' invite codes (no look-alike letters).
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8


def local_at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """A realistic local time (e.g. 10:00, 13:30, 19:00 in Asia/Tokyo) ``days`` from ``now``,
    as UTC: demo times never show the minute ``demo-data`` happened to run."""
    local = (now.astimezone(TZ) + timedelta(days=days)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    return local.astimezone(UTC)


# Organisations: (key, kind, name, area, activity, interests, strengths, members {person: role})
ACTORS: list[dict[str, Any]] = [
    {
        "key": "asagaya_kita",
        "kind": ActorKind.NEIGHBORHOOD,
        "name": "阿佐谷北三丁目町会",
        "area": "asagaya",
        "activity": "約420世帯の町会です。夏祭り、防災訓練、見守り活動、回覧板のお知らせを続けています。"
        "若い世帯にも参加してもらえる行事づくりを考えています。",
        "interests": ["bousai", "koureisha", "machizukuri"],
        "strengths": ["hands", "place", "publicity"],
        "members": {"tanaka": "admin", "demo-watanabe": "member"},
    },
    {
        "key": "koenji_minami",
        "kind": ActorKind.NEIGHBORHOOD,
        "name": "高円寺南自治会",
        "area": "koenji",
        "activity": "商店街に近い自治会です。防犯パトロールと、年2回の清掃活動をしています。",
        "interests": ["bousai", "kankyo"],
        "strengths": ["hands", "equipment"],
        "members": {"demo-nakamura": "admin"},
    },
    {
        "key": "aozora",
        "kind": ActorKind.NPO,
        "name": "NPO法人 すぎなみ子ども食堂あおぞら",
        "area": "ogikubo",
        "activity": "荻窪で月2回、子ども食堂と学習支援をしています。食材の寄付と、"
        "配ぜん・片づけのボランティアを募集しています。",
        "interests": ["kosodate", "koureisha"],
        "strengths": ["knowhow", "hands"],
        "members": {"sato": "admin"},
    },
    {
        "key": "midori",
        "kind": ActorKind.NPO,
        "name": "善福寺川みどりの会",
        "area": "nishiogi",
        "activity": "善福寺川ぞいの清掃と、生きもの観察会をしています。道具の貸し出しもできます。",
        "interests": ["kankyo", "kosodate"],
        "strengths": ["knowhow", "equipment"],
        "members": {"demo-watanabe": "admin"},
    },
    {
        "key": "hidamari",
        "kind": ActorKind.BUSINESS,
        "name": "高円寺ひだまり商店会",
        "area": "koenji",
        "activity": "32店舗の商店会です。空き店舗を使ったイベントや、地域のお店めぐりを企画しています。",
        "interests": ["keizai", "machizukuri", "bunka"],
        "strengths": ["place", "funds", "publicity"],
        "members": {"takahashi": "admin"},
    },
    {
        "key": "university",
        "kind": ActorKind.SCHOOL,
        "name": "杉並学園大学 地域連携センター",
        "area": "takaido",
        "activity": "学生ボランティアの紹介と、地域の課題をテーマにしたゼミ活動をしています。"
        "多言語のやさしい案内づくりにも取り組んでいます。",
        "interests": ["tabunka", "kosodate", "machizukuri"],
        "strengths": ["hands", "knowhow"],
        "members": {"nguyen": "member", "demo-kimura": "admin"},
    },
    {
        "key": "ward",
        "kind": ActorKind.WARD,
        "name": "杉並区 区民生活部 協働推進課",
        "area": None,
        "activity": "区民・団体・事業者・大学と区の協働をすすめる窓口です。"
        "取組の相談、団体どうしの橋わたし、アイデア募集をしています。",
        "interests": ["machizukuri", "bousai", "tabunka"],
        "strengths": ["publicity", "place", "knowhow"],
        "members": {"yamamoto": "admin", "kobayashi": "member"},
    },
]

# People who are not simulator personas but belong to the ward (reachable in the simulator only).
EXTRA_PEOPLE = {
    "demo-watanabe": ("渡辺 さとみ", "ja"),
    "demo-nakamura": ("中村 浩二", "ja"),
    "demo-kimura": ("木村 先生", "ja"),
    "demo-ito": ("伊藤 はるか", "ja"),
}


def _initiatives(now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "title": "子ども食堂の配ぜんボランティア募集",
            "actor": "aozora",
            "poster": "sato",
            "description": "荻窪の地域会館で、毎月第2・第4土曜に子ども食堂をひらいています。"
            "配ぜんと片づけを手伝ってくれる方を募集します。高校生・大学生も歓迎です。",
            "category": "kosodate",
            "area": "ogikubo",
            "help_wanted": ["hands"],
            "starts_on": local_at(now, 12, 10),
            "capacity": 8,
            "status": InitiativeStatus.RECRUITING,
            "participants": ["suzuki", "nguyen", "demo-ito"],
        },
        {
            "title": "阿佐谷北 防災まち歩きと避難所マップづくり",
            "actor": "asagaya_kita",
            "poster": "tanaka",
            "description": "町会の皆さんと地域を歩き、消火器・防災倉庫・一時避難場所を確認して、"
            "わかりやすいマップをつくります。外国語の案内も入れたいので、協力してくれる方を探しています。",
            "category": "bousai",
            "area": "asagaya",
            "help_wanted": ["hands", "knowhow"],
            "starts_on": local_at(now, 20, 13, 30),
            "capacity": 20,
            "status": InitiativeStatus.RECRUITING,
            "participants": ["nguyen", "demo-watanabe"],
        },
        {
            "title": "空き店舗で多世代のボードゲーム会",
            "actor": "hidamari",
            "poster": "takahashi",
            "description": "商店会の空き店舗を使って、子どもから高齢の方までがいっしょに遊べる"
            "ボードゲーム会を月1回ひらく準備をしています。",
            "category": "bunka",
            "area": "koenji",
            "help_wanted": ["hands", "publicity"],
            "starts_on": local_at(now, 30, 19),
            "capacity": 30,
            "status": InitiativeStatus.PREPARING,
            "participants": ["suzuki", "tanaka"],
        },
        {
            "title": "善福寺川 秋のクリーン作戦",
            "actor": "midori",
            "poster": "demo-watanabe",
            "description": "善福寺川の川ぞいを、町会・大学生・区の職員といっしょに清掃しました。",
            "category": "kankyo",
            "area": "nishiogi",
            "help_wanted": ["hands", "equipment"],
            "starts_on": local_at(now, -40, 9, 30),
            "ends_on": local_at(now, -40, 12),
            "capacity": 50,
            "status": InitiativeStatus.DONE,
            "participants": ["tanaka", "suzuki", "nguyen", "demo-kimura"],
            "result_summary": "約1.5kmの川ぞいを清掃し、ごみ袋42袋を回収しました。"
            "生きもの観察コーナーには親子18組が来てくれました。",
            "result_participants": 46,
            "result_reflection": "大学生の参加で準備がはやく進みました。次回は集合場所の案内板をふやします。",
        },
    ]


IDEA_CALL = {
    "title": "外国人住民にも伝わる 防災情報の届け方",
    "problem": "区内に住む外国人住民は年々ふえていますが、防災訓練への参加はまだ少なく、"
    "避難所や備えの情報が十分に届いていません。",
    "wanted": "やさしい日本語、SNS、学校や商店街との連携など、すぐに試せるアイデアを募集します。",
    "categories": ["bousai", "tabunka"],
}


class _IdeaSpec(TypedDict):
    author: str
    body: str
    reason: str
    status: IdeaStatus
    supporters: list[str]


IDEAS: list[_IdeaSpec] = [
    {
        "author": "nguyen",
        "body": "Make a one-page picture guide of the nearest evacuation site in English, "
        "Vietnamese and easy Japanese, and put it up at the supermarkets.",
        "reason": "Many students shop there every day; posters at the station are easy to miss.",
        "status": IdeaStatus.REVIEWING,
        "supporters": ["tanaka", "suzuki"],
    },
    {
        "author": "suzuki",
        "body": "高校の文化祭で、留学生といっしょに「防災クイズラリー」をひらく。",
        "reason": "楽しみながら参加でき、家族にも話してもらえるからです。",
        "status": IdeaStatus.RECEIVED,
        "supporters": ["sato"],
    },
]


def _meetings(now: datetime) -> list[dict[str, Any]]:
    def local(days: int, hour: int) -> datetime:
        return local_at(now, days, hour)

    return [
        {
            "title": "子ども食堂ボランティア 事前説明会",
            "initiative": "子ども食堂の配ぜんボランティア募集",
            "starts_at": local(3, 18),
            "hours": 1,
            "place": "荻窪地域区民センター 第2集会室",
            "rsvps": {"sato": "yes", "suzuki": "yes", "nguyen": "yes", "demo-ito": "maybe"},
        },
        {
            "title": "防災まち歩き 準備の集い",
            "initiative": "阿佐谷北 防災まち歩きと避難所マップづくり",
            "starts_at": local(9, 19),
            "hours": 2,
            "place": "阿佐谷北三丁目町会会館",
            "rsvps": {"tanaka": "yes", "nguyen": "yes", "demo-watanabe": "maybe"},
        },
        {
            "title": "防災情報アイデアの会（オンライン）",
            "call": IDEA_CALL["title"],
            "starts_at": local(16, 19),
            "hours": 1,
            "online_url": "https://meet.example.jp/kyodo-bousai",
            "rsvps": {"yamamoto": "yes", "nguyen": "yes", "suzuki": "maybe"},
        },
    ]


# ---------------------------------------------------------------- upserts


def _people(db: Session, japanese: str) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for key, persona in load_personas().items():
        people[key] = person_for(db, persona, japanese)
    for key, (name, language) in EXTRA_PEOPLE.items():
        people[key] = person_for(
            db, Persona(key=key, name=name, label={}, language=language, staff=False), japanese
        )
    return people


def _one(db: Session, model: type[SQLModel], **where: Any) -> Any:
    stmt = select(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.exec(stmt).first()


def _get_or_add(db: Session, model: type[SQLModel], where: dict[str, Any], **values: Any) -> Any:
    row = _one(db, model, **where)
    if row is None:
        row = model(**where, **values)
        db.add(row)
        db.flush()
    return row


def load_demo(engine: Engine, now: datetime | None = None, japanese: str = "ja") -> dict[str, int]:
    """Load (or complete) the demo ward; returns row counts of the main tables.

    ``japanese`` is the register of the Japanese-speaking demo people (the ward's default)."""
    now = now or datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as db:
        people = _people(db, japanese)
        actors: dict[str, Actor] = {}
        for spec in ACTORS:
            actor = _get_or_add(
                db,
                Actor,
                {"kind": spec["kind"], "name": spec["name"]},
                area=spec["area"],
                activity=spec["activity"],
                interests=spec["interests"],
                strengths=spec["strengths"],
            )
            actors[spec["key"]] = actor
            if actor.invite_code is None and actor.kind != ActorKind.INDIVIDUAL:
                actor.invite_code = _free_invite_code(db)  # so someone can join it
                db.add(actor)
            for member, role in spec["members"].items():
                _get_or_add(
                    db,
                    Membership,
                    {"actor_id": actor.id, "person_id": people[member].id},
                    role=role,
                )
        # the residents' own profiles get a line about themselves
        for key, activity, interests in (
            ("suzuki", "高校2年生です。ボランティアに興味があります。", ["kosodate", "bunka"]),
            ("nguyen", "University student from Vietnam. I can help in English.", ["tabunka"]),
        ):
            own = db.get(Actor, people[key].actor_id)
            if own is not None and not own.activity:
                own.activity, own.interests, own.area = activity, interests, "takaido"
                db.add(own)

        initiatives: dict[str, Initiative] = {}
        for spec in _initiatives(now):
            values = {
                k: spec.get(k)
                for k in (
                    "description",
                    "category",
                    "area",
                    "help_wanted",
                    "starts_on",
                    "ends_on",
                    "capacity",
                    "status",
                    "result_summary",
                    "result_participants",
                    "result_reflection",
                )
            }
            item = _get_or_add(
                db,
                Initiative,
                {"title": spec["title"]},
                actor_id=actors[spec["actor"]].id,
                poster_id=people[spec["poster"]].id,
                facilitator_id=people["yamamoto"].id,
                created_at=now - timedelta(days=60 if spec["status"] == "done" else 5),
                updated_at=now - timedelta(days=1),
                **values,
            )
            initiatives[spec["title"]] = item
            for who in spec["participants"]:
                _get_or_add(
                    db,
                    Participation,
                    {"initiative_id": item.id, "person_id": people[who].id},
                    status="joined",
                )

        call = _get_or_add(
            db,
            IdeaCall,
            {"title": IDEA_CALL["title"]},
            problem=IDEA_CALL["problem"],
            wanted=IDEA_CALL["wanted"],
            categories=IDEA_CALL["categories"],
            deadline=(now + timedelta(days=14))
            .astimezone(TZ)
            .replace(hour=23, minute=59, second=0, microsecond=0),
            status="open",
            created_by=people["yamamoto"].id,
        )
        for idea_spec in IDEAS:
            idea = _get_or_add(
                db,
                Idea,
                {
                    "call_id": call.id,
                    "author_id": people[idea_spec["author"]].id,
                    "body": idea_spec["body"],
                },
                reason=idea_spec["reason"],
                status=idea_spec["status"],
            )
            for who in idea_spec["supporters"]:
                _get_or_add(db, IdeaSupport, {"idea_id": idea.id, "person_id": people[who].id})

        for spec in _meetings(now):
            meeting = _get_or_add(
                db,
                Meeting,
                {"title": spec["title"]},
                initiative_id=initiatives[spec["initiative"]].id if "initiative" in spec else None,
                idea_call_id=call.id if "call" in spec else None,
                starts_at=spec["starts_at"],
                ends_at=spec["starts_at"] + timedelta(hours=spec["hours"]),
                place=spec.get("place"),
                online_url=spec.get("online_url"),
                reminders=[{"minutes": 48 * 60}],
                created_by=people["yamamoto"].id,
            )
            for who, answer in spec["rsvps"].items():
                _get_or_add(
                    db, Rsvp, {"meeting_id": meeting.id, "person_id": people[who].id}, answer=answer
                )
                if answer == "yes":
                    _remind(db, meeting, people[who], now)
        ledger.backfill(db)  # the demo's completed initiative counts on /public
        db.commit()
        return counts(db)


def _free_invite_code(db: Session) -> str:
    while True:
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
        if _one(db, Actor, invite_code=code) is None:
            return code


def _remind(db: Session, meeting: Meeting, person: Person, now: datetime) -> None:
    """A 48-hour reminder in the outbox, so the simulator's clock button shows one arriving."""
    due = meeting.starts_at - timedelta(hours=48)
    key = f"demo:reminder:{meeting.id}:{person.id}"
    if due <= now or _one(db, OutboxMessage, dedupe_key=key) is not None:
        return
    when = meeting.starts_at.astimezone(TZ).strftime("%m/%d %H:%M")
    where = meeting.place or meeting.online_url or ""
    if person.language == "en":
        text = f"Reminder: {meeting.title}\n{when} at {where}"
    else:
        text = f"【リマインド】{meeting.title}\n日時: {when}\n場所: {where}"
    outbox.queue(
        db,
        OutboxMessage(
            audience="person",
            person_id=person.id,
            kind="reminder",
            payload=[{"kind": "text", "text": text}],
            dedupe_key=key,
            meeting_id=meeting.id,
            due_at=due,
            expires_at=meeting.starts_at,
        ),
    )


COUNTED = (
    Person,
    ChannelAccount,
    Actor,
    Membership,
    Initiative,
    Participation,
    IdeaCall,
    Idea,
    IdeaSupport,
    Meeting,
    Rsvp,
    OutboxMessage,
)


def counts(db: Session) -> dict[str, int]:
    return {m.__tablename__: db.exec(select(func.count()).select_from(m)).one() for m in COUNTED}


__all__ = ["CHANNEL", "counts", "load_demo"]
