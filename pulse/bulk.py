"""Tens of thousands of rows into one table through the database driver, in the session's
transaction: COPY on PostgreSQL, one executemany on SQLite. Used by the release (its figures
and comments) and by the scale demo's history; SQLAlchemy's bulk insert sent such rows one
statement at a time and took most of a release."""

from __future__ import annotations

from sqlalchemy import Table

from pulse.extensions import db


def insert_rows(table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """`rows` (tuples in the order of `columns`) into `table`; values are encoded by the
    columns' own types (JSON, UUID), as the ORM would."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    encoders = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    if any(encoders):  # column by column: one encoder call per value that needs one
        values = list(zip(*rows, strict=True))
        for i, encode in enumerate(encoders):
            if encode is not None:
                values[i] = tuple(None if v is None else encode(v) for v in values[i])
        rows = list(zip(*values, strict=True))
    driver = connection.connection.driver_connection
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)  # noqa: S608 - fixed names
