"""The LINE monthly push quota: tell ward staff once per month when it runs out.

LINE answers 429 ``You have reached your monthly limit.`` until the month (JST) turns or the
plan is raised. The first dispatcher to see it writes a ``KeyValue`` flag for the month and one
staff outbox row in the same transaction; the row's ``dedupe_key`` makes a race between
processes harmless. Undelivered rows stay queued (the outbox re-tries QUOTA rows an hour later).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.core.replies import Text, to_json
from bot.i18n import Catalog
from storage import outbox
from storage.db import session_scope
from storage.models import KeyValue, OutboxMessage

log = logging.getLogger("kyodo.line.quota")

FLAG = "line.quota_alerted"


def quota_month(now: datetime, timezone: str = "Asia/Tokyo") -> str:
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def alert_staff_once(
    engine: Engine,
    now: datetime,
    catalog: Catalog,
    *,
    language: str = "ja",
    timezone: str = "Asia/Tokyo",
) -> bool:
    """Queue the staff alert unless this month's was already queued. True if queued now."""
    month = quota_month(now, timezone)
    try:
        with session_scope(engine) as db:
            flag = db.get(KeyValue, FLAG)
            if flag is not None and flag.value.get("month") == month:
                return False
            if flag is None:
                flag = KeyValue(key=FLAG, value={"month": month, "at": now.isoformat()})
            else:
                flag.value = {"month": month, "at": now.isoformat()}
                flag.updated_at = now
            db.add(flag)
            text = catalog.text("line.quota_reached", language)
            queued = outbox.queue(
                db,
                OutboxMessage(
                    audience="staff",
                    kind="line_quota",
                    payload=[to_json(Text(text=text))],
                    dedupe_key=f"line.quota:{month}",
                    due_at=now,
                ),
            )
            if queued is None:
                db.rollback()  # another process queued this month's alert first
                return False
    except IntegrityError:
        return False  # another process queued it first
    log.warning("LINE monthly quota reached; staff alerted")
    return True


def already_alerted(engine: Engine, now: datetime, timezone: str = "Asia/Tokyo") -> bool:
    with session_scope(engine) as db:
        flag = db.get(KeyValue, FLAG)
        return flag is not None and flag.value.get("month") == quota_month(now, timezone)
