"""協働評価: who the partners of a completed initiative are, their answers (once each), the
comparison with the group's median, and the summary the poster publishes.

Partners are the poster, each participating organisation's admins, each individual
participant and the 担当 staff member. Participants are frozen at 完了 (withdrawal is refused
after it), so the live rows say who took part. An answer is accepted once per partner and
initiative: the unique pair decides, so a redelivery or a double click inserts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage import ledger
from storage.db import insert_or_skip, stored_id
from storage.models import (
    Actor,
    ActorKind,
    Evaluation,
    EvaluationRequest,
    EvaluationSummary,
    Initiative,
    InitiativeStatus,
    Membership,
    OutcomeFact,
    Participation,
    Person,
)

# The questions, in the order they are asked: overall, 「ひとりで（一団体で）やるより大きな
# 成果が出た」, then the principles of 協働 (対等, 目的の共有, 相互理解, 自主性の尊重, 情報公開).
QUESTIONS: tuple[str, ...] = (
    "overall",
    "bigger",
    "equal",
    "purpose",
    "understanding",
    "autonomy",
    "openness",
)
SCORES = range(1, 6)
COMMENT_MAX = 100
DISAGREEMENT = 2  # points between the lowest and highest answer that staff are shown
MIN_FOR_COMPARISON = 2
REMIND_AFTER = timedelta(days=7)
ASK_WINDOW = timedelta(days=60)  # initiatives completed longer ago are not asked any more

POSTER, ADMIN, PARTICIPANT, STAFF = "poster", "admin", "participant", "staff"


def partners(db: Session, ini: Initiative) -> dict[int, str]:
    """person id → role, in asking order; a person with two roles is asked once (first role)."""
    found: dict[int, str] = {ini.poster_id: POSTER}
    joined = db.exec(
        select(Participation)
        .where(Participation.initiative_id == ini.id, Participation.status == "joined")
        .order_by(col(Participation.id))
    ).all()
    for p in joined:
        actor = db.get(Actor, p.actor_id) if p.actor_id is not None else None
        if actor is not None and actor.kind != ActorKind.INDIVIDUAL:
            admins = db.exec(
                select(Membership.person_id)
                .where(Membership.actor_id == actor.id, Membership.role == "admin")
                .order_by(col(Membership.id))
            ).all()
            for person_id in admins:
                found.setdefault(person_id, ADMIN)
        else:
            found.setdefault(p.person_id, PARTICIPANT)
    if ini.facilitator_id is not None:
        found.setdefault(ini.facilitator_id, STAFF)
    people = {
        p.id: p
        for p in db.exec(select(Person).where(col(Person.id).in_(list(found)))).all()
        if not p.deleted
    }
    return {pid: role for pid, role in found.items() if pid in people}


def role_of(db: Session, ini: Initiative, person_id: int) -> str | None:
    """The person's role in the initiative, or None: not a partner (a forged button)."""
    return partners(db, ini).get(person_id)


def completed_at(db: Session, initiative_id: int) -> datetime | None:
    """When the ledger recorded 完了 (the moment the evaluation clock starts)."""
    return db.exec(
        select(OutcomeFact.occurred_at).where(OutcomeFact.key == f"completed:{initiative_id}")
    ).first()


def due_for_asking(db: Session, now: datetime, after: timedelta) -> list[Initiative]:
    """Visible 完了 initiatives completed ``after`` ago or longer (within the ask window)."""
    completed = select(OutcomeFact.initiative_id).where(
        OutcomeFact.measure == ledger.COMPLETED,
        col(OutcomeFact.occurred_at) <= now - after,
        col(OutcomeFact.occurred_at) > now - after - ASK_WINDOW,
    )
    return list(
        db.exec(
            select(Initiative)
            .where(
                col(Initiative.id).in_(completed),
                Initiative.status == InitiativeStatus.DONE,
                col(Initiative.hidden).is_(False),
            )
            .order_by(col(Initiative.id))
        ).all()
    )


def note_asked(db: Session, ini: Initiative, person_id: int, role: str, now: datetime) -> bool:
    """Remember that the person was asked; False when they had been already (nothing new)."""
    stmt = (
        insert_or_skip(db.get_bind(), EvaluationRequest)
        .values(
            initiative_id=stored_id(ini.id),
            person_id=person_id,
            role=role,
            asked_at=now,
            reminded_at=None,
        )
        .on_conflict_do_nothing(index_elements=["initiative_id", "person_id"])
        .returning(col(EvaluationRequest.id))
    )
    return db.execute(stmt).scalar() is not None


def due_reminders(db: Session, now: datetime) -> list[EvaluationRequest]:
    """Asked a week ago or more, never reminded, and still without an answer."""
    answered = select(Evaluation.id).where(
        Evaluation.initiative_id == EvaluationRequest.initiative_id,
        Evaluation.person_id == EvaluationRequest.person_id,
    )
    return list(
        db.exec(
            select(EvaluationRequest)
            .where(
                col(EvaluationRequest.asked_at) <= now - REMIND_AFTER,
                col(EvaluationRequest.reminded_at).is_(None),
                ~answered.exists(),
            )
            .order_by(col(EvaluationRequest.id))
        ).all()
    )


