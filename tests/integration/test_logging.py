"""Logging as configured by the factory: `pulse.*` at INFO to stderr, and a 500 logged with the
file and line where it happened but nothing of the request (README, "Logging")."""

from __future__ import annotations

import logging

SECRET = "svar-7d1e-maa-ikke-logges"


def test_the_products_info_lines_reach_stderr(app, capsys):
    logging.getLogger("pulse.scheduling.tick").info("Round %s: invitation sent.", 7)
    logging.getLogger("pulse.scheduling.tick").debug("not at INFO")

    err = capsys.readouterr().err
    assert "INFO pulse.scheduling.tick: Round 7: invitation sent." in err
    assert "not at INFO" not in err


def test_a_second_app_adds_no_second_handler(app, capsys):
    from pulse import create_app

    create_app(app.config)
    logging.getLogger("pulse.notify.email").info("once")

    assert capsys.readouterr().err.count("once") == 1


def test_a_500_is_logged_with_file_and_line_and_nothing_of_the_request(app, client, caplog):
    def broken():
        raise ValueError(SECRET)  # the line the log must name

    broken_line = broken.__code__.co_firstlineno + 1
    app.add_url_rule("/broken", view_func=broken)
    client.set_cookie("extra", SECRET)
    caplog.set_level(logging.DEBUG)

    response = client.get(f"/broken?answer={SECRET}", headers={"X-Note": SECRET})

    assert response.status_code == 500
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert f"tests/integration/test_logging.py:{broken_line} in broken" in message
    assert "ValueError" in message and "GET /broken" in message
    assert SECRET not in caplog.text
    assert record.exc_info is None  # no traceback: its message would carry the secret
