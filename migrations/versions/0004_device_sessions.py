"""device sessions: signing out ends the session for good

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "device_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_device_session_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_session_token_hash")),
    )
    with op.batch_alter_table("device_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_device_session_person_id"), ["person_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("device_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_session_person_id"))
    op.drop_table("device_session")
