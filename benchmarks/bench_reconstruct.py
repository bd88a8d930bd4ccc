"""Benchmark: drawing a reconstruction ensemble per study (default 100 members; goal under 5 minutes each).

For every study folder given (default: the studies of resources/studies/), runs the whole reconstruction — the
survival fit (ABC-SMC), the members conditioned on the constraints, the continuous covariates, adverse events,
QoL, every member's files read back through the pipeline, and the ensemble's measures and plausibility
statistics — and prints per study the wall time, the CPU time of this process and the peak resident memory, with
the time of each step from the run's own log. Nothing is written.

    python benchmarks/bench_reconstruct.py
    python benchmarks/bench_reconstruct.py resources/studies/tehran --members 200
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from tkicohort.reconstruct.ensemble import reconstruct  # noqa: E402 - after the path set-up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("studies", nargs="*", type=Path)
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()
    studies = args.studies or sorted(p.parent for p in (REPO / "resources" / "studies").glob("*/reconstruction.yaml"))
    print(f"{'study':<16} {'members':>7} {'wall s':>8} {'cpu s':>8}  steps")
    for folder in studies:
        steps = []
        start, cpu = time.perf_counter(), time.process_time()

        def log(text: str, steps=steps, start=start) -> None:
            if "generation" not in text:
                steps.append(f"{time.perf_counter() - start:.0f} s {text.split(':')[0]}")

        reconstruct(folder, members=args.members, log=log)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        print(f"{folder.name:<16} {args.members:>7} {wall:>8.1f} {used:>8.1f}  " + "; ".join(steps))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
