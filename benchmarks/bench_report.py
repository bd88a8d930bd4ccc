"""Benchmark: what the renderings and the report add to a run, on the results of the default config.

Needs a finished run (``snakemake --cores all``; or ``--results`` pointing at another results folder). Times, best of
``--repeat`` (the machine's load is printed too, as every figure here scales with a busy machine):

1. each table of every cohort printed and written as Markdown, HTML, Excel and Word (from its tidy CSV), per format;
2. each cohort's report page and the combined page, built from the files on disk (what the two report rules do);
3. the start-up of a report rule's Python (a fresh interpreter importing what the rule script imports).

    python benchmarks/bench_report.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from timing import best_of  # noqa: E402  (run as a script: benchmarks/ is on the path)
from tkicohort.config import load_yaml  # noqa: E402
from tkicohort.io import read_csv  # noqa: E402
from tkicohort.report.cohort import CohortFiles, cohort_page, combined_page  # noqa: E402
from tkicohort.stats.office import to_docx, to_xlsx  # noqa: E402
from tkicohort.stats.render import printed, to_html, to_markdown  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    config = load_yaml(REPO / "config" / "config.yaml")["cohorts"]
    cohorts = [c for c in config if (args.results / c / "report.html").is_file()]
    if not cohorts:
        sys.exit(f"no cohort report under {args.results}: run `snakemake --cores all` first")

    tables = [(c, p) for c in cohorts for p in sorted((args.results / c / "tables").glob("*.csv"))]
    frames = {(c, p.stem): (read_csv(p), load_yaml(REPO / config[c]["plan"])) for c, p in tables}
    pages = {key: printed(key[1], frame, key[1], plan) for key, (frame, plan) in frames.items()}
    print(f"{len(tables)} tables of {len(cohorts)} cohorts; seconds for all of them, best of {args.repeat}:")
    for name, render in (("print (layout)", lambda: [printed(k[1], f, k[1], p) for k, (f, p) in frames.items()]),
                         ("Markdown", lambda: [to_markdown(p) for p in pages.values()]),
                         ("HTML", lambda: [to_html(p) for p in pages.values()]),
                         ("Excel", lambda: [to_xlsx(p) for p in pages.values()]),
                         ("Word", lambda: [to_docx(p) for p in pages.values()])):
        print(f"  {name:<16} {best_of(args.repeat, render):7.3f} s")

    def files(c: str) -> CohortFiles:
        res = args.results / c
        published = bool(config[c].get("published"))
        return CohortFiles(
            cohort=c, title=load_yaml(REPO / config[c]["plan"])["title"], ingest_report=res / "data/ingest_report.json",
            tables={p.stem: p for p in sorted((res / "tables").glob("*.html"))},
            figures={p.stem: p for p in sorted((res / "figures").glob("*.png"))}, captions=REPO / "workflow/report",
            reproduction_html=res / "reproduction.html" if published else None,
            reproduction_csv=res / "reproduction.csv" if published else None,
            audit_csv=res / "audit.csv" if published else None)

    built = {}
    for c in cohorts:
        seconds = best_of(args.repeat, lambda c=c: built.__setitem__(c, cohort_page(files(c))))
        print(f"report page of {c:<16} {seconds:7.3f} s  ({len(built[c]) / 1e6:.1f} MB)")
    seconds = best_of(args.repeat, lambda: combined_page(built, REPO / "workflow/report/workflow.rst"))
    print(f"combined page                    {seconds:7.3f} s")
    imports = "import tkicohort.report.cohort, tkicohort.io, jinja2, docutils.core"
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    seconds = best_of(args.repeat, lambda: subprocess.run([sys.executable, "-c", imports], check=True, env=env))
    print(f"report rule's Python start-up    {seconds:7.3f} s")


if __name__ == "__main__":
    main()
