"""evaluations: 協働評価 answers, who was asked and reminded, the published summary

Revision ID: 0007_evaluations_18e
Revises: 0006_meeting_invite_only
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0007_evaluations_18e"
down_revision: str | None = "0006_meeting_invite_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORES = ("overall", "bigger", "equal", "purpose", "understanding", "autonomy", "openness")


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = storage.types.UTCDateTime(timezone=True)
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("role", text(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SCORES),
        sa.Column("comment", text(length=100), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("initiative_id", "person_id"),
    )
    op.create_index("ix_evaluation_initiative_id", "evaluation", ["initiative_id"])
    op.create_index("ix_evaluation_person_id", "evaluation", ["person_id"])
    op.create_table(
        "evaluation_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", text(length=16), nullable=False),
        sa.Column("asked_at", when, nullable=False),
        sa.Column("reminded_at", when, nullable=True),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("initiative_id", "person_id"),
    )
    op.create_index(
        "ix_evaluation_request_initiative_id", "evaluation_request", ["initiative_id"]
    )
    op.create_index("ix_evaluation_request_person_id", "evaluation_request", ["person_id"])
    op.create_index("ix_evaluation_request_asked_at", "evaluation_request", ["asked_at"])
    op.create_table(
        "evaluation_summary",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("medians", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", when, nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["person.id"]),
        sa.PrimaryKeyConstraint("initiative_id"),
    )


def downgrade() -> None:
    op.drop_table("evaluation_summary")
    op.drop_index("ix_evaluation_request_asked_at", table_name="evaluation_request")
    op.drop_index("ix_evaluation_request_person_id", table_name="evaluation_request")
    op.drop_index("ix_evaluation_request_initiative_id", table_name="evaluation_request")
    op.drop_table("evaluation_request")
    op.drop_index("ix_evaluation_person_id", table_name="evaluation")
    op.drop_index("ix_evaluation_initiative_id", table_name="evaluation")
    op.drop_table("evaluation")
