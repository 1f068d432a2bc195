"""Text from outside (typed answers, platform profile names) made safe to store and show.

One sanitiser for everything a person or a platform hands us: a LINE or Slack display name
is as much user input as a typed title, and a bidi override (U+202E) in it spoofs names.
"""

from __future__ import annotations

import unicodedata


def sanitize(text: str, *, multiline: bool = False) -> str:
    """NFC, control and format characters removed (newlines kept only in long fields)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\t", " ")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\n" and multiline:
            kept.append(ch)
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in ("\u2028", "\u2029"):
            continue
        else:
            kept.append(ch)
    return "".join(kept).strip()
