"""Alembic, driven from code: ``kyodo db upgrade`` and the development start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def config(engine_or_url: Engine | str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if isinstance(engine_or_url, str):
        cfg.set_main_option("sqlalchemy.url", engine_or_url.replace("%", "%%"))
    else:
        cfg.attributes["engine"] = engine_or_url
    return cfg


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    command.upgrade(config(engine_or_url), revision)


def revision(engine_or_url: Engine | str, message: str) -> None:
    """Autogenerate a new revision from the models (developers)."""
    command.revision(config(engine_or_url), message=message, autogenerate=True)
