"""The schema comes from the migrations, matches the models, and keeps answers anonymous."""

from __future__ import annotations

import re
import warnings

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pulse.extensions import db
from tests.conftest import dispose_engines, make_app, migration_environment, preserved_logging

ANONYMOUS_TABLES = ("sealed_answer", "released_comment")
#: Words that would tie a row to a person, a device, an address or a moment.
TELLING_WORDS = (
    "person",
    "user",
    "ip",
    "device",
    "created",
    "time",
    "at",
    "date",
    "agent",
    "session",
)


@pytest.fixture
def fresh_app(database_backend, database_factory):
    """An app on a brand-new, empty database (no tables at all)."""
    app = make_app(database_factory.create(database_backend, migrated=False))
    yield app
    dispose_engines(app)


def table_names(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_flask_db_upgrade_cli_creates_the_schema_of_the_models(fresh_app):
    assert table_names(fresh_app) == set()

    with migration_environment():
        result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert table_names(fresh_app) == {t.name for t in db.metadata.sorted_tables} | {
        "alembic_version"
    }
    assert schema_differences(fresh_app) == []


def test_migrated_database_matches_the_models(app):
    assert schema_differences(app) == []


def test_check_constraints_exist_in_the_database(app):
    """Autogenerate ignores CHECK constraints; the anonymity and privacy rules rely on them."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in db.metadata.sorted_tables:
            expected = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
            actual = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert expected <= actual, table.name


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    with migration_environment(), fresh_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert table_names(fresh_app) == {"alembic_version"}
        flask_migrate.upgrade()
    assert schema_differences(fresh_app) == []


def test_migrations_run_without_warnings(fresh_app):
    with preserved_logging(), warnings.catch_warnings():
        warnings.simplefilter("error")
        with fresh_app.app_context():
            flask_migrate.upgrade()


# -- Anonymity by schema, checked on the real, migrated database ------------------------------
# (docs/anonymity.md, "What is stored")


def reflected(app, table: str) -> tuple[list[dict], list[dict], dict]:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        return (
            inspector.get_columns(table),
            inspector.get_foreign_keys(table),
            inspector.get_pk_constraint(table),
        )


def telling_words_in(column_name: str) -> list[str]:
    parts = re.split(r"[_\W]+", column_name.lower())
    return [w for w in TELLING_WORDS if w in parts or (len(w) > 3 and w in column_name.lower())]


def test_the_telling_words_check_can_fail():
    assert telling_words_in("person_id") == ["person"]
    assert telling_words_in("submitted_at") == ["at"]
    assert telling_words_in("createdon") == ["created"]
    assert telling_words_in("client_ip") == ["ip"]
    assert telling_words_in("value") == []


@pytest.mark.parametrize("table", ANONYMOUS_TABLES)
def test_anonymous_tables_have_no_column_that_names_a_person_device_address_or_time(app, table):
    columns, _fks, _pk = reflected(app, table)
    assert columns, f"table {table} not found"
    for column in columns:
        assert telling_words_in(column["name"]) == [], f"{table}.{column['name']}"
        assert not isinstance(column["type"], sa.Date | sa.DateTime | sa.Time | sa.Interval), (
            f"{table}.{column['name']} is a time"
        )


def foreign_key_graph(app) -> dict[str, set[str]]:
    """table -> the tables its foreign keys point at, as the database itself reports them."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        return {
            table: {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            for table in inspector.get_table_names()
        }


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def test_reachable_walks_the_whole_path():
    graph = {"answer": {"round"}, "round": {"plan"}, "plan": {"person"}}
    assert "person" in reachable(graph, "answer")


@pytest.mark.parametrize("table", ANONYMOUS_TABLES)
def test_no_foreign_key_path_leads_from_an_anonymous_table_to_a_person(app, table):
    graph = foreign_key_graph(app)
    assert table in graph
    reached = reachable(graph, table)
    assert "person" not in reached
    # Nor to a table that names a person (participation, round_member, sign_in_token, ...).
    assert not {t for t in reached if "person" in graph.get(t, set())}


@pytest.mark.parametrize("table", ANONYMOUS_TABLES)
def test_anonymous_tables_have_uuid_primary_keys(app, table):
    columns, _fks, pk = reflected(app, table)
    assert pk["constrained_columns"] == ["id"]
    id_column = next(c for c in columns if c["name"] == "id")
    assert not isinstance(id_column["type"], sa.Integer)
    model_column = db.metadata.tables[table].c.id
    assert isinstance(model_column.type, sa.Uuid)
    assert model_column.default is not None  # a random id made by the application