def answer_of(db: Session, initiative_id: int, person_id: int) -> Evaluation | None:
    return db.exec(
        select(Evaluation).where(
            Evaluation.initiative_id == initiative_id, Evaluation.person_id == person_id
        )
    ).first()


def record_answer(
    db: Session,
    ini: Initiative,
    person_id: int,
    role: str,
    scores: Mapping[str, int],
    comment: str | None,
    now: datetime,
) -> Evaluation | None:
    """Store the answer; None when this partner had answered already (nothing changes)."""
    if answer_of(db, stored_id(ini.id), person_id) is not None:
        return None
    if set(scores) != set(QUESTIONS) or any(v not in SCORES for v in scores.values()):
        raise ValueError(f"scores must be 1–5 for {QUESTIONS}, not {dict(scores)}")
    row = Evaluation(
        initiative_id=stored_id(ini.id),
        person_id=person_id,
        role=role,
        comment=(comment or None),
        created_at=now,
        **scores,
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:  # the same answer from a concurrent request a moment earlier
        return None
    ledger.evaluation_answered(db, ini, person_id, now)
    return row


def answers(db: Session, initiative_id: int) -> list[Evaluation]:
    return list(
        db.exec(
            select(Evaluation)
            .where(Evaluation.initiative_id == initiative_id)
            .order_by(col(Evaluation.id))
        ).all()
    )


def medians(rows: Iterable[Evaluation]) -> dict[str, float]:
    """Each question's median over the answers (empty when there are none)."""
    rows = list(rows)
    if not rows:
        return {}
    return {q: float(median(getattr(r, q) for r in rows)) for q in QUESTIONS}


def disagreements(rows: Iterable[Evaluation]) -> dict[str, tuple[int, int]]:
    """Questions where the lowest and highest answers are ≥ 2 points apart: (low, high)."""
    rows = list(rows)
    found: dict[str, tuple[int, int]] = {}
    for q in QUESTIONS:
        values = [getattr(r, q) for r in rows]
        if len(values) >= MIN_FOR_COMPARISON and max(values) - min(values) >= DISAGREEMENT:
            found[q] = (min(values), max(values))
    return found


@dataclass(frozen=True)
class Comparison:
    own: Evaluation
    medians: dict[str, float]
    answers: int


def comparison(db: Session, initiative_id: int, person_id: int) -> Comparison | None:
    """The person's own answer beside the group's median, once ≥ 2 partners answered."""
    rows = answers(db, initiative_id)
    own = next((r for r in rows if r.person_id == person_id), None)
    if own is None or len(rows) < MIN_FOR_COMPARISON:
        return None
    return Comparison(own=own, medians=medians(rows), answers=len(rows))


def comments(db: Session, initiative_id: int) -> list[Evaluation]:
    return [r for r in answers(db, initiative_id) if r.comment]


def publish(
    db: Session, ini: Initiative, by: int, comment_ids: Iterable[int], now: datetime
) -> EvaluationSummary | None:
    """Publish (or republish) the medians and the approved comments; None without answers."""
    rows = answers(db, stored_id(ini.id))
    if not rows:
        return None
    chosen = set(comment_ids)
    summary = db.get(EvaluationSummary, ini.id) or EvaluationSummary(
        initiative_id=stored_id(ini.id), answers=0
    )
    summary.answers = len(rows)
    summary.medians = medians(rows)
    summary.comments = [
        {"evaluation_id": r.id, "text": r.comment} for r in rows if r.comment and r.id in chosen
    ]
    summary.published_by = by
    summary.published_at = now
    db.add(summary)
    db.flush()
    return summary


def published(db: Session, initiative_ids: Iterable[int]) -> dict[int, EvaluationSummary]:
    ids = list(initiative_ids)
    if not ids:
        return {}
    rows = db.exec(
        select(EvaluationSummary).where(col(EvaluationSummary.initiative_id).in_(ids))
    ).all()
    return {r.initiative_id: r for r in rows}


def forget_person(db: Session, person_id: int) -> None:
    """Erasure: answers stay counted, anonymous and without the comment (also unpublished);
    nobody asks or reminds the person any more."""
    mine = db.exec(select(Evaluation).where(Evaluation.person_id == person_id)).all()
    ids = {r.id for r in mine}
    for row in mine:
        row.person_id = None
        row.comment = None
        db.add(row)
    if ids:
        for summary in db.exec(
            select(EvaluationSummary).where(
                col(EvaluationSummary.initiative_id).in_({r.initiative_id for r in mine})
            )
        ).all():
            kept = [c for c in summary.comments if c.get("evaluation_id") not in ids]
            if kept != summary.comments:
                summary.comments = kept
                db.add(summary)
    for request in db.exec(
        select(EvaluationRequest).where(EvaluationRequest.person_id == person_id)
    ).all():
        db.delete(request)
