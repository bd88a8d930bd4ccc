"""Benchmark: the two-arm subgroup analysis (treatment HR within every subgroup level and the treatment × subgroup
likelihood-ratio interaction test, tkicohort.stats.treatment_by_subgroup) on a synthetic two-arm analysis dataset
(default 1,000,000 patients, the subgroups of the survival benchmark); prints wall time and peak resident memory.

    python benchmarks/bench_subgroup_by_arm.py                     # 1,000,000 patients
    python benchmarks/bench_subgroup_by_arm.py --patients 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_survival import SUBGROUPS, peak_gb, synthetic_dataset  # noqa: E402 - the survival benchmark's data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1_000_000)
    args = ap.parse_args()

    from tkicohort.stats.treatment_by_subgroup import treatment_by_subgroup

    data = synthetic_dataset(args.patients)
    rng = np.random.default_rng(7)
    data["arm"] = np.where(rng.random(len(data)) < 0.5, "control", "treated")
    base = peak_gb()
    t = time.perf_counter()
    table = treatment_by_subgroup(data, SUBGROUPS, "arm", ["control", "treated"], "pfs_months", "pfs_event")
    wall = time.perf_counter() - t
    print(f"patients: {args.patients:,}; subgroups: {len(SUBGROUPS)} ({len(table)} levels)")
    print(f"treatment HR per level + interaction LR test, all subgroups: {wall:.1f} s")
    print(f"peak memory: {peak_gb():.2f} GB (of which the dataset and imports: {base:.2f} GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
