"""Confirm and undo in the web chat simulator, through its HTTP API as the page uses it: a
persona taps 参加をやめる → はい → 取り消す and has the place again; taps 通報する → picks a
reason among the quick replies → the report is stored with that reason. The ward's default
register (ふつう) is the product's: the personas read standard Japanese."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.core.actions import pack
from handlers import initiative_actions as a
from storage.models import Actor, ChannelAccount, Initiative, Participation, Person, Report


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"default_language": "ja"})


def seed_initiative(engine) -> int:
    with Session(engine) as db:
        actor = Actor(kind="chokai", name="阿佐谷北町会")
        db.add(actor)
        db.flush()
        poster = Person(display_name="はなこ", actor_id=actor.id)
        db.add(poster)
        db.flush()
        ini = Initiative(
            actor_id=actor.id,
            poster_id=poster.id,
            title="公園の防災訓練",
            description="町会と一緒に防災訓練をします。",
            category="bousai",
            area="asagaya",
            capacity=2,
        )
        db.add(ini)
        db.commit()
        return ini.id


def person_of(engine, persona: str) -> int:
    with Session(engine) as db:
        return db.exec(
            select(ChannelAccount.person_id).where(
                ChannelAccount.channel == "simulator", ChannelAccount.external_id == persona
            )
        ).one()


def status_of(engine, ini: int, persona: str) -> str:
    with Session(engine) as db:
        return db.exec(
            select(Participation.status).where(
                Participation.initiative_id == ini,
                Participation.person_id == person_of(engine, persona),
            )
        ).one()


def reports(engine) -> list[tuple]:
    with Session(engine) as db:
        rows = db.exec(select(Report).order_by(Report.id)).all()
        return [(r.entity, r.entity_id, r.person_id, r.reason) for r in rows]


def feed_texts(client, persona: str) -> list[str]:
    """What the simulated phone shows (the hub's feed, as the page draws it)."""
    hub = client.app.state.runtime.simulator_hub
    return [
        reply["text"]
        for entry in hub.snapshot(persona, False)
        for reply in entry.as_json()["replies"]
        if reply.get("text")
    ]


class Phone:
    def __init__(self, client, persona):
        self.client, self.persona, self.replies = client, persona, []

    def send(self, **body):
        r = self.client.post("/simulator/send", json={"persona": self.persona, **body})
        assert r.status_code == 200, r.text
        self.replies = r.json()["replies"]
        return self.replies

    def open(self, ini: int):
        return self.send(kind="action", data=pack(a.Show(ini)), label="詳しく")

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies if r.get("text"))

    def labels(self) -> list[str]:
        return [
            b["label"] for r in self.replies for b in [*r.get("buttons", []), *r.get("quick", [])]
        ]

    def has(self, label: str) -> bool:
        return label in self.labels()

    def tap(self, label):
        for reply in self.replies:
            for b in [*reply.get("buttons", []), *reply.get("quick", [])]:
                if b["label"] == label:
                    return self.send(kind="action", data=b["data"], label=label)
        raise AssertionError(f"no {label!r} in {self.replies}")


def consented_participant(client, engine, persona: str, ini: int) -> Phone:
    """The persona joins from the card; a first join shows the privacy notice first, and
    agreeing goes straight on with the join."""
    phone = Phone(client, persona)
    phone.open(ini)
    phone.tap("参加したい")
    if phone.has("同意する"):
        phone.tap("同意する")
    assert "「公園の防災訓練」への参加を受け付けました" in phone.text
    assert status_of(engine, ini, persona) == "joined"
    return phone


def test_withdraw_asks_then_undo_gives_the_place_back(client, engine):
    ini = seed_initiative(engine)
    phone = consented_participant(client, engine, "tanaka", ini)
    phone.open(ini)
    assert "1人 / 定員2人" in str(phone.replies)
    phone.tap("参加をやめる")
    assert phone.text == "本当に「公園の防災訓練」への参加をやめますか？"
    assert phone.labels() == ["はい", "いいえ"]
    assert status_of(engine, ini, "tanaka") == "joined"  # asking changed nothing
    phone.tap("はい")
    assert "参加を取りやめました" in phone.text and "10分以内" in phone.text
    assert status_of(engine, ini, "tanaka") == "withdrawn"
    assert phone.labels() == ["取り消す"]
    # the simulator's clock moves nine minutes: still inside the window
    assert client.post("/simulator/clock", json={"advance": "9m"}).status_code == 200
    phone.tap("取り消す")
    assert phone.text == "取り消しました。「公園の防災訓練」に再び参加しています。"
    assert status_of(engine, ini, "tanaka") == "joined"
    phone.open(ini)
    assert "1人 / 定員2人" in str(phone.replies) and "参加をやめる" in phone.labels()
    # the phone shows the same conversation, in order
    shown = feed_texts(client, "tanaka")
    assert shown.index("本当に「公園の防災訓練」への参加をやめますか？") < shown.index(
        "取り消しました。「公園の防災訓練」に再び参加しています。"
    )


def test_undo_after_the_window_is_refused(client, engine):
    ini = seed_initiative(engine)
    phone = consented_participant(client, engine, "tanaka", ini)
    phone.open(ini)
    phone.tap("参加をやめる")
    phone.tap("はい")
    assert client.post("/simulator/clock", json={"advance": "11m"}).status_code == 200
    phone.tap("取り消す")
    assert "10分以上たった" in phone.text, phone.text
    assert status_of(engine, ini, "tanaka") == "withdrawn"


def test_report_asks_with_reasons_and_stores_the_chosen_one(client, engine):
    ini = seed_initiative(engine)
    phone = Phone(client, "sato")
    phone.open(ini)
    phone.tap("通報する")
    assert phone.text == "本当に「公園の防災訓練」を通報しますか？理由を選んでください。"
    assert phone.labels() == ["不適切な内容", "個人情報", "宣伝・勧誘", "その他", "いいえ"]
    assert reports(engine) == []  # asking stored nothing
    phone.tap("いいえ")
    assert reports(engine) == []
    phone.open(ini)
    phone.tap("通報する")
    phone.tap("宣伝・勧誘")
    assert phone.has("同意する") and reports(engine) == []  # a first contribution: consent
    phone.tap("同意する")  # agreeing goes on with the report, no second tap
    assert "通報を受け付けました" in phone.text, phone.text
    sato = person_of(engine, "sato")
    assert reports(engine) == [("initiative", ini, sato, "promotion")]
    phone.open(ini)
    phone.tap("通報する")  # a second report of the same item adds nothing
    phone.tap("宣伝・勧誘")
    assert phone.text == "この投稿はすでに通報済みです。"
    assert reports(engine) == [("initiative", ini, sato, "promotion")]
