"""Former home of a round's life, kept so existing imports work: see pulse/rounds.py."""

from pulse.rounds import close_round, create_round, open_round, subtree_ids

__all__ = ["close_round", "create_round", "open_round", "subtree_ids"]
