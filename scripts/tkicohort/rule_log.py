"""Logging of a workflow job: its messages, and the error that stops it, in the log file the rule names.

A job runs in a process it shares with other jobs (a warm worker, one job after another, or a thread of
Snakemake's own process beside others: :mod:`tkicohort.jobs.workers`), so it cannot take the process-wide logging
set-up or exception hook for itself. :func:`job_log`
gives one job its log instead: the job's messages (logger ``tkicohort.job``, from the job's thread only) go to the
rule's ``log:`` file, and an error that stops the job is written there too before it is raised again for Snakemake
to report on the console. :func:`fail` stops a job with one message (a plan or data problem), written to the log
and shown without a traceback; any other error leaves its traceback in the log.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

LOG = logging.getLogger("tkicohort.job")
LOG.setLevel(logging.INFO)
LOG.propagate = False  # a job's messages belong in its log file, not on Snakemake's console


class JobFailure(Exception):
    """A problem of the plan or the data that stops a job: its message is the whole report."""


@contextmanager
def job_log(path: str | Path) -> Iterator[logging.Logger]:
    """The job's messages at INFO and above to ``path`` (replacing an earlier run's log); an error that leaves the
    block is written there as well (its message for :class:`JobFailure`, else its traceback) and raised again."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    # appended, opened at the first message: a job that writes its own report there first (ingestion) keeps it
    handler = logging.FileHandler(path, mode="a", encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(message)s"))
    thread = threading.get_ident()
    handler.addFilter(lambda record: record.thread == thread)  # jobs running beside this one log elsewhere
    LOG.addHandler(handler)
    try:
        yield LOG
    except JobFailure as err:
        LOG.error("%s", err)
        raise
    except BaseException:
        LOG.error("%s", traceback.format_exc().rstrip())
        raise
    finally:
        LOG.removeHandler(handler)
        handler.close()


def fail(message: str) -> NoReturn:
    """Stop the job with ``message`` (in its log and on the console, without a traceback)."""
    raise JobFailure(message)

