"""Logging: the product's own lines (`pulse.*`, INFO and up) go to stderr, so the tick's lines
reach cron's mail or the journal; an unexpected error is logged with where it happened and
nothing of the request (README, "Logging").
"""

from __future__ import annotations

import logging
import sys
import traceback

from pulse.config import ROOT

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler):
    """Writes to `sys.stderr` as it is when a line is logged (cron, servers and tests swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    """INFO (or `level`) for every `pulse.*` logger, to stderr; once per process."""
    logger = logging.getLogger("pulse")
    logger.setLevel(level)
    if not any(isinstance(handler, StderrHandler) for handler in logger.handlers):
        logger.addHandler(StderrHandler())


def where(error: BaseException) -> str:
    """Where `error` was raised: the innermost frame in our code as "file:line in function"
    (relative to the checkout), and the innermost frame of all if that lies in a library.

    Only file names, line numbers and function names: an error's message or a frame's locals
    can hold an answer, so neither is ever logged.
    """
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown place"

    def ours(frame: traceback.FrameSummary) -> bool:
        return frame.filename.startswith(str(ROOT)) and "site-packages" not in frame.filename

    def describe(frame: traceback.FrameSummary) -> str:
        name = frame.filename
        if name.startswith(str(ROOT)):
            name = name[len(str(ROOT)) :].lstrip("/\\")
        return f"{name}:{frame.lineno} in {frame.name}"

    own = [frame for frame in frames if ours(frame)]
    place = describe(own[-1]) if own else describe(frames[-1])
    if own and own[-1] is not frames[-1]:
        place += f" (raised in {describe(frames[-1])})"
    return place
