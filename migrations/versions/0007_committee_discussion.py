"""MED committees: "discussed in MED on <date>" per quarter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "committee_discussion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("discussed_on", sa.Date(), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "quarter BETWEEN 1 AND 4", name=op.f("ck_committee_discussion_quarter_range")
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_committee_discussion_committee_id_committee"),
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["person.id"],
            name=op.f("fk_committee_discussion_marked_by_id_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_discussion")),
        sa.UniqueConstraint(
            "committee_id", "year", "quarter", name="uq_committee_discussion_quarter"
        ),
    )
    with op.batch_alter_table("committee_discussion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_discussion_committee_id"), ["committee_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("committee_discussion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_discussion_committee_id"))
    op.drop_table("committee_discussion")
