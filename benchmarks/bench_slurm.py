"""Benchmark: the whole workflow on a synthetic cohort (default 1,000,000 patients) through SLURM, with the
profile ``workflow/profiles/slurm``. Prints the wall time of the run and, for every job, its SLURM job id, state,
elapsed time, requested memory and peak resident memory as SLURM accounting measured it (``sacct`` MaxRSS).

    python benchmarks/bench_slurm.py                          # 1,000,000 patients (about 1.4 GB of CSV)
    python benchmarks/bench_slurm.py --patients 10000
    python benchmarks/bench_slurm.py --data DIR               # reuse a cohort made earlier by synthetic.py

Needs a SLURM cluster with accounting (``sacct``), the executor plugin (``pip install -e ".[slurm]"``) and a
working directory that the compute nodes see (``--workdir``; the default is a new temporary folder, fine on a
single-node cluster). On the reference machine, ``start-slurm.sh`` of the shared SLURM test tools (with
accounting, ``SLURM_LOCAL_CGROUP=1`` so that each job's memory request is enforced) provides one.

Peak memory: SLURM samples each job's processes every second instead of the cluster's default (30 s on the test
cluster), so that jobs of a few seconds are measured: ``SBATCH_ACCTG_FREQ=task=1`` for the batch step and, for the
step the plugin starts inside each job with ``srun`` (which does not pass SLURM variables on), an ``srun`` first on
PATH that adds ``--acctg-freq=task=1`` and runs the real one. A job has two steps running at once: the batch step
(the job's outer Snakemake process, waiting) and step 0 (the rule itself: an inner Snakemake process and the rule's
script). Both are printed; their sum bounds the job's peak.

Targets: everything the workflow makes for the cohort except the figures that draw one mark per patient (waterfall,
swimmer: at 10,000 patients the swimmer plot already needs more than 2 GB and the waterfall takes minutes), unless
``--all-figures``. The cohort is generated first in a separate process (not timed). Status checks start 5 s after a
submission (``--status-check-seconds``) rather than the plugin's 40 s, so the wall time is the cluster's, not the
poll's.
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

import yaml
from synthetic import DERIVATION_PLAN  # run as a script: benchmarks/ is on the path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PLAN = {
    "title": "Synthetic registry-scale cohort (benchmarks/synthetic.py)",
    "design": "single_arm",
    **DERIVATION_PLAN,
    "time": {**DERIVATION_PLAN["time"], "unit": "months"},
    "subgroups": [
        {"variable": "age_ge_55", "levels": [0, 1]},
        {"variable": "sex", "levels": ["F", "M"]},
        {"variable": "lung_only", "levels": [0, 1]},
        {"variable": "met_bone", "levels": [0, 1], "population": "distant_metastasis == 1"},
        {"variable": "hfs", "levels": [0, 1]},
        {"variable": "tg_response_60", "levels": [0, 1]},
    ],
    "endpoints": ["pfs", "os", "orr", "dcr"],
    "tests": {"response": "fisher", "km_ci": "log-log", "rmst_horizon_months": 24, "landmarks_months": [6, 12],
              "cox_firth": False},
    "baseline": [
        {"variable": "age_years", "label": "Age (years)", "type": "continuous"},
        {"variable": "sex", "label": "Sex", "type": "categorical", "levels": ["F", "M"]},
        {"variable": "distant_metastasis", "label": "Distant metastasis", "type": "categorical", "levels": [1, 0]},
    ],
    "multivariable": {"variables": ["age_ge_55", "hfs"], "select_p": None},
}
PER_PATIENT_FIGURES = ("waterfall", "swimmer")
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.")


def check_cluster() -> str | None:
    """Why the benchmark cannot run here, or None."""
    for tool in ("sbatch", "sinfo", "sacct"):
        if shutil.which(tool) is None:
            return f"'{tool}' not found: a SLURM cluster with accounting is needed"
    for cmd in (["sinfo", "-h"], ["sacct", "-n", "-X", "-S", "now"]):
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            return f"'{' '.join(cmd)}' failed: {run.stderr.strip()} (sacct needs SLURM accounting)"
    return None


def targets(all_figures: bool) -> list[str]:
    from tkicohort.figures import figures_for
    from tkicohort.stats.tables import tables_for

    out = [f"results/synthetic/{p}" for p in ("data/ingest_report.json", "recist/visits.csv",
                                              "recist/best_response.csv", "analysis/patients.csv")]
    out += [f"results/synthetic/tables/{t}.{ext}" for t in tables_for(PLAN) for ext in ("csv", "md", "html")]
    out += [f"results/synthetic/figures/{f}.{ext}" for f in figures_for(PLAN)
            if all_figures or f not in PER_PATIENT_FIGURES for ext in ("png", "svg")]
    return out


def srun_with_accounting_every_second(folder: Path) -> Path:
    """A folder holding an ``srun`` that runs the real one with ``--acctg-freq=task=1``."""
    real = shutil.which("srun")
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "srun"
    wrapper.write_text(f'#!/bin/sh\nexec {real} --acctg-freq=task=1 "$@"\n')
    wrapper.chmod(0o755)
    return folder


def job_of(logfile: str) -> str:
    """'rule_table/synthetic_baseline/123.log' -> 'table synthetic_baseline'."""
    parts = Path(logfile).parts
    i = max(k for k, p in enumerate(parts) if p.startswith("rule_"))
    return " ".join([parts[i].removeprefix("rule_"), *parts[i + 1:-1]])


def mib(rss: str) -> float | None:
    """sacct's MaxRSS ('834232K', '1.2G', '': KiB, GiB, ...) in MiB."""
    if not rss:
        return None
    scale = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2}
    return float(rss[:-1]) * scale[rss[-1]] if rss[-1] in scale else float(rss) / 1024**2


