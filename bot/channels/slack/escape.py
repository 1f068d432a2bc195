"""The one place where text bound for Slack is made safe.

Slack parses ``&``, ``<`` and ``>`` in mrkdwn *and* in a message's ``text`` fallback (which is
what notifications show): ``<!channel>``, ``<@U…>`` and ``<https://x|label>`` in a resident's
text would otherwise ping the whole staff workspace or disguise a link. Slack's documented
escape is the three HTML entities. Bare ``@channel``/``@here``/``@everyone`` are only parsed
with ``link_names``, which Kyodo never sets, but are broken up anyway so a later change can't
turn them on. Bidirectional controls (``\\u202e`` …) let a name display reversed; they are
removed everywhere.

- :func:`escape` — mrkdwn text objects and the ``text`` fallback.
- :func:`plain` — ``plain_text`` objects (headers, buttons, labels): Slack shows them
  literally, so entities would appear as ``&amp;``; mass mentions and bidi controls still go.
- :func:`input_value` — prefilled modal input: bidi controls go, nothing else changes, so
  what the person saves back is what they wrote.
"""

from __future__ import annotations

import re

# Explicit embeddings/overrides/isolates and the implicit marks (Unicode's Bidi_Control set).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_MASS_MENTION = re.compile(r"([@＠])(channel|here|everyone)\b", re.I)
WORD_JOINER = "\u2060"  # invisible: "@channel" still reads the same but is no mention


def strip_bidi(text: str) -> str:
    return _BIDI.sub("", text or "")


def _neutralise(text: str) -> str:
    return _MASS_MENTION.sub(lambda m: m.group(1) + WORD_JOINER + m.group(2), text)


def escape(text: str) -> str:
    """Text for mrkdwn and the ``text`` fallback: no mentions, links, or bidi tricks."""
    safe = strip_bidi(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _neutralise(safe)


def plain(text: str) -> str:
    """Text for a ``plain_text`` object (not parsed by Slack, so no entities)."""
    return _neutralise(strip_bidi(text))


def input_value(text: str) -> str:
    """A modal's initial value: only what can't be seen or safely round-tripped goes."""
    return strip_bidi(text)
