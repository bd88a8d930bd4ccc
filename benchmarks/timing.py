"""Timing shared by the benchmark scripts (imported as ``timing``: a script run as ``python benchmarks/x.py`` has
benchmarks/ on its path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, work: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """The least time of ``repeat`` runs of ``work()``, by ``clock`` (wall time; ``time.process_time`` for CPU)."""
    times = []
    for _ in range(repeat):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)
