"""LINE Messaging API limits and the text measures they are counted in.

Kept apart from the renderer so the limits are one short list to compare with LINE's
reference, and the UTF-16 helpers can be tested on their own.
"""

from __future__ import annotations

import json
from typing import Any

MAX_TEXT = 5000  # UTF-16 code units per text message
MAX_MESSAGES = 5  # per reply/push/multicast call
MAX_QUICK_REPLIES = 13
MAX_QUICK_LABEL = 20
MAX_BUTTON_LABEL = 40  # Flex button / postback action label
MAX_DATA = 300  # postback / datetime picker data
MAX_DISPLAY_TEXT = 300
MAX_ALT = 1500
MAX_URI = 1000  # URI action uri
MAX_BUBBLE_BYTES = 30_000  # 30 KB, measured on the JSON the SDK sends
MAX_CAROUSEL_BYTES = 50_000
MAX_BUBBLES = 12
BUTTONS_PER_BUBBLE = 10  # keeps a fallback bubble short enough to scroll on a phone

ELLIPSIS = "…"


# ---------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-16 units, ending in an ellipsis when cut."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + ELLIPSIS


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split into chunks of ≤``limit`` UTF-16 units, preferring line breaks, never
    cutting a surrogate pair."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = 0
        used = 0
        for i, ch in enumerate(rest):
            size = 2 if ord(ch) > 0xFFFF else 1
            if used + size > limit:
                break
            used += size
            cut = i + 1
        window = rest[:cut]
        newline = window.rfind("\n")
        if newline >= cut // 2:
            cut = newline + 1
        chunks.append(rest[:cut].rstrip("\n") or rest[:cut])
        rest = rest[cut:]
    if rest.strip() or not chunks:
        chunks.append(rest)
    return [c for c in chunks if c.strip()]


def size_of(obj: Any) -> int:
    """Bytes of the JSON the SDK puts on the wire (``json.dumps`` defaults, ASCII-escaped)."""
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return len(json.dumps(data).encode())
