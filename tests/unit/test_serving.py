"""The production entry point freezes what start-up built (pulse/serving.py): a full garbage
collection during a request then walks only what requests made, not the whole app."""

from __future__ import annotations

import os
import subprocess
import sys

from pulse.config import ROOT


def test_wsgi_entry_point_freezes_the_start_up_objects(tmp_path):
    env = {
        **os.environ,
        "SECRET_KEY": "test-only",
        "PULSE_ANSWER_KEY": "test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serving.sqlite3'}",
    }
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, tracked = (int(n) for n in result.stdout.split()[-2:])
    assert frozen > 50_000  # the app, SQLAlchemy's metadata, Babel's data, templates
    assert tracked < frozen / 10
