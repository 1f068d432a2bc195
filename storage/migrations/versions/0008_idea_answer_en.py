"""idea.answer_en: the staff's optional English version of an official answer

Revision ID: 0008_idea_answer_en
Revises: 0007_evaluations_18e
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_idea_answer_en"
down_revision: str | None = "0007_evaluations_18e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("answer_en", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("answer_en")