def seconds(elapsed: str) -> float:
    """sacct's [D-][HH:]MM:SS[.mmm] in seconds."""
    days, _, clock = elapsed.rpartition("-")
    parts = [float(p) for p in clock.split(":")]
    return (float(days) if days else 0.0) * 86400 + sum(p * 60**k for k, p in enumerate(reversed(parts)))


def accounting(ids: list[str]) -> dict[str, dict[str, str]]:
    """JobID -> sacct fields, for every job and step, once every job has a final state and its steps a MaxRSS."""
    fields = ["JobID", "State", "Elapsed", "TotalCPU", "ReqMem", "AllocCPUS", "MaxRSS"]
    rows: dict[str, dict[str, str]] = {}
    for _ in range(30):  # the accounting database is written a few seconds after a job ends
        out = subprocess.run(["sacct", "-n", "-P", "-j", ",".join(ids), f"--format={','.join(fields)}"],
                             capture_output=True, text=True, check=True).stdout
        rows = {line.split("|")[0]: dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines()}
        done = all(rows.get(i, {}).get("State", "RUNNING") not in ("RUNNING", "PENDING") for i in ids)
        if done and all(rows.get(f"{i}.batch", {}).get("MaxRSS") for i in ids):
            break
        time.sleep(2)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, help="an existing synthetic cohort folder")
    ap.add_argument("--workdir", type=Path, help="working directory of the run (kept); default: a temporary one")
    ap.add_argument("--status-check-seconds", type=int, default=5)
    ap.add_argument("--all-figures", action="store_true", help="also the per-patient figures (waterfall, swimmer)")
    args = ap.parse_args()

    why = check_cluster()
    if why:
        print(f"bench_slurm: cannot run: {why}", file=sys.stderr)
        return 2

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="tkicohort-bench-slurm-")
        work = Path(tmp.name)
    else:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    folder = args.data.resolve() if args.data else work / "cohort"
    if args.data is None:
        t = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(args.patients), str(folder)], check=True)
        print(f"generated {args.patients:,} patients in {time.perf_counter() - t:.1f} s (not timed below)")
    csv_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
    with (folder / "patients.csv").open("rb") as fh:
        patients = sum(1 for _ in fh) - 1
    (work / "config").mkdir(exist_ok=True)
    (work / "config" / "synthetic.yaml").write_text(yaml.safe_dump(PLAN, sort_keys=False))
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(
        {"cohorts": {"synthetic": {"data": str(folder), "plan": "config/synthetic.yaml"}}}))

    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--workflow-profile", str(REPO / "workflow" / "profiles" / "slurm"),
           "--slurm-init-seconds-before-status-checks", str(args.status_check_seconds), "--keep-going",
           *targets(args.all_figures)]
    bin_dir = srun_with_accounting_every_second(work / "bin")
    env = {**os.environ, "SBATCH_ACCTG_FREQ": "task=1", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    log = work / "snakemake.log"
    print(f"$ {' '.join(cmd[:9])} ... ({len(cmd) - 9} more arguments; output: {log})")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    with log.open("w") as fh:
        status = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=work).returncode
    wall = time.perf_counter() - t0

    jobs = {m.group(1): job_of(m.group(2)) for m in SUBMITTED.finditer(log.read_text())}
    rows = accounting(list(jobs)) if jobs else {}
    print(f"\ncohort: {patients:,} patients, {csv_mb:,.0f} MB of CSV; {len(jobs)} SLURM jobs; "
          f"snakemake exit status {status}")
    print(f"{'job':<38} {'slurm id':>8} {'state':<13} {'elapsed':>8} {'cpu time':>11} {'cpus':>4} {'requested':>10} "
          f"{'peak batch':>11} {'peak rule':>10} {'peak job':>9}")
    for jid, name in sorted(jobs.items(), key=lambda kv: int(kv[0])):
        row, batch, step = rows.get(jid, {}), rows.get(f"{jid}.batch", {}), rows.get(f"{jid}.0", {})
        b, s = mib(batch.get("MaxRSS", "")), mib(step.get("MaxRSS", ""))
        total = (b or 0) + (s or 0)
        fmt = lambda v: "-" if v is None else f"{v:,.0f} MiB"  # noqa: E731
        state = step.get("State") if step.get("State", "COMPLETED") != "COMPLETED" else row.get("State", "?")
        print(f"{name:<38} {jid:>8} {state:<13} {row.get('Elapsed', '?'):>8} {row.get('TotalCPU', '?'):>11} "
              f"{row.get('AllocCPUS', '?'):>4} {row.get('ReqMem', '?'):>10} {fmt(b):>11} {fmt(s):>10} "
              f"{fmt(total if b or s else None):>9}")
    cpu = sum(seconds(rows[j]["TotalCPU"]) for j in jobs if rows.get(j, {}).get("TotalCPU"))
    print(f"\nwall time of the snakemake run: {wall:.1f} s; CPU time of all jobs: {cpu:.0f} s; "
          f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    if status:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        print(f"snakemake failed (exit {status}); the end of its output ({log}):\n{tail}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
