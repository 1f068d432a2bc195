"""Japanese keyword search over initiatives, on SQLite and PostgreSQL.

Japanese has no spaces, so word tokenizers don't work. SQLite: an FTS5 trigram index (migration
0002_search) answers terms of 3+ characters; 1–2 character terms (「防災」「子育」) can't be
trigram-matched, so they fall back to instr() over the (already filtered, newest-first) rows.
PostgreSQL: a pg_trgm GIN index serves ILIKE for 3+ characters; shorter terms still work.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, text

SEARCH_OBJECTS = frozenset({"initiative_fts", "ix_search_initiative_text"})
FTS_MIN = 3  # the trigram tokenizer needs at least three characters


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic hook: the search objects live outside the SQLModel metadata (keep them)."""
    if name is None:
        return True
    return not (name in SEARCH_OBJECTS or name.startswith("initiative_fts"))


def terms(keyword: str) -> list[str]:
    """Split typed words on any space (full-width included); NFKC so ＡＢＣ == abc."""
    normal = unicodedata.normalize("NFKC", keyword)
    return [t for t in normal.split() if t][:5]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def keyword_clause(dialect: str, keyword: str) -> ColumnElement[bool] | TextClause | None:
    """A WHERE clause over ``initiative`` matching every term (AND)."""
    clauses: list[ColumnElement[bool] | TextClause] = []
    for i, term in enumerate(terms(keyword)):
        p = f"kw{i}"
        if dialect == "postgresql":
            clauses.append(
                text(f"(initiative.title || ' ' || initiative.description) ILIKE :{p}").bindparams(
                    **{p: f"%{_like_escape(term)}%"}
                )
            )
        elif len(term) >= FTS_MIN:
            phrase = '"' + term.replace('"', '""') + '"'
            clauses.append(
                text(
                    f"initiative.id IN (SELECT rowid FROM initiative_fts WHERE initiative_fts MATCH :{p})"
                ).bindparams(**{p: phrase})
            )
        else:
            lowered = term.lower()
            clauses.append(
                text(
                    f"(instr(lower(initiative.title), :{p}) > 0 OR instr(lower(initiative.description), :{p}) > 0)"
                ).bindparams(**{p: lowered})
            )
    if not clauses:
        return None
    return and_(*clauses) if len(clauses) > 1 else clauses[0]


__all__ = ["include_object", "keyword_clause", "terms"]
