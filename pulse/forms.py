"""Forms more than one feature uses."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A button-only POST: just the CSRF token."""
