"""Benchmark: the everyday loop of a biostatistician, on the default config.

In a scratch copy of ``config/`` and ``resources/`` (the repository's own ``results/`` is never touched), times:

1. a cold run of the default config (``snakemake --cores all``, no results yet);
2. a no-op run right after it (nothing to do);
3. a label edit in one plan (one subgroup label of the Zhujiang plan) followed by a run that asks for one table
   (``results/zhujiang_2023/tables/pfs_by_subgroup.csv``);
4. the full run after that edit, with the number of jobs it reran.

Prints one line per step: wall time and CPU time (of snakemake and everything it started, its worker processes
included) in seconds, the number of jobs Snakemake ran and how many of each rule (after the label edit: no
``statistics`` and no ``analysis_dataset`` job should run). The machine's load average is printed before and after,
because wall time on a shared machine scales with its load; CPU time much less so. The workflow's default profile
(``profiles/default``) applies as in any run: the snakemake process runs the jobs, their work in warm workers.

    python benchmarks/bench_workflow.py            # --cores all
    python benchmarks/bench_workflow.py --cores 1
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ONE_TABLE = "results/zhujiang_2023/tables/pfs_by_subgroup.csv"


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(work: Path, cores: str, *targets: str) -> tuple[float, float, int, str]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--cores", cores, *targets]
    start, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, cpu_of_children() - cpu
    if done.returncode != 0:
        sys.exit(f"snakemake failed ({' '.join(targets) or 'default target'}):\n{done.stderr[-3000:]}")
    jobs = re.findall(r"(\d+) of (\d+) steps \(100%\) done", done.stderr)
    rules = re.search(r"Job stats:\n.*\n-+ +-+\n(.*?)\ntotal", done.stderr, re.S)
    counts = ", ".join(f"{r} {n}" for r, n in (line.split() for line in rules.group(1).splitlines())) if rules else ""
    return seconds, cpu, int(jobs[-1][1]) if jobs else 0, counts


def load() -> str:
    return f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"


def report(name: str, seconds: float, cpu: float, jobs: int, rules: str) -> None:
    print(f"{name:<40} {seconds:7.1f} s wall {cpu:7.1f} s CPU  {jobs:4d} jobs" + (f"  ({rules})" if rules else ""),
          flush=True)


def edit_one_label(plan: Path) -> None:
    text = plan.read_text(encoding="utf-8")
    edited = text.replace("label: Gender,", "label: Sex,", 1)
    if edited == text:
        sys.exit(f"cannot find the label to edit in {plan}")
    plan.write_text(edited, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", default="all")
    args = parser.parse_args()
    print(load(), flush=True)
    with tempfile.TemporaryDirectory(prefix="tkicohort-bench-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "config", work / "config")
        shutil.copytree(REPO / "resources", work / "resources")
        steps = [("cold run of the default config", lambda: run(work, args.cores)),
                 ("no-op run", lambda: run(work, args.cores))]
        for name, step in steps:
            report(name, *step())
        edit_one_label(work / "config" / "plans" / "zhujiang.yaml")
        report("one table after a label edit", *run(work, args.cores, ONE_TABLE))
        report("full run after the label edit", *run(work, args.cores))
    print(load())


if __name__ == "__main__":
    main()
