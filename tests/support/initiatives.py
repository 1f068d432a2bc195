"""Helpers for initiative and profile transcripts on the real store."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Initiative, OutboxMessage, Person
from tests.support.conversation import Conversation, buttons_of


class People:
    def __init__(self, runtime):
        self.runtime = runtime

    def __call__(self, user: str, name: str, *, staff: bool = False, language: str = "ja"):
        c = Conversation(runtime=self.runtime, user=user, name=name, staff=staff, language=language)
        c.follow()
        if any(b.label in ("同意する", "I agree") for b in buttons_of(c.last)):
            c.press(next(b for b in buttons_of(c.last) if b.label in ("同意する", "I agree")).data)
        return c


def post(
    c: Conversation,
    *,
    title: str = "地域の防災訓練を一緒に",
    desc: str = "町会と いっしょに 防災訓練を します。",
    category: str = "防災・防犯",
    area: str = "阿佐谷",
    help: tuple[str, ...] = ("人手",),
    capacity: str | None = None,
    as_name: str | None = None,
) -> None:
    """Walk the whole post dialog and press 「投稿する」."""
    c.command("post")
    c.say(title)
    c.say(desc)
    c.tap(category)
    c.tap(area)
    for h in help:
        c.tap(h)
    c.tap("決定")
    c.tap("とばす")  # no date
    if capacity is None:
        c.tap("定員なし")
    else:
        c.say(capacity)
    if as_name is not None:
        c.tap(as_name)
    assert "この内容で 投稿しますか" in c.text, c.text
    c.tap("投稿する")
    assert "投稿しました" in c.text, c.text


def latest(engine) -> Initiative:
    with Session(engine) as s:
        return s.exec(select(Initiative).order_by(Initiative.id.desc())).first()


def outbox(engine, **where) -> list[OutboxMessage]:
    with Session(engine) as s:
        stmt = select(OutboxMessage)
        for k, v in where.items():
            stmt = stmt.where(getattr(OutboxMessage, k) == v)
        return list(s.exec(stmt.order_by(OutboxMessage.id)).all())


def person_named(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(Person.id).where(Person.display_name == name)).first()


def pushed_text(rows: list[OutboxMessage]) -> str:
    parts = []
    for r in rows:
        for p in r.payload:
            parts.append(str(p.get("text") or p.get("title") or ""))
            parts += [str(value) for _label, value in p.get("fields") or ()]
    return "\n".join(parts)
