"""Benchmark: the figures stage of the default cohorts — building each figure, saving it as PNG and as SVG.

Needs a finished run of the default config (``snakemake --cores all``), or a results folder given as the argument: the
figures are built from each cohort's outputs as the figure jobs read them (``figures_for`` / ``figure_reads``). Prints
CPU time (the reference machine is shared, so wall time alone varies with the load), best of ``--repeat``, per figure
and in total, of the steps of ``make_figure`` and ``style.save``: ``make`` (building the figure), ``layout`` (the
constrained layout, done once for both files), ``png`` (PNG at 300 dpi) and ``svg``. ``--out`` also writes the files (to compare pictures and bytes).

    python benchmarks/bench_figures.py
    python benchmarks/bench_figures.py /path/to/results --repeat 3 --cohort tehran --out /tmp/figures
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from tkicohort.cohort_files import cohort_data  # noqa: E402
from tkicohort.config import load_plan, load_yaml  # noqa: E402
from tkicohort.figures import FIGURE_TABLES, FigureInputs, figure_reads, figures_for, make_figure, split_page  # noqa: E402
from tkicohort.figures.style import laid_out, rendered  # noqa: E402
from tkicohort.io import read_csv  # noqa: E402


def plan_of(spec: dict) -> dict:
    """The cohort's plan with the schema's defaults filled in, as the workflow reads it."""
    return load_plan(REPO / spec["plan"])


def inputs_of(folder: Path, name: str, plan: dict, flags: dict) -> FigureInputs:
    """What the figure job of ``name`` reads (as ``tkicohort.jobs.figures.figure`` loads it)."""
    given = {key: folder / path for key, path in figure_reads(name, plan, **flags).items()}
    ids = {"dtype": {"patient_id": str}}
    csv = {key: read_csv(given[key], **ids) if key in given else None for key in ("best_response", "visits")}
    parquet = {key: pd.read_parquet(given[key]) if key in given else None for key in ("qol_data", "doses", "ae_rows")}
    return FigureInputs(
        dataset=read_csv(given["dataset"], **ids), best_response=csv["best_response"], visits=csv["visits"],
        tables={t: read_csv(given[t]) for t in FIGURE_TABLES[split_page(name)[0]] if t in given},
        qol=parquet["qol_data"], doses=parquet["doses"], adverse_events=parquet["ae_rows"])


def once(name: str, inputs: FigureInputs, plan: dict) -> tuple[list[float], bytes, bytes]:
    """CPU seconds of building figure ``name``, of laying it out for saving, of its PNG and of its SVG (the steps of
    ``style.save``); and the two files' bytes."""
    times = [time.process_time()]
    fig = make_figure(name, inputs, plan)
    times.append(time.process_time())
    with laid_out(fig):
        times.append(time.process_time())
        png = rendered(fig, "png")
        times.append(time.process_time())
        svg = rendered(fig, "svg")
        times.append(time.process_time())
    return list(np.diff(times)), png, svg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="?", default=REPO / "results")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--cohort", action="append", help="only this cohort (may be repeated)")
    parser.add_argument("--figure", action="append", help="only this figure (may be repeated)")
    parser.add_argument("--out", type=Path, help="also write the figures here, as <cohort>/<figure>.png and .svg")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    config = load_yaml(REPO / "config" / "config.yaml")
    cohorts = [c for c in config["cohorts"] if (args.results / c / "analysis" / "patients.csv").is_file()
               and (not args.cohort or c in args.cohort)]
    if not cohorts:
        sys.exit(f"no analysis dataset under {args.results}: run `snakemake --cores all` first")

    jobs = []
    for c in cohorts:
        plan = plan_of(config["cohorts"][c])
        flags = {**cohort_data(REPO / config["cohorts"][c]["data"]), "literature": bool(config.get("literature"))}
        for name in figures_for(plan, **flags):
            if not args.figure or name in args.figure or split_page(name)[0] in args.figure:
                jobs.append((c, name, plan, inputs_of(args.results / c, name, plan, flags)))
    _, name, plan, inputs = jobs[0]
    rendered(make_figure(name, inputs, plan), "svg")  # warm-up: imports and the font cache, paid once per process

    print(f"CPU seconds per figure, best of {args.repeat}:")
    print(f"  {'cohort':<14} {'figure':<22} {'make':>6} {'layout':>6} {'png':>6} {'svg':>6} {'all':>6}")
    totals = [0.0] * 4
    for c, name, plan, inputs in jobs:
        best = [float("inf")] * 4
        for _ in range(args.repeat):
            seconds, png, svg = once(name, inputs, plan)
            best = [min(b, s) for b, s in zip(best, seconds, strict=True)]
        if args.out:
            (args.out / c).mkdir(parents=True, exist_ok=True)
            (args.out / c / f"{name}.png").write_bytes(png)
            (args.out / c / f"{name}.svg").write_bytes(svg)
        totals = [t + b for t, b in zip(totals, best, strict=True)]
        print(f"  {c:<14} {name:<22} {' '.join(f'{b:6.3f}' for b in best)} {sum(best):6.3f}")
    print(f"  {'total':<14} {f'{len(jobs)} figures':<22} {' '.join(f'{t:6.3f}' for t in totals)} {sum(totals):6.3f}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
