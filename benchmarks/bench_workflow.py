"""Benchmark: the everyday loop of a biostatistician, on the default config.

In a scratch copy of ``config/`` and ``resources/`` (the repository's own ``results/`` is never touched), times:

1. a cold run of the default config (``snakemake --cores all``, no results yet);
2. a no-op run right after it (nothing to do);
3. a label edit in one plan (one subgroup label of the Zhujiang plan) followed by a run that asks for one table
   (``results/zhujiang_2023/tables/pfs_by_subgroup.csv``);
4. the full run after that edit, with the number of jobs it reran.

Prints one line per step: wall time in seconds and the number of jobs Snakemake ran. The machine's load is printed
too, because every figure here is mostly process start-up and scales with a busy machine.

    python benchmarks/bench_workflow.py            # --cores all
    python benchmarks/bench_workflow.py --cores 1
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ONE_TABLE = "results/zhujiang_2023/tables/pfs_by_subgroup.csv"


def run(work: Path, cores: str, *targets: str) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--cores", cores, *targets]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"snakemake failed ({' '.join(targets) or 'default target'}):\n{done.stderr[-3000:]}")
    jobs = re.findall(r"(\d+) of (\d+) steps \(100%\) done", done.stderr)
    return seconds, int(jobs[-1][1]) if jobs else 0


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
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="tkicohort-bench-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "config", work / "config")
        shutil.copytree(REPO / "resources", work / "resources")
        steps = [("cold run of the default config", lambda: run(work, args.cores)),
                 ("no-op run", lambda: run(work, args.cores))]
        for name, step in steps:
            seconds, jobs = step()
            print(f"{name:<48} {seconds:7.1f} s  {jobs:4d} jobs")
        edit_one_label(work / "config" / "plans" / "zhujiang.yaml")
        seconds, jobs = run(work, args.cores, ONE_TABLE)
        print(f"{'one table after a label edit':<48} {seconds:7.1f} s  {jobs:4d} jobs")
        seconds, jobs = run(work, args.cores)
        print(f"{'full run after the label edit':<48} {seconds:7.1f} s  {jobs:4d} jobs")


if __name__ == "__main__":
    main()
