"""The Snakemake profiles (workflow/profiles/local, workflow/profiles/slurm): the same per-job resources in both,
rules that exist, and requests that cover the memory measured at 1,000,000 patients.

The expressions are evaluated the way Snakemake evaluates resource expressions: Python over ``input.size_mb``
(MiB, summed over the job's input files) and ``attempt`` (1 for the first submission).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "workflow" / "profiles"
SHARED_KEYS = ("default-resources", "set-resources", "set-threads")

# Measured with benchmarks/bench_slurm.py on the 1,000,000-patient synthetic cohort (README "Speed"): per rule, the
# job's input size (MiB, as Snakemake sums it) and its peak resident memory (MiB: sacct MaxRSS of the batch step
# plus that of the step running the rule), the largest of three runs, over all of the rule's jobs.
MEASURED_1M = {
    "ingest": (1335.1, 6001),
    "recist": (47.8, 9794),
    "analysis_dataset": (97.8, 2169),
    "table": (197.0, 2536),
    "figure": (194.0, 1995),
}

# The largest peak of any job on a 2,000-patient cohort (the same benchmark): a job's fixed cost.
SMALL_COHORT_PEAK = 858


def profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def rules() -> set[str]:
    names = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        names |= set(re.findall(r"^rule (\w+):", smk.read_text(), re.M))
    return names


def resource(rule: str, name: str, size_mb: float, attempt: int = 1) -> float:
    """The rule's resource as the local profile sets it (its own, else the default)."""
    prof = profile("local")
    expr = prof.get("set-resources", {}).get(rule, {}).get(name, prof["default-resources"][name])
    return eval(str(expr), {"max": max, "min": min}, {"input": SimpleNamespace(size_mb=size_mb), "attempt": attempt})


def test_local_and_slurm_profiles_request_the_same_resources():
    local, slurm = profile("local"), profile("slurm")
    for key in SHARED_KEYS:
        assert local.get(key) == slurm.get(key), key
    assert slurm["executor"] == "slurm"
    assert "executor" not in local


def test_profiles_name_only_rules_of_the_workflow():
    named = set(profile("slurm").get("set-resources", {})) | set(profile("slurm").get("set-threads", {}))
    assert named <= rules(), named - rules()


@pytest.mark.parametrize("rule", sorted(rules()))
def test_every_job_gets_at_least_1000_mb_and_10_minutes(rule):
    assert resource(rule, "mem_mb", 0.0) >= max(1000, 1.2 * SMALL_COHORT_PEAK)
    assert resource(rule, "runtime", 0.0) >= 10


@pytest.mark.parametrize("rule", sorted(MEASURED_1M))
def test_memory_requests_cover_the_peaks_measured_at_a_million_patients(rule):
    size_mb, peak_mb = MEASURED_1M[rule]
    assert resource(rule, "mem_mb", size_mb) >= 1.2 * peak_mb


def test_a_resubmitted_job_asks_for_twice_the_memory():
    assert resource("recist", "mem_mb", 50.0, attempt=2) == 2 * resource("recist", "mem_mb", 50.0)


def test_ingestion_uses_two_threads_only_for_large_inputs():
    threads = profile("slurm")["set-threads"]["ingest"]
    evaluate = lambda size: eval(threads, {}, {"input": SimpleNamespace(size_mb=size)})  # noqa: E731
    assert evaluate(0.1) == 1
    assert evaluate(1335.1) == 2
