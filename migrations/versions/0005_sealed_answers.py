"""sealed answers: encrypted while open, destroyed at release; released comments; no used tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:00:00

Data: answers and comments of rounds still open or closed are sealed under a new round key (one
box per former row; the release counts them the same way). Released rounds keep their figures;
their comments move to released_comment (bound to the nearest unit whose comments figure is
shown), and their raw answers, frozen teams and key rows are deleted. Used sign-in links go.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "round_key",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_key_round_id_round")
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_key")),
    )
    op.create_table(
        "sealed_answer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_sealed_answer_round_id_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_answer")),
    )
    with op.batch_alter_table("sealed_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_answer_round_id"), ["round_id"], unique=False)

    op.create_table(
        "released_comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("audience", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "audience IN ('trio', 'reps')", name=op.f("ck_released_comment_known_audience")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_released_comment_round_id_round")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_released_comment_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_released_comment")),
    )
    with op.batch_alter_table("released_comment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_released_comment_round_id"), ["round_id"], unique=False
        )

    # Plain ADD COLUMN, not a batch: on SQLite a batch would copy and drop `round`, which
    # other tables' rows refer to.
    op.add_column(
        "round",
        sa.Column("cleanup_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("released_figure", sa.Column("path", sa.String(length=400), nullable=True))

    _move_data(op.get_bind())

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_round_id"))
    op.drop_table("comment")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_round_id"))
    op.drop_table("answer")
    with op.batch_alter_table("round_team", schema=None) as batch_op:
        batch_op.drop_column("participants")
    op.execute("DELETE FROM sign_in_token WHERE used_at IS NOT NULL")
    with op.batch_alter_table("sign_in_token", schema=None) as batch_op:
        batch_op.drop_column("used_at")


def _move_data(bind):
    parents = dict(bind.execute(sa.text("SELECT id, parent_id FROM unit")).all())
    rounds = bind.execute(sa.text("SELECT id, state, comments_enabled FROM round")).all()
    released = [r.id for r in rounds if r.state == "released"]
    for round_id in released:
        shown = set(
            bind.execute(
                sa.text(
                    "SELECT unit_id FROM released_figure WHERE round_id = :r AND kind = 'comments'"
                    " AND NOT suppressed"
                ),
                {"r": round_id},
            ).scalars()
        )
        comments = bind.execute(
            sa.text("SELECT unit_id, audience, body FROM comment WHERE round_id = :r"),
            {"r": round_id},
        ).all()
        rows = []
        for unit_id, audience, body in comments:
            node = unit_id
            while node is not None and node not in shown:
                node = parents.get(node)
            if node is not None:
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "round_id": round_id,
                        "unit_id": node,
                        "path": _path(parents, node),
                        "audience": audience,
                        "body": body,
                    }
                )
        if rows:
            bind.execute(
                sa.table(
                    "released_comment",
                    sa.column("id", sa.Uuid()),
                    sa.column("round_id"),
                    sa.column("unit_id"),
                    sa.column("path"),
                    sa.column("audience"),
                    sa.column("body"),
                ).insert(),
                rows,
            )
        for table in (
            "answer",
            "comment",
            "round_team",
            "round_member",
            "participation",
            "notification_log",
        ):
            delete = f"DELETE FROM {table} WHERE round_id = :r"  # noqa: S608 (names above)
            bind.execute(sa.text(delete), {"r": round_id})
    paths = {uid: _path(parents, uid) for uid in parents}
    for uid, path in paths.items():
        bind.execute(
            sa.text("UPDATE released_figure SET path = :p WHERE unit_id = :u"),
            {"p": path, "u": uid},
        )
    for round_ in rounds:
        if round_.state in ("open", "closed"):
            _seal_round(bind, round_.id, bool(round_.comments_enabled))


def _seal_round(bind, round_id, comments_enabled):
    """Give an open or closed round its key, and seal its plaintext rows as boxes."""
    from flask import current_app

    from pulse.anonymity import sealed

    kek = sealed.key_encryption_key(current_app.config["PULSE_ANSWER_KEY"])
    key, wrapped = sealed.new_round_key(round_id, kek)
    bind.execute(
        sa.text("INSERT INTO round_key (round_id, wrapped) VALUES (:r, :w)"),
        {"r": round_id, "w": wrapped},
    )
    size = sealed.box_size(comments_enabled)
    contents = [
        sealed.Contents(unit_id=u, answers={q: v})
        for u, q, v in bind.execute(
            sa.text("SELECT unit_id, question_id, value FROM answer WHERE round_id = :r"),
            {"r": round_id},
        )
    ] + [
        sealed.Contents(unit_id=u, audience=a, comment=b)
        for u, a, b in bind.execute(
            sa.text("SELECT unit_id, audience, body FROM comment WHERE round_id = :r"),
            {"r": round_id},
        )
    ]
    boxes = sa.table(
        "sealed_answer",
        sa.column("id", sa.Uuid()),
        sa.column("round_id"),
        sa.column("box", sa.LargeBinary()),
    )
    if contents:
        bind.execute(
            boxes.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "round_id": round_id,
                    "box": sealed.seal(key, round_id, c, size),
                }
                for c in contents
            ],
        )


def _path(parents, unit_id):
    chain, node = [], unit_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return "/" + "/".join(str(u) for u in reversed(chain)) + "/"


def downgrade():
    # Sealed and released data cannot go back into plaintext tables: they start empty.
    with op.batch_alter_table("sign_in_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("round_team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participants", sa.Integer(), nullable=True))
    op.create_table(
        "answer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.CheckConstraint("value BETWEEN 0 AND 10", name=op.f("ck_answer_value_range")),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_answer_question_id_question")
        ),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_answer_round_id_round")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_answer_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_round_id"), ["round_id"], unique=False)
    op.create_table(
        "comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint("audience IN ('trio', 'reps')", name=op.f("ck_comment_known_audience")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_comment_round_id_round")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_comment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_round_id"), ["round_id"], unique=False)
    with op.batch_alter_table("released_figure", schema=None) as batch_op:
        batch_op.drop_column("path")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("cleanup_pending")
    with op.batch_alter_table("released_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_released_comment_round_id"))
    op.drop_table("released_comment")
    with op.batch_alter_table("sealed_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_answer_round_id"))
    op.drop_table("sealed_answer")
    op.drop_table("round_key")
