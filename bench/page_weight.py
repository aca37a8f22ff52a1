"""How much the employee's answer page weighs on a first visit, compressed (the budget: ≤ 60 KB).

Counts everything the server sends on that first visit: the HTML, every stylesheet and script
it links, the service worker with the outbox script it imports, and what the worker's install
downloads for its cache (icons, offline page, manifest...). A content-hashed file the page has
already downloaded is taken from the browser's HTTP cache by the install (templates/pwa/sw.js)
and is not counted twice; any other file the install fetches is ("cache: reload").
Each file is gzipped at level 6, as a reverse proxy would.

Run: `.venv/bin/python bench/page_weight.py` (builds the demo municipality in a temporary
SQLite database, signs the demo employee in, and prints the figure). The same measurement is
asserted by tests/integration/test_pwa.py.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

#: The budget for the answer page on a first visit, compressed.
BUDGET_BYTES = 60 * 1024
_HASHED = re.compile(r"\.[0-9a-f]{10}\.[A-Za-z0-9]+$")
_ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"')


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def measure(client, path: str) -> dict[str, int]:
    """Compressed size of each file a first visit to `path` downloads, keyed by URL."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    html = page.get_data(as_text=True)
    sizes = {path: gzipped_size(page.data)}
    urls = list(dict.fromkeys(_ASSET.findall(html)))
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    sizes["/sw.js"] = gzipped_size(worker.data)
    urls += re.findall(r'importScripts\("([^"]+)"\)', worker.get_data(as_text=True))
    for url in dict.fromkeys(urls):
        if url in sizes:
            continue
        sizes[url] = _download(client, url)
    # The worker's install: its shell, minus the hashed files the page already downloaded.
    shell = json.loads(worker.get_data(as_text=True).split("const SHELL = ", 1)[1].split(";\n")[0])
    for url in shell:
        if _HASHED.search(url) and url in sizes:
            continue
        sizes[f"{url} (worker install)" if url in sizes else url] = _download(client, url)
    return sizes


def _download(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = gzipped_size(response.data)
    response.close()
    return size


def report(sizes: dict[str, int]) -> str:
    lines = [f"{size / 1024:7.1f} KB  {url}" for url, size in sizes.items()]
    total = sum(sizes.values())
    lines.append(f"{total / 1024:7.1f} KB  total, gzip (budget {BUDGET_BYTES / 1024:.0f} KB)")
    return "\n".join(lines)


def main() -> int:
    import flask_migrate
    from sqlalchemy import select

    from pulse import create_app
    from pulse.auth.tokens import issue_sign_in_token
    from pulse.demo import create_demo, demo_people
    from pulse.extensions import db
    from pulse.invitations import open_round_for
    from pulse.models import Organisation
    from pulse.timeutil import utcnow

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "bench-only",
                "PULSE_ANSWER_KEY": "bench-only-answer-key",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "SESSION_COOKIE_SECURE": False,
                "SESSION_COOKIE_NAME": "pulse_session",
                "WTF_CSRF_SSL_STRICT": False,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            create_demo()
            organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
            employee = dict(demo_people(organisation))["employee"]
            round_ = open_round_for(employee, utcnow())
            if round_ is None:
                print("The demo has no open round for its employee right now.", file=sys.stderr)
                return 1
            path = f"/pulse/{round_.id}"
            token = issue_sign_in_token(employee, 1)
            db.session.commit()
        client = app.test_client()
        sign_in = client.get(f"/login/{token}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in)
        assert csrf, "no CSRF token on the sign-in page"
        client.post(f"/login/{token}", data={"csrf_token": csrf.group(1)})
        sizes = measure(client, path)
        with app.app_context():
            db.engine.dispose()
    print(f"Answer page, first visit ({path}):")
    print(report(sizes))
    return 0 if sum(sizes.values()) <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
