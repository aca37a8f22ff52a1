"""Notifications: web push (push.py) and e-mail."""
