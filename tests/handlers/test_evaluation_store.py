"""協働評価 in the store: partners, answers accepted once, medians and disagreements, erasure
that keeps the counts (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

import bot.ward as ward_module
from bot.ward import WardConfigError, load_ward
from handlers import initiative_actions as a
from schedules.evaluations_jobs import ask_partners
from storage.db import session_scope
from storage.models import Evaluation, Initiative, Person
from storage.privacy import erase_person
from storage.queries import evaluations as ev
from storage.queries import outcomes as o
from tests.handlers.test_outcome_ledger import complete
from tests.support.initiatives import latest, person_named, post

GOOD = dict.fromkeys(ev.QUESTIONS, 4)


def test_answers_once_medians_disagreements_and_erasure(people, engine, clock):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    complete(owner, ini.id)
    hanako, taro_id = person_named(engine, "はなこ"), person_named(engine, "たろう")
    with session_scope(engine) as db:
        row = db.get(Initiative, ini.id)
        assert ev.partners(db, row) == {hanako: "poster", taro_id: "participant"}
        assert ev.completed_at(db, ini.id) is not None
        first = ev.record_answer(db, row, hanako, "poster", GOOD, "楽しかった", clock.now())
        assert first is not None
        again = ev.record_answer(
            db, row, hanako, "poster", dict.fromkeys(ev.QUESTIONS, 1), None, clock.now()
        )
        assert again is None  # once per partner: the first answer stands
        low = GOOD | {"equal": 2, "openness": 5}
        assert ev.record_answer(db, row, taro_id, "participant", low, None, clock.now())
    with Session(engine) as db:
        rows = ev.answers(db, ini.id)
        assert [r.equal for r in rows] == [4, 2]
        assert ev.medians(rows)["equal"] == 3.0
        assert ev.disagreements(rows) == {"equal": (2, 4)}
        assert o.totals(db, public=False)["evaluations_answered"] == 2
    with session_scope(engine) as db:
        ev.publish(db, db.get(Initiative, ini.id), hanako, [rows[0].id], clock.now())
    with session_scope(engine) as db:
        erase_person(
            db,
            db.get(Person, hanako),
            placeholder="退会した人",
            now=clock.now(),
        )
    with Session(engine) as db:
        gone = db.get(Evaluation, rows[0].id)
        assert gone.person_id is None and gone.comment is None and gone.overall == 4
        assert ev.published(db, [ini.id])[ini.id].comments == []
        assert o.totals(db, public=False)["evaluations_answered"] == 2


def test_the_ward_sets_when_partners_are_asked(tmp_path, people, runtime, engine, clock):
    default = (Path(ward_module.__file__).with_name("ward_default.toml")).read_text("utf-8")
    path = tmp_path / "ward.toml"
    path.with_name("ok.toml").write_text(default.replace("after_days = 3", "after_days = 5"))
    assert load_ward(path.with_name("ok.toml")).evaluation_after_days == 5
    path.write_text(default.replace("evaluation_after_days = 3", 'evaluation_after_days = "3"'))
    with pytest.raises(WardConfigError, match="evaluation_after_days"):
        load_ward(path)

    owner = people("U-owner", "はなこ")
    post(owner)
    complete(owner, latest(engine).id)
    ctx = replace(runtime.job_context, ward=load_ward(path.with_name("ok.toml")))
    clock.advance(timedelta(days=4, hours=23))
    assert ask_partners(ctx)["asked"] == 0
    clock.advance(timedelta(hours=1))
    assert ask_partners(ctx)["asked"] == 1  # the poster, the only partner
