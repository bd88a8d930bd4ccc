"""Benchmark: ingestion + RECIST + derivation on a synthetic cohort (default 1,000,000 patients × 8 assessments ×
4 lesions = 32 M measurement rows). Prints wall time per stage and the process's peak resident memory.

    python benchmarks/bench_ingest_recist_derive.py                 # 1,000,000 patients (about 1.3 GB of CSV)
    python benchmarks/bench_ingest_recist_derive.py --patients 100000
    python benchmarks/bench_ingest_recist_derive.py --data DIR      # reuse a cohort made earlier by synthetic.py

The cohort is generated first in a separate process (not timed, not counted in the peak memory).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import DERIVATION_PLAN  # run as a script: benchmarks/ is on the path

HERE = Path(__file__).resolve().parent
PLAN = DERIVATION_PLAN


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, help="an existing synthetic cohort folder")
    args = ap.parse_args()

    tmp = None
    folder = args.data
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="tkicohort-bench-")
        folder = Path(tmp.name) / "cohort"
        t = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(args.patients), str(folder)], check=True)
        print(f"generated {args.patients:,} patients in {time.perf_counter() - t:.1f} s (not timed below)")

    from tkicohort.derive.dataset import build_analysis_dataset
    from tkicohort.ingest.validate import ingest_cohort
    from tkicohort.recist.stage import run_recist

    rows = []
    t0 = time.perf_counter()
    t = t0
    cohort = ingest_cohort(folder)
    tables = cohort.tables
    rows.append(("ingestion", time.perf_counter() - t, peak_gb()))
    t = time.perf_counter()
    visits, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], PLAN["recist"])
    rows.append(("RECIST", time.perf_counter() - t, peak_gb()))
    t = time.perf_counter()
    dataset = build_analysis_dataset(tables["patients"], best, PLAN, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    rows.append(("derivation", time.perf_counter() - t, peak_gb()))
    total = time.perf_counter() - t0

    print(f"measurement rows: {cohort.rows['tumor_measurements']:,}; assessments: {len(visits):,}; "
          f"patients: {len(dataset):,}")
    print(f"{'stage':<12} {'wall s':>8} {'peak GB so far':>15}")
    for stage, seconds, gb in rows:
        print(f"{stage:<12} {seconds:>8.1f} {gb:>15.2f}")
    print(f"{'total':<12} {total:>8.1f} {peak_gb():>15.2f}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
