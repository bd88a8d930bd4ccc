"""Benchmark: the slowest tables of the stats stage and the Word and Excel renderings, on the committed cohorts.

Needs a finished run of the default config (``snakemake --cores all``; or ``--results`` pointing at another results
folder): the tables are computed from each cohort's analysis dataset, the renderings from the tidy CSVs. Prints CPU
time (the reference machine is shared, so wall time alone varies with the load), best of ``--repeat``:

1. ``make_table`` of ``cox_multivariable`` (the Firth-penalised fit with profile-likelihood limits when the plan asks
   for it, and the discrimination summary) and ``model_discrimination`` (Harrell's and Uno's C with 200 bootstrap
   refits) for every cohort that has them, with the share of the Firth fit and of the bootstrap in each;
2. ``to_docx`` and ``to_xlsx`` of every table of every cohort (total and per table).

    python benchmarks/bench_tables.py
    python benchmarks/bench_tables.py --results /path/to/results --repeat 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from timing import best_of  # noqa: E402  (run as a script: benchmarks/ is on the path)
from tkicohort.cohort_files import cohort_data  # noqa: E402
from tkicohort.config import load_plan, load_yaml  # noqa: E402
from tkicohort.io import read_csv  # noqa: E402
from tkicohort.stats import discrimination  # noqa: E402
from tkicohort.stats.office import to_docx, to_xlsx  # noqa: E402
from tkicohort.stats.render import printed  # noqa: E402
from tkicohort.stats.tables import TableInputs, make_table  # noqa: E402

TABLES = ("cox_multivariable", "model_discrimination")


def plan_of(spec: dict) -> dict:
    """The cohort's plan with the schema's defaults filled in, as the workflow reads it."""
    return load_plan(REPO / spec["plan"])


class Timer:
    """CPU time spent inside one function of a module while it is patched in."""

    def __init__(self, module, name: str):
        self.module, self.name, self.original, self.seconds = module, name, getattr(module, name), 0.0

    def __enter__(self):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    config = load_yaml(REPO / "config" / "config.yaml")["cohorts"]
    cohorts = [c for c in config if (args.results / c / "analysis" / "patients.csv").is_file()]
    if not cohorts:
        sys.exit(f"no analysis dataset under {args.results}: run `snakemake --cores all` first")
    import sksurv.metrics  # noqa: F401 - imported once, outside the timings (the pipeline job pays it once too)
    from tkicohort.stats import cox

    print(f"CPU seconds, best of {args.repeat}:")
    for c in cohorts:
        plan = plan_of(config[c])
        flags = cohort_data(REPO / config[c]["data"])
        inputs = TableInputs(read_csv(args.results / c / "analysis" / "patients.csv", dtype={"patient_id": str}),
                             pd.read_parquet(args.results / c / "data" / "adverse_events.parquet"),
                             tumour_data=flags["tumour_data"])
        for name in TABLES:
            if not (args.results / c / "tables" / f"{name}.csv").is_file():
                continue
            seconds = best_of(args.repeat, lambda n=name, i=inputs, p=plan: make_table(n, i, p), time.process_time)
            with Timer(cox, "fit_firth") as fit, Timer(discrimination, "bootstrap_optimism") as boot:
                make_table(name, inputs, plan)
            print(f"  {c:<14} {name:<22} {seconds:6.3f} s   (Firth fit {fit.seconds:5.3f} s, "
                  f"bootstrap {boot.seconds:5.3f} s)")

    tables = [(c, p) for c in cohorts for p in sorted((args.results / c / "tables").glob("*.csv"))]
    pages = [printed(p.stem, read_csv(p), p.stem, plan_of(config[c])) for c, p in tables]
    print(f"renderings of {len(pages)} tables of {len(cohorts)} cohorts:")
    for name, render in (("Word (to_docx)", to_docx), ("Excel (to_xlsx)", to_xlsx)):
        seconds = best_of(args.repeat, lambda render=render: [render(p) for p in pages], time.process_time)
        print(f"  {name:<16} {seconds:6.3f} s in all, {1000 * seconds / len(pages):5.1f} ms per table")


if __name__ == "__main__":
    main()
