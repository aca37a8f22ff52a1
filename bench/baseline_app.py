"""The baselines: a bare Flask + SQLAlchemy app that inserts one row, and a static page.

Served by gunicorn exactly like the product (`gunicorn bench.baseline_app:app`, 2 sync workers,
the same database), so a ratio of the two says what the product costs beyond the bare minimum.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class BenchRow(db.Model):
    __tablename__ = "bench_baseline_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("BENCH_DATABASE_URL", "sqlite://")
db.init_app(app)

STATIC_PAGE = b"<!doctype html><title>static</title><p>" + b"A static page. " * 60 + b"</p>"


@app.post("/insert")
def insert_one():
    """One row, one commit: the least an answer POST must do."""
    db.session.add(BenchRow(value=request.form.get("value", "")[:64]))
    db.session.commit()
    return "stored"


@app.get("/static")
def static_page():
    return STATIC_PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


def create_table(url: str) -> None:
    """The baseline's one table (the product's schema comes from its migrations)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    BenchRow.__table__.create(engine, checkfirst=True)
    engine.dispose()
