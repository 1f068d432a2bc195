"""meeting.invite_only: invitation-only meetings show their details to invitees only

Revision ID: 0006_meeting_invite_only
Revises: 0005_outcomes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_meeting_invite_only"
down_revision: str | None = "0005_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(
            sa.Column("invite_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("invite_only")
