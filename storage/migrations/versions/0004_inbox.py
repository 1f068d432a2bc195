"""inbox: durable webhook ingress (verified events waiting to be handled)

Revision ID: 0004_inbox
Revises: 0003_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0004_inbox"
down_revision: str | None = "0003_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("conversation", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("leased_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("leased_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "event_id"),
    )
    op.create_index(
        "ix_inbox_event_conversation",
        "inbox_event",
        ["channel", "conversation", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_event_conversation", table_name="inbox_event")
    op.drop_table("inbox_event")
