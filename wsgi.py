"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from pulse import create_app

app = create_app()
