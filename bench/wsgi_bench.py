"""The product as the benchmarks serve it: `gunicorn bench.wsgi_bench:app` (see harness.py)."""

import os

from bench.harness import BENCH_CONFIG
from pulse import create_app

app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"]})
