"""Logging of a workflow job: its messages, and the error that stops it, in the log file the rule names.

Snakemake's error message points to the rule's ``log:`` file; a job that stopped on an uncaught exception used to
leave that file empty (the traceback went to the console only). :func:`rule_logging` sends the job's messages to the
log and installs an exception hook that writes the traceback there too (and still to stderr); :func:`fail` stops the
job with one message, written to both.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import NoReturn

_LOG = logging.getLogger("tkicohort.rule")


def rule_logging(log_path: str) -> None:
    """Messages at INFO and above to ``log_path``; an uncaught exception's traceback to it as well as stderr."""
    logging.basicConfig(filename=log_path, level=logging.INFO, format="%(message)s")
    previous = sys.excepthook

    def hook(kind, value, tb):
        _LOG.error("".join(traceback.format_exception(kind, value, tb)).rstrip())
        logging.shutdown()
        previous(kind, value, tb)

    sys.excepthook = hook


def fail(message: str) -> NoReturn:
    """Stop the job with ``message`` in its log and on stderr (non-zero exit, no traceback)."""
    _LOG.error(message)
    logging.shutdown()
    sys.exit(message)
