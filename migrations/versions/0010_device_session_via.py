"""Device sessions say how they signed in (a link or the identity provider)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 21:00:00

Existing sessions count as link sessions: for a person whose role must use the identity
provider, that ends a session whose origin is unknown, which is the safe side.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device_session") as batch_op:
        batch_op.add_column(
            sa.Column("via", sa.String(length=8), server_default="link", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("device_session") as batch_op:
        batch_op.drop_column("via")
