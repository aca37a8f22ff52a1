"""audit rows name whom an action was about (sign-in links and cards issued for a person)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_event_subject_id_person"), "person", ["subject_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_audit_event_subject_id"), ["subject_id"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_subject_id"))
        batch_op.drop_constraint(batch_op.f("fk_audit_event_subject_id_person"), type_="foreignkey")
        batch_op.drop_column("subject_id")
