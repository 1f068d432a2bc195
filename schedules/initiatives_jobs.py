"""Weekly digest for followers: one outbox row per person with the week's new initiatives in
the categories and areas they follow (digest mode only). Nothing new, nothing sent; the
dedupe key (person + ISO week) makes a rerun of the job a no-op."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core.replies import Card, Carousel, Reply, Text, to_json
from schedules.jobs import JobContext, periodic
from storage import outbox
from storage.db import session_scope, stored_id
from storage.models import Initiative, OutboxMessage, Person, Subscription
from storage.queries import initiatives as q

WINDOW = timedelta(days=7)
MAX_CARDS = 10


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
                col(Initiative.status).not_in(q.HIDDEN_STATUSES),
            )
            .order_by(col(Initiative.id).desc())
        ).all()
        if not fresh:
            return {"written": 0}
        follows: dict[int, list[Subscription]] = defaultdict(list)
        for sub in db.exec(select(Subscription).where(col(Subscription.mode) == "digest")).all():
            follows[sub.person_id].append(sub)
        for person_id, subs in follows.items():
            person = db.get(Person, person_id)
            if person is None or person.deleted or person.suspended:
                continue
            cats = {s.value for s in subs if s.topic == "category"}
            areas = {s.value for s in subs if s.topic == "area"}
            mine = [
                i
                for i in fresh
                if i.poster_id != person_id and (i.category in cats or (i.area and i.area in areas))
            ]
            if not mine:
                continue
            key = f"digest:{person_id}:{week_key}"
            if db.exec(
                select(col(OutboxMessage.id)).where(col(OutboxMessage.dedupe_key) == key)
            ).first():
                continue  # already queued: skip the rendering
            t = ctx.catalog.translator(person.language)
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
            replies: list[Reply] = [
                Text(text=t("initiatives.digest_intro", count=len(mine))),
                Carousel(alt_text=t("initiatives.digest_alt", count=len(mine)), cards=cards),
            ]
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
