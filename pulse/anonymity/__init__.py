"""Anonymity: the rules of DESIGN.md §3 (rules.py) and the release that applies them."""
