"""Command line: the plausibility statistics of a cohort beside their distribution over a reconstruction ensemble.

    tkicohort-plausibility resources/cohorts/zhujiang_2023 --plan config/plans/zhujiang.yaml \
        --ensemble resources/studies/zhujiang_2023/ensemble/plausibility.csv

Reads the cohort through the pipeline's ingestion, RECIST stage and derivation, computes the statistics of
:mod:`tkicohort.stats.plausibility` and prints one line per statistic with the ensemble's median and the limit (its
99th percentile in the artefact direction). Exit status 0 when no statistic lies beyond its limit, 1 when one does,
2 when the cohort or plan cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..config import load_yaml
from ..derive.dataset import build_analysis_dataset
from ..ingest.validate import ingest_cohort
from ..ingest.violations import ContractError
from ..recist.stage import run_recist
from .plausibility import compare, plausibility_statistics
from .qol import TEHRAN_RAW_SUBSCALES

QOL_LAYOUTS = {"tehran": TEHRAN_RAW_SUBSCALES}


def cohort_statistics(folder: Path, plan: dict) -> dict[str, float]:
    tables = ingest_cohort(folder).tables
    _, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], plan["recist"])
    dataset = build_analysis_dataset(tables["patients"], best, plan, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    layout = QOL_LAYOUTS.get((plan.get("qol") or {}).get("raw_subscales", ""))
    return plausibility_statistics(tables["patients"], dataset, tables["adverse_events"], tables["qol"],
                                   tables["labs"], layout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tkicohort-plausibility", description=__doc__.split("\n\n")[0])
    parser.add_argument("cohort", type=Path, help="cohort folder (the contract's CSV files)")
    parser.add_argument("--plan", type=Path, required=True, help="the cohort's analysis plan")
    parser.add_argument("--ensemble", type=Path, required=True,
                        help="the reconstruction's ensemble/plausibility.csv (one row per member)")
    args = parser.parse_args(argv)
    try:
        observed = cohort_statistics(args.cohort, load_yaml(args.plan))
        ensemble = pd.read_csv(args.ensemble)
    except (ContractError, OSError, ValueError) as err:
        print(f"tkicohort-plausibility: {err}", file=sys.stderr)
        return 2
    table = compare(observed, ensemble)
    for r in table.itertuples():
        print(f"{r.statistic:<30} {r.value:>10.4g}  ensemble median {r.ensemble_median:>10.4g}  "
              f"limit ({r.direction}) {r.limit:>10.4g}  {r.status}")
    return int((table["status"] == "fail").any())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
