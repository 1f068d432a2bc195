"""staff_home: who was shown the staff console lately (App Home is republished to them)

Revision ID: 0009_staff_home
Revises: 0008_idea_answer_en
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009_staff_home"
down_revision: str | None = "0008_idea_answer_en"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_home",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index(op.f("ix_staff_home_seen_at"), "staff_home", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_home_seen_at"), table_name="staff_home")
    op.drop_table("staff_home")
