"""The simulator's personas as real people in the store (shared by the simulator and demo data).

A persona is a Person with a ChannelAccount(channel="simulator", external_id=<key>), so what the
simulator shows is exactly what the store holds. ``ensure_personas`` is idempotent and safe when
two processes start at once (the unique (channel, external_id) constraint decides).
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Actor, ActorKind, ChannelAccount, Person

log = logging.getLogger("kyodo.personas")

CHANNEL = "simulator"
PERSONAS_PATH = Path(__file__).with_name("personas.toml")


@dataclass(frozen=True)
class Persona:
    key: str  # the simulator's external id
    name: str  # display name
    label: dict[str, str]  # picker label per language
    language: str
    staff: bool

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "label": self.label,
            "language": self.language,
            "staff": self.staff,
        }


@lru_cache
def load_personas(path: Path = PERSONAS_PATH) -> dict[str, Persona]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {
        key: Persona(
            key=key,
            name=item["name"],
            label=dict(item["label"]),
            language=item.get("language", "ja"),
            staff=bool(item.get("staff", False)),
        )
        for key, item in data.items()
    }


def person_for(db: Session, persona: Persona, japanese: str = "ja") -> Person:
    """The persona's Person, created (with a 個人 profile and the account) when missing.

    A persona's ``language = "ja"`` means Japanese in the ward's default Japanese register
    (``japanese``: "ja" ふつう or "easy" やさしい); "easy" and "en" are taken as they are.
    """
    account = db.exec(
        select(ChannelAccount).where(
            ChannelAccount.channel == CHANNEL, ChannelAccount.external_id == persona.key
        )
    ).first()
    if account is not None:
        person = db.get(Person, account.person_id)
        assert person is not None
        if person.is_staff != persona.staff:
            person.is_staff = persona.staff
            db.add(person)
        return person
    actor = Actor(kind=ActorKind.INDIVIDUAL, name=persona.name)
    db.add(actor)
    db.flush()
    person = Person(
        display_name=persona.name,
        language=japanese if persona.language == "ja" else persona.language,
        is_staff=persona.staff,
        actor_id=actor.id,
    )
    db.add(person)
    db.flush()
    assert person.id is not None  # assigned by the flush
    db.add(ChannelAccount(person_id=person.id, channel=CHANNEL, external_id=persona.key))
    db.flush()
    return person


def ensure_personas(engine: Engine, japanese: str = "ja") -> dict[str, int]:
    """Create every persona that is missing; returns {key: person id}."""
    ids: dict[str, int] = {}
    for persona in load_personas().values():
        for _attempt in range(2):
            try:
                with Session(engine, expire_on_commit=False) as db:
                    person = person_for(db, persona, japanese)
                    db.commit()
                    assert person.id is not None
                    ids[persona.key] = person.id
                break
            except IntegrityError:  # another process created it first: read theirs
                log.info("persona created concurrently; reloading")
    return ids
