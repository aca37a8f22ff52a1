"""Anonymity: the rules of docs/anonymity.md (rules.py) and the release that applies them."""
