"""The workflow through a real SLURM cluster (workflow/profiles/slurm) against a local run of the same targets.

Checks that every job of the run was submitted with ``sbatch`` and completed as a SLURM job — the queue's records
(``squeue --states=all``, which keeps finished jobs for the cluster's MinJobAge) hold exactly one COMPLETED job per
job the local run executed, with the same rule and wildcards, and each SLURM job's own output file shows that job's
Snakemake process running the rule — and that every output file is byte-identical to the local run's.

The example cohort's analysis dataset, first table and first figure are built: every stage of the default run of a
single-arm cohort (today 5 jobs: ingest, recist, analysis_dataset, table, figure), not all 16 of its jobs, so the
test stays quick on a 2-core machine. Both runs go at once (the SLURM jobs wait in the queue most of the time).

Needs the executor plugin (``pip install -e ".[slurm]"``), SLURM's client tools and a controller with a node that
accepts jobs, and a working directory the node sees (pytest's temporary folder: a single-node cluster, as the one
CI starts with ``start-slurm.sh``). Without them the test is skipped, saying why — unless ``TKICOHORT_REQUIRE_SLURM``
is set (CI sets it after starting the cluster), in which case a missing cluster fails the test.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
JOB_HEADER = re.compile(r"^(localrule|rule) (\w+):$")


def cluster_missing() -> str | None:
    """Why no SLURM run is possible here, or None."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')"
    for tool in ("sbatch", "squeue", "sinfo", "scancel"):
        if shutil.which(tool) is None:
            return f"no SLURM cluster: '{tool}' is not on PATH"
    try:
        run = subprocess.run(["sinfo", "--noheader", "--format=%t"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "no SLURM cluster: 'sinfo' did not answer within 30 s"
    if run.returncode != 0:
        return f"no SLURM controller answering: {run.stderr.strip()}"
    states = run.stdout.split()
    if not any(s.rstrip("*~#!%$@^-") in ("idle", "mix", "mixed", "alloc", "allocated") for s in states):
        return f"no SLURM node accepts jobs (node states: {', '.join(states) or 'none'})"
    return None


@pytest.fixture(scope="module")
def cluster():
    why = cluster_missing()
    if why:
        if os.environ.get("TKICOHORT_REQUIRE_SLURM"):
            pytest.fail(f"TKICOHORT_REQUIRE_SLURM is set but {why}")
        pytest.skip(why)


def targets() -> list[str]:
    from tkicohort.figures import figures_for
    from tkicohort.stats.tables import tables_for

    plan = yaml.safe_load((REPO / "config" / "plans" / "example.yaml").read_text())
    has_qol = (EXAMPLE / "qol.csv").exists()
    return ["results/example/analysis/patients.csv",
            f"results/example/tables/{tables_for(plan, has_qol)[0]}.csv",
            f"results/example/figures/{figures_for(plan, has_qol)[0]}.png"]


def workdir(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "plans", root / "config" / "plans")
    config = {"cohorts": {"example": {"data": str(EXAMPLE), "plan": "config/plans/example.yaml"}}}
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def snakemake(work: Path, profile: str, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--workflow-profile", str(REPO / "workflow" / "profiles" / profile), *args, *targets()]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def jobs_run(output: str) -> list[tuple[str, str, str]]:
    """(localrule|rule, name, wildcard values joined by '_') of every job Snakemake printed it executes."""
    jobs, current = [], None
    for line in output.splitlines():
        header = JOB_HEADER.match(line)
        if header:
            current = [header.group(1), header.group(2), ""]
            jobs.append(current)
        elif current is not None and line.startswith("    wildcards: "):
            values = [kv.split("=", 1)[1] for kv in line.removeprefix("    wildcards: ").split(", ")]
            current[2] = "_".join(values).replace("/", "_")
        elif not line.startswith("    "):
            current = None
    return [tuple(j) for j in jobs]


def slurm_comment(name: str, wildcards: str) -> str:
    """The comment the executor gives a job at sbatch: rule_<name>[_wildcards_<values joined by '_'>]."""
    return f"rule_{name}" + (f"_wildcards_{wildcards}" if wildcards else "")


def outputs(work: Path) -> dict[str, bytes]:
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted((work / "results").rglob("*")) if p.is_file()}


def test_every_job_goes_through_sbatch_and_outputs_match_a_local_run(cluster, tmp_path):
    local_dir, slurm_dir = workdir(tmp_path / "local"), workdir(tmp_path / "slurm")
    slurm = snakemake(slurm_dir, "slurm", "--slurm-status-command", "squeue",
                      "--slurm-init-seconds-before-status-checks", "1", "--slurm-keep-successful-logs")
    local = snakemake(local_dir, "local", "--cores", "1")
    try:
        local_out, _ = local.communicate(timeout=600)
        slurm_out, _ = slurm.communicate(timeout=600)
    finally:
        for proc in (local, slurm):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    found = re.search(r"SLURM run ID: (\S+)", slurm_out)
    run_id = found.group(1) if found else None
    try:
        assert local.returncode == 0, local_out[-3000:]
        assert slurm.returncode == 0, slurm_out[-3000:]
        assert run_id, "the SLURM executor printed no run ID:\n" + slurm_out[-3000:]

        # A local run prints every job it executes as a 'localrule'; the SLURM run must print the same jobs as
        # 'rule' (submitted), and none as 'localrule' (executed on the submitting host).
        local_jobs = jobs_run(local_out)
        assert len(local_jobs) >= 3 and "ingest" in {name for _, name, _ in local_jobs}, local_jobs
        expected = sorted(slurm_comment(name, wc) for _, name, wc in local_jobs)
        slurm_jobs = jobs_run(slurm_out)
        assert sorted(slurm_comment(name, wc) for _, name, wc in slurm_jobs) == expected
        assert {kind for kind, _, _ in slurm_jobs} == {"rule"}, slurm_jobs

        # The queue's records of this run (the job name is the run ID): one COMPLETED job per job, same rule and
        # wildcards, nothing else (no job ran outside SLURM, none was retried).
        queue = subprocess.run(["squeue", "--states=all", "--noheader", f"--name={run_id}", "--format=%i|%k|%T"],
                               capture_output=True, text=True, check=True).stdout.split()
        records = [line.split("|") for line in queue]
        assert sorted(comment for _, comment, _ in records) == expected, slurm_out[-3000:]
        assert {state for _, _, state in records} == {"COMPLETED"}, records

        # Each job's output file, written by SLURM for that job id, shows the job's own Snakemake running the rule.
        submitted = dict(re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.", slurm_out))
        assert sorted(submitted) == sorted(jobid for jobid, _, _ in records)
        comments = {jobid: comment for jobid, comment, _ in records}
        for jobid, log in submitted.items():
            text = Path(log).read_text()
            name = comments[jobid].removeprefix("rule_").split("_wildcards_")[0]
            assert re.search(rf"^rule {name}:$", text, re.M), (jobid, log, text[-2000:])
            assert "Finished jobid: 0" in text, (jobid, log, text[-2000:])

        # Same bytes as the local run, file for file.
        local_files, slurm_files = outputs(local_dir), outputs(slurm_dir)
        assert sorted(slurm_files) == sorted(local_files)
        assert len(local_files) >= 5
        differing = [name for name in local_files if local_files[name] != slurm_files[name]]
        assert not differing, f"outputs differ between the local and the SLURM run: {differing}"
    finally:
        if run_id:  # leave nothing of this run in the queue, whatever happened
            subprocess.run(["scancel", f"--name={run_id}"], capture_output=True)
