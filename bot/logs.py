"""Structured logs (JSON in production, readable in development).

Log lines carry ids (person_id, pseudonymised channel user) — never message text, real names
or raw LINE/Slack user ids. Exceptions are rendered as a formatted traceback (structlog's
``format_exc_info``) so incidents can be debugged from the JSON lines, and a last processor
replaces anything shaped like a LINE or Slack id — in the message, the traceback, or a
database error's DETAIL and bound parameters — with its pseudonym.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

# LINE user/group/room ids: U/C/R + 32 characters. Slack user ids: U/W + 8–11 upper-case
# letters and digits with at least one digit (so words like UNAVAILABLE are left alone).
_RAW_ID = re.compile(
    r"(?<![A-Za-z0-9])(?:[UCR][0-9a-zA-Z]{32}|[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,11})(?![A-Za-z0-9])"
)
# PostgreSQL's "DETAIL:  Key (channel, external_id)=(line, U…) already exists." and
# SQLAlchemy's "[parameters: {…}]" echo row values verbatim: drop the values altogether.
_KEY_DETAIL = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")
_PARAMETERS = re.compile(r"\[parameters: [^\n]*\]")


def pseudonym(external_id: str) -> str:
    """A stable, non-reversible tag for logs: raw channel user ids never reach a log line."""
    return hashlib.sha256(external_id.encode()).hexdigest()[:12]


def redact(text: str) -> str:
    """``text`` with raw channel ids pseudonymised and database row values removed."""
    text = _KEY_DETAIL.sub(r"\1=(…)", text)
    text = _PARAMETERS.sub("[parameters: …]", text)
    return _RAW_ID.sub(lambda m: f"id:{pseudonym(m.group(0))}", text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v) for v in value]
    return value


def redact_ids(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the last step before rendering, so it sees the traceback too."""
    return {key: _redacted(value) for key, value in event_dict.items()}


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_ids,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
