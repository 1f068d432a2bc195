"""search: Japanese keyword search over initiatives

SQLite: an FTS5 table with the trigram tokenizer (external content = initiative), kept in step
by triggers; terms of 3+ characters use it, shorter terms fall back to instr().
PostgreSQL: pg_trgm with a GIN index on title || ' ' || description, used by ILIKE.
These objects are not in the SQLModel metadata; storage.search.include_object hides them from
autogenerate comparisons.

Revision ID: 0003_search
Revises: 0002_slack
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002_slack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE initiative_fts USING fts5(
        title, description, content='initiative', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER initiative_fts_ai AFTER INSERT ON initiative BEGIN
        INSERT INTO initiative_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END""",
    """CREATE TRIGGER initiative_fts_ad AFTER DELETE ON initiative BEGIN
        INSERT INTO initiative_fts(initiative_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    """CREATE TRIGGER initiative_fts_au AFTER UPDATE OF title, description ON initiative BEGIN
        INSERT INTO initiative_fts(initiative_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO initiative_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END""",
    "INSERT INTO initiative_fts(initiative_fts) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS initiative_fts_au",
    "DROP TRIGGER IF EXISTS initiative_fts_ad",
    "DROP TRIGGER IF EXISTS initiative_fts_ai",
    "DROP TABLE IF EXISTS initiative_fts",
]

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX IF NOT EXISTS ix_search_initiative_text ON initiative
        USING gin ((title || ' ' || description) gin_trgm_ops)""",
]

PG_DOWN = ["DROP INDEX IF EXISTS ix_search_initiative_text"]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(PG_DOWN)
