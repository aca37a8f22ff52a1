"""units can be closed (a reorganisation closes units instead of deleting them); plans can end

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not a batch: on SQLite a batch would copy and drop `unit` and `plan`,
    # which other tables' rows refer to (see 0005).
    op.add_column("unit", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column("plan", sa.Column("ended_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("plan", "ended_at")
    op.drop_column("unit", "closed_at")
