"""Static files under content-hashed names, cached for good; the worker reuses them."""

from __future__ import annotations

import json

from flask import url_for

from tests.helpers import elements


def test_pages_link_hashed_names_that_are_cached_for_a_year(client):
    page = client.get("/privacy").get_data(as_text=True)
    [stylesheet] = [e["href"] for e in elements(page, "link", rel="stylesheet")]
    assert stylesheet.startswith("/static/css/app.") and stylesheet != "/static/css/app.css"
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.data == client.get("/static/css/app.css").data


def test_plain_and_outdated_names_are_revalidated_and_unknown_ones_are_404(client):
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"
    outdated = client.get("/static/css/app.0123456789.css")
    assert outdated.status_code == 200 and outdated.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/nothing.0123456789.css").status_code == 404


def test_the_hash_follows_the_content(app, tmp_path):
    from pulse.web import hashed_name, static_hashes

    hashes = static_hashes(app)
    assert hashed_name("js/app.js", hashes) == f"js/app.{hashes['js/app.js']}.js"
    assert hashed_name("no/such.js", hashes) == "no/such.js"
    with app.test_request_context():
        assert url_for("static", filename="js/app.js").endswith(f".{hashes['js/app.js']}.js")


def test_worker_install_takes_hashed_files_from_the_http_cache(client):
    body = client.get("/sw.js").get_data(as_text=True)
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    with client.application.test_request_context():
        assert url_for("static", filename="js/outbox.js") in shell
    # Only unhashed entries are fetched with cache: "reload".
    assert 'HASHED.test(url) ? url : new Request(url, { cache: "reload" })' in body
