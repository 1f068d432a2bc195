"""Expiring links signed with KYODO_SECRET_KEY (exports, data downloads, calendar feeds).

A link carries ``exp`` (unix seconds) and ``sig`` = HMAC-SHA256(secret, f"{path}|{exp}"); it is
valid until ``exp``. Pure functions: handlers build links, web routes verify them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode


def _sig(secret: str, path: str, exp: int) -> str:
    return hmac.new(secret.encode(), f"{path}|{exp}".encode(), hashlib.sha256).hexdigest()


def sign(
    base_url: str, path: str, *, secret: str, now: datetime, ttl: timedelta = timedelta(minutes=15)
) -> str:
    exp = int((now + ttl).timestamp())
    return f"{base_url.rstrip('/')}{path}?{urlencode({'exp': exp, 'sig': _sig(secret, path, exp)})}"


def verify(
    path: str, exp: str | int | None, sig: str | None, *, secret: str, now: datetime
) -> bool:
    try:
        expires = int(exp)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if not sig or expires < now.timestamp():
        return False
    return hmac.compare_digest(_sig(secret, path, expires), sig)
