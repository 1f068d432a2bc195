"""協働評価 asks: N days after 完了 (ward ``evaluation_after_days``) each partner is asked once,
reminded once a week later if they have not answered, and never again.

Idempotent and safe from several processes: ``evaluation_request`` remembers who was asked
(unique per initiative and person) and when they were reminded, and every push has a dedupe
key. The replies come from the function the runtime injects (``JobContext.cards.evaluation_ask``),
so this module never imports handlers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session

from bot.core.replies import to_json
from bot.i18n import reading
from schedules.jobs import JobContext, periodic
from storage import outbox
from storage.db import session_scope, stored_id
from storage.models import Initiative, OutboxMessage, Person
from storage.queries import evaluations as ev

log = logging.getLogger("kyodo.scheduler")


def ask_key(initiative_id: int, person_id: int, reminder: bool) -> str:
    return f"evaluation:{initiative_id}:{person_id}:{'remind' if reminder else 'ask'}"


@periodic("evaluations.ask", "interval", minutes=30)
def ask_partners(ctx: JobContext) -> dict[str, int]:
    """Ask the partners of initiatives completed N days ago; remind once after 7 days."""
    now = ctx.clock.now()
    after = timedelta(days=ctx.ward.evaluation_after_days)
    asked = reminded = 0
    with session_scope(ctx.engine) as db:
        for ini in ev.due_for_asking(db, now, after):
            for person_id, role in ev.partners(db, ini).items():
                if ev.answer_of(db, stored_id(ini.id), person_id) is not None:
                    continue  # answered from another button (e.g. the staff card) already
                if not ev.note_asked(db, ini, person_id, role, now):
                    continue
                asked += _queue(ctx, db, ini, person_id, reminder=False)
        for request in ev.due_reminders(db, now):
            request.reminded_at = now  # once, even if the person cannot be reached
            db.add(request)
            done = db.get(Initiative, request.initiative_id)
            if done is None or done.hidden:
                continue
            reminded += _queue(ctx, db, done, request.person_id, reminder=True)
    return {"asked": asked, "reminded": reminded}


def _queue(ctx: JobContext, db: Session, ini: Initiative, person_id: int, *, reminder: bool) -> int:
    person = db.get(Person, person_id)
    if person is None or person.deleted or person.suspended:
        return 0
    # staff partners read ふつう like everywhere else (bot.i18n.reading), residents their register
    t = ctx.catalog.translator(reading(person.language, staff=person.is_staff))
    replies = ctx.cards.evaluation_ask(t, ini, reminder)
    row = OutboxMessage(
        audience="person",
        person_id=person_id,
        kind="evaluation",
        payload=[to_json(r) for r in replies],
        dedupe_key=ask_key(stored_id(ini.id), person_id, reminder),
        due_at=ctx.clock.now(),
    )
    return int(outbox.queue(db, row) is not None)
