"""Benchmark: plan conditions (tkicohort.expression) on a synthetic analysis dataset, and the start-up plan check.

Prints, per condition, the parse time and the evaluation time over every row (the best of five runs), and the wall
time of the start-up check of the committed config's cohorts (plans, patients.csv columns, published subsets).

    python benchmarks/bench_expression.py                  # 1,000,000 rows
    python benchmarks/bench_expression.py --rows 100000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from timing import best_of  # run as a script: benchmarks/ is on the path
from tkicohort.config import load_yaml, read_plan
from tkicohort.expression import _parse, parse
from tkicohort.plan_check import check_cohort

REPO = Path(__file__).resolve().parents[1]
CONDITIONS = [
    "evaluable == 1",
    "distant_metastasis == 1 and met_bone == 0",
    "histology in ['PTC', 'FTC'] and sex != 'M'",
    "ecog >= 1 or ecog is missing",
    "cumulative_rai_gbq / rai_treatments > 3.7 and not (age_years >= 55)",
]


def frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    ecog = pd.array(rng.integers(0, 5, n), dtype="Int64")
    ecog[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame({
        "evaluable": rng.integers(0, 2, n), "distant_metastasis": rng.integers(0, 2, n),
        "met_bone": rng.integers(0, 2, n), "histology": rng.choice(["PTC", "FTC", "PDTC", None], n),
        "sex": rng.choice(["F", "M"], n), "ecog": ecog, "cumulative_rai_gbq": rng.uniform(0, 30, n),
        "rai_treatments": rng.integers(0, 8, n), "age_years": rng.uniform(20, 89, n),
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    data = frame(args.rows)
    print(f"{args.rows:,} rows")
    for text in CONDITIONS:
        parsing = best_of(5, lambda text=text: _parse.__wrapped__(text))  # without the cache
        expression = parse(text)
        evaluating = best_of(5, lambda expression=expression: expression.evaluate(data))
        print(f"  {text:70s} parse {parsing * 1e3:7.3f} ms   evaluate {evaluating * 1e3:8.1f} ms")
    config = load_yaml(REPO / "config" / "config.yaml")
    start = time.perf_counter()
    for name, entry in config["cohorts"].items():
        plan, lines = read_plan(REPO / entry["plan"], f"cohorts.{name}.plan")
        check_cohort(name, entry, plan, lines, REPO)
    print(f"start-up check of {len(config['cohorts'])} cohorts (plans, patients.csv, published subsets): "
          f"{(time.perf_counter() - start) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
