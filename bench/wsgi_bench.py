"""The product as the benchmarks serve it: `gunicorn bench.wsgi_bench:app` (see harness.py),
built as wsgi.py builds it."""

import os

from bench.harness import BENCH_CONFIG
from pulse import create_app
from pulse.serving import ready_to_serve

app = ready_to_serve(
    create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"]})
)
