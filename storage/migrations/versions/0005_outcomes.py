"""outcomes: the outcome ledger (facts recorded when they happen)

Revision ID: 0005_outcomes
Revises: 0004_inbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0005_outcomes"
down_revision: str | None = "0004_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "outcome_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", text(length=120), nullable=False),
        sa.Column("measure", text(length=32), nullable=False),
        sa.Column("occurred_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("area", text(length=40), nullable=True),
        sa.Column("category", text(length=40), nullable=True),
        sa.Column("actor_kind", text(length=16), nullable=True),
        sa.Column("partner_kind", text(length=16), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("days", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        "ix_outcome_fact_measure_at", "outcome_fact", ["measure", "occurred_at"], unique=False
    )
    op.create_index("ix_outcome_fact_initiative_id", "outcome_fact", ["initiative_id"])
    op.create_index("ix_outcome_fact_idea_id", "outcome_fact", ["idea_id"])
    op.create_index("ix_outcome_fact_person_id", "outcome_fact", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_outcome_fact_person_id", table_name="outcome_fact")
    op.drop_index("ix_outcome_fact_idea_id", table_name="outcome_fact")
    op.drop_index("ix_outcome_fact_initiative_id", table_name="outcome_fact")
    op.drop_index("ix_outcome_fact_measure_at", table_name="outcome_fact")
    op.drop_table("outcome_fact")
