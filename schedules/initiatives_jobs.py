"""Weekly digest: one outbox row per person with the week's new initiatives in the categories
and areas they follow (digest mode only) and the results of initiatives completed since their
last digest. Nothing to say, nothing sent; the dedupe key (person + ISO week) makes a rerun of
the job a no-op.

Results go to everyone following the initiative's category or area (either mode: the
immediate mode is about new initiatives, results only travel in the digest) and to the members
of the organisation it was posted as — not to its poster, and not to its participants, who
already got the 完了 notice with the same report."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from bot.core.replies import Card, Carousel, Reply, Text, to_json
from bot.i18n import Translator, reading
from schedules.jobs import JobContext, periodic
from storage import ledger, outbox
from storage.db import session_scope, stored_id
from storage.models import (
    Initiative,
    InitiativeStatus,
    Membership,
    OutboxMessage,
    OutcomeFact,
    Participation,
    Person,
    Subscription,
)
from storage.queries import initiatives as q

WINDOW = timedelta(days=7)
MAX_CARDS = 10


def _completed(db: Session, now: datetime) -> list[tuple[Initiative, datetime]]:
    """Initiatives completed in the last week (the ledger's fact, with its time), still 完了,
    shown and reported; newest first."""
    return [
        (ini, at)
        for ini, at in db.exec(
            select(Initiative, OutcomeFact.occurred_at)
            .join(OutcomeFact, col(OutcomeFact.initiative_id) == col(Initiative.id))
            .where(
                col(OutcomeFact.measure) == ledger.COMPLETED,
                col(OutcomeFact.occurred_at) >= now - WINDOW,
                col(OutcomeFact.occurred_at) < now,
                col(Initiative.status) == InitiativeStatus.DONE,
                col(Initiative.hidden).is_(False),
                col(Initiative.result_summary).is_not(None),
            )
            .order_by(col(OutcomeFact.occurred_at).desc(), col(Initiative.id).desc())
        ).all()
    ]


def _results_audience(db: Session, ini: Initiative) -> set[int]:
    """Followers of its category or area and members of its organisation, minus the poster
    and the participants (they had the 完了 notice)."""
    topics = [(col(Subscription.topic) == "category") & (col(Subscription.value) == ini.category)]
    if ini.area:
        topics.append((col(Subscription.topic) == "area") & (col(Subscription.value) == ini.area))
    people = set(db.exec(select(Subscription.person_id).where(or_(*topics))).all())
    people |= set(db.exec(select(Membership.person_id).where(Membership.actor_id == ini.actor_id)))
    told = db.exec(
        select(Participation.person_id).where(
            Participation.initiative_id == ini.id, col(Participation.status).in_(q.ACTIVE)
        )
    ).all()
    return people - set(told) - {ini.poster_id}


def _last_digests(db: Session) -> dict[int, datetime]:
    """When each person's latest digest was due: results already in it are not repeated."""
    rows = db.exec(
        select(OutboxMessage.person_id, func.max(OutboxMessage.due_at))
        .where(col(OutboxMessage.kind) == "digest", col(OutboxMessage.person_id).is_not(None))
        .group_by(col(OutboxMessage.person_id))
    ).all()
    return {pid: at for pid, at in rows if pid is not None}


def _new_cards(ctx: JobContext, t: Translator, mine: list[Initiative]) -> list[Reply]:
    lang = t.language
    cards = tuple(
        Card(
            title=i.title,
            body=i.description[:80],
            fields=(
                (t("initiatives.f_category"), ctx.ward.categories.label(i.category, lang)),
                (t("initiatives.f_area"), ctx.ward.areas.label(i.area, lang) or "-"),
            ),
            buttons=ctx.cards.initiative_buttons(t, stored_id(i.id)),
        )
        for i in mine[:MAX_CARDS]
    )
    return [
        Text(text=t("initiatives.digest_intro", count=len(mine))),
        Carousel(alt_text=t("initiatives.digest_alt", count=len(mine)), cards=cards),
    ]


def _result_cards(ctx: JobContext, t: Translator, done: list[Initiative]) -> list[Reply]:
    cards = tuple(ctx.cards.result_card(t, i) for i in done[:MAX_CARDS])
    return [
        Text(text=t("initiatives.digest_results_intro", count=len(done))),
        Carousel(alt_text=t("initiatives.digest_results_alt", count=len(done)), cards=cards),
    ]


@periodic("digest.weekly", "cron", day_of_week="mon", hour=9)
def weekly_digest(ctx: JobContext) -> dict[str, int]:
    now = ctx.clock.now()
    week = now.astimezone(ZoneInfo(ctx.ward.timezone)).isocalendar()
    week_key = f"{week.year}-W{week.week:02d}"
    written = 0
    with session_scope(ctx.engine) as db:
        fresh = db.exec(
            select(Initiative)
            .where(
                col(Initiative.created_at) >= now - WINDOW,
                col(Initiative.created_at) < now,
                col(Initiative.hidden).is_(False),
                # a 完了 one is news only as a result (its 参加したい would be a dead button)
                col(Initiative.status).not_in((*q.HIDDEN_STATUSES, InitiativeStatus.DONE)),
            )
            .order_by(col(Initiative.id).desc())
        ).all()
        completed = _completed(db, now)
        if not fresh and not completed:
            return {"written": 0}
        new_for: dict[int, list[Initiative]] = {}
        if fresh:
            follows: dict[int, list[Subscription]] = defaultdict(list)
            for sub in db.exec(
                select(Subscription).where(col(Subscription.mode) == "digest")
            ).all():
                follows[sub.person_id].append(sub)
            for person_id, subs in follows.items():
                cats = {s.value for s in subs if s.topic == "category"}
                areas = {s.value for s in subs if s.topic == "area"}
                new_for[person_id] = [
                    i
                    for i in fresh
                    if i.poster_id != person_id
                    and (i.category in cats or (i.area and i.area in areas))
                ]
        results_for: dict[int, list[Initiative]] = defaultdict(list)
        last = _last_digests(db) if completed else {}
        for ini, at in completed:
            for person_id in _results_audience(db, ini):
                if person_id not in last or at >= last[person_id]:
                    results_for[person_id].append(ini)
        for person_id in sorted(set(new_for) | set(results_for)):
            mine, done = new_for.get(person_id, []), results_for.get(person_id, [])
            if not mine and not done:
                continue
            person = db.get(Person, person_id)
            if person is None or person.deleted or person.suspended:
                continue
            key = f"digest:{person_id}:{week_key}"
            if db.exec(
                select(col(OutboxMessage.id)).where(col(OutboxMessage.dedupe_key) == key)
            ).first():
                continue  # already queued: skip the rendering
            t = ctx.catalog.translator(reading(person.language, staff=person.is_staff))
            replies: list[Reply] = []
            if mine:
                replies += _new_cards(ctx, t, mine)
            if done:
                replies += _result_cards(ctx, t, done)
            queued = outbox.queue(
                db,
                OutboxMessage(
                    audience="person",
                    person_id=person_id,
                    kind="digest",
                    payload=[to_json(r) for r in replies],
                    dedupe_key=key,
                    due_at=now,
                ),
            )
            if queued is not None:
                written += 1
    return {"written": written}
