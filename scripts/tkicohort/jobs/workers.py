"""Where a job's work runs: in a warm worker process beside Snakemake's, or in the job's own thread.

In a local run, Snakemake's process schedules the jobs and runs each in a thread of its own (``force-use-threads``
in the workflow's profiles). Python code in threads of one process takes turns on one core, and Snakemake's
scheduler, which checks every input file of every ready job each time it looks for work, is one of them. So
:func:`run_job` hands a job's work to a pool of worker processes, one per core the run may use (``--cores``),
started when the first such job comes and kept for the run: each worker imports pandas, scipy and matplotlib once,
the jobs run on every core, and the scheduler keeps its own thread free. Snakemake starts jobs only while their
threads fit in ``--cores``, so no more jobs run at once than there are workers: a job never waits for one.

Every job goes to a worker, the light ones too (rendering a table): work in Snakemake's process slows its
scheduling, and a worker started for one light job costs no more than the imports the job needs anyway (measured:
a label edit's one-table rerun took 2.7 s either way). A job runs in its own thread only when Snakemake's process
does not run the jobs itself (a cluster job, or a run without ``force-use-threads``): it already has a process of
its own.

The job functions take plain stand-ins (:class:`Named`) of Snakemake's ``input``, ``output``, ``params`` and
``wildcards``, which can be sent to another process. What a job prints, and its log file, are the same either way.
"""

from __future__ import annotations

import atexit
import importlib
import os
import threading

_pool = None
_pool_lock = threading.Lock()


class Named:
    """A picklable stand-in for Snakemake's named lists: the values in order, and names as attributes, keys
    (``[name]``, :meth:`get`, :meth:`items`, :meth:`keys`); a named list of files is a plain list of paths."""

    def __init__(self, values: list, names: dict):
        self._values, self._names = values, names

    @classmethod
    def of(cls, named) -> Named:
        return cls([_plain(v) for v in named], {name: _plain(value) for name, value in named.items()})

    def __getattr__(self, name: str):
        if name.startswith("_"):  # never look up internals among the names (pickling asks before they are set)
            raise AttributeError(name)
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key):
        return self._names[key] if isinstance(key, str) else self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def get(self, name: str, default=None):
        return self._names.get(name, default)

    def items(self):
        return self._names.items()

    def keys(self):
        return self._names.keys()


def _plain(value):
    if isinstance(value, str):  # a Snakemake file path is a str subclass carrying the rule: keep the text
        return str(value)
    if isinstance(value, list):  # a named list of files (Snakemake's Namedlist is a list)
        return [_plain(v) for v in value]
    return value


def call(job: str, inputs: Named, outputs: Named, params: Named, wildcards: Named, log: str) -> None:
    """Run job ``job`` (``module.function`` of :mod:`tkicohort.jobs`) here."""
    module, function = job.split(".")
    getattr(importlib.import_module(f"tkicohort.jobs.{module}"), function)(inputs, outputs, params, wildcards, log)


def _workers(count: int):
    global _pool
    with _pool_lock:
        if _pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # "spawn", not "fork": Snakemake's process has threads running, which a fork would copy mid-step
            _pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_close)
        return _pool


def _close() -> None:
    """Stop the workers at the end of the run, while the interpreter is whole (not when it tears modules down)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _lost(pool) -> None:
    """Forget a pool whose worker died (killed, out of memory): the jobs after this one start a new one."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _cores(workflow) -> int:
    """The run's ``--cores`` (Snakemake raises when a run was given none, e.g. ``--jobs`` alone): the machine's."""
    try:
        return max(1, int(workflow.cores))
    except Exception:  # noqa: BLE001 (WorkflowError, or None)
        return max(1, os.cpu_count() or 1)


def run_job(job: str, input, output, params, wildcards, log, workflow) -> None:
    """Run a rule's job: in a worker process when Snakemake's process runs its jobs itself, else in this thread.
    ``input`` … ``log``: the rule's; ``workflow``: Snakemake's workflow object."""
    from concurrent.futures.process import BrokenProcessPool

    args = (job, Named.of(input), Named.of(output), Named.of(params), Named.of(wildcards), str(log[0]))
    if not workflow.is_main_process:
        call(*args)
        return
    pool = _workers(_cores(workflow))
    try:
        pool.submit(call, *args).result()
    except BrokenProcessPool:
        _lost(pool)
        raise RuntimeError(f"the worker process running job {job} stopped before the job ended (killed, or out of "
                           "memory?)") from None
    except BaseException as err:
        # the worker wrote the job's traceback to the job's log; Snakemake shows the error, not the pool around it
        raise err.with_traceback(None) from None
