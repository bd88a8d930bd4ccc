"""Benchmark: the permutation log-rank test for every subgroup of the Zhujiang plan, 10⁵ permutations each.

Builds the Zhujiang analysis dataset from resources/cohorts/zhujiang_2023 (ingestion, RECIST, derivation; not
timed), then times ``permutation_logrank`` over the plan's subgroups as the subgroup table calls it: first as the
table does (exact enumeration where there are at most 200,000 distinct arrangements, Monte Carlo otherwise), then
with Monte Carlo forced for every subgroup (10⁵ permutations each, the worst case). Prints wall and CPU time (the
reference machine is shared: wall time alone varies with the load) and each subgroup's method and p.

    python benchmarks/bench_permutation.py
    python benchmarks/bench_permutation.py --resamples 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist
from tkicohort.stats.permutation_logrank import permutation_logrank
from tkicohort.stats.populations import population
from tkicohort.stats.response import subgroup_levels
from tkicohort.stats.survival_tables import level_codes

REPO = Path(__file__).resolve().parents[1]


def zhujiang():
    plan = load_yaml(REPO / "config" / "plans" / "zhujiang.yaml")
    t = ingest_cohort(REPO / "resources" / "cohorts" / "zhujiang_2023").tables
    _, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], plan["recist"])
    data = build_analysis_dataset(t["patients"], best, plan, labs=t["labs"], adverse_events=t["adverse_events"],
                                  doses=t["doses"])
    return population(data, plan, "pfs"), plan


def comparisons(data, plan):
    """(label, time, event, level code) of every subgroup, as pfs_by_subgroup passes them."""
    out = []
    for sg in plan["subgroups"]:
        frame, levels = subgroup_levels(data, sg)
        code = level_codes(frame[sg["variable"]], levels)
        keep = code >= 0
        out.append((sg["label"], frame["pfs_months"].to_numpy()[keep], frame["pfs_event"].to_numpy()[keep],
                    code[keep]))
    return out


def run(cases, resamples, max_exact):
    wall, cpu = time.perf_counter(), time.process_time()
    results = [permutation_logrank(t, e, g, n_resample=resamples, max_exact=max_exact) for _, t, e, g in cases]
    return time.perf_counter() - wall, time.process_time() - cpu, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    data, plan = zhujiang()
    cases = comparisons(data, plan)
    print(f"Zhujiang plan: {len(cases)} subgroups, {len(data)} patients; {args.resamples} permutations; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, max_exact in (("as the table runs it", 200_000), ("Monte Carlo forced for every subgroup", 0)):
        runs = [run(cases, args.resamples, max_exact) for _ in range(args.repeats)]
        wall, cpu, results = min(runs, key=lambda r: r[0])
        print(f"\n{name}: wall {wall:.2f} s, CPU {cpu:.2f} s (best of {args.repeats}; "
              f"all runs' wall: {', '.join(f'{r[0]:.2f}' for r in runs)} s)")
        for (label, *_), res in zip(cases, results, strict=True):
            se = f" ± {res['se']:.4f}" if np.isfinite(res["se"]) else ""
            print(f"  {label[:48]:<48} {res['method']:<12} p = {res['p']:.4f}{se}")


if __name__ == "__main__":
    main()
