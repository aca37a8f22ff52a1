"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from pulse import create_app
from pulse.serving import ready_to_serve

app = ready_to_serve(create_app())
