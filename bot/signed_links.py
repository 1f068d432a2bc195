"""Expiring links signed with KYODO_SECRET_KEY (exports, data downloads, calendar feeds).

A link carries ``exp`` (unix seconds) and ``sig`` = HMAC-SHA256(secret, f"{path}|{exp}"); it is
valid until ``exp``. Pure functions: handlers build links, web routes verify them.

Rotation: links are always signed with the current key. ``verify`` also accepts a link signed
with the previous key (``KYODO_SECRET_KEY_PREVIOUS``) while it has at most ``ROTATION_GRACE``
left to live — links issued in the last 15 minutes keep working; longer-lived ones signed with
the old key stop, which is what rotating a leaked key is for.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode

ROTATION_GRACE = timedelta(minutes=15)


def _sig(secret: str, path: str, exp: int) -> str:
    return hmac.new(secret.encode(), f"{path}|{exp}".encode(), hashlib.sha256).hexdigest()


def sign(
    base_url: str, path: str, *, secret: str, now: datetime, ttl: timedelta = timedelta(minutes=15)
) -> str:
    exp = int((now + ttl).timestamp())
    return f"{base_url.rstrip('/')}{path}?{urlencode({'exp': exp, 'sig': _sig(secret, path, exp)})}"


def token(
    path: str, *, secret: str, now: datetime, ttl: timedelta = timedelta(minutes=15)
) -> tuple[int, str]:
    """``(exp, sig)`` for a claim that travels in a button rather than a URL (an invite)."""
    exp = int((now + ttl).timestamp())
    return exp, _sig(secret, path, exp)


def verify(
    path: str,
    exp: str | int | None,
    sig: str | None,
    *,
    secret: str,
    now: datetime,
    previous: str | None = None,
) -> bool:
    try:
        expires = int(exp)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if not sig or expires < now.timestamp():
        return False
    if hmac.compare_digest(_sig(secret, path, expires), sig):
        return True
    if not previous or expires > (now + ROTATION_GRACE).timestamp():
        return False
    return hmac.compare_digest(_sig(previous, path, expires), sig)
