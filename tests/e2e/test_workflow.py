"""End-to-end runs of the Snakemake workflow in a temporary working directory."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from cohort_fixtures import write_cohort

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--cores", "1", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def make_workdir(tmp_path: Path, cohorts: dict[str, Path], plan: str = "example.yaml", **extra) -> Path:
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "plans", work / "config" / "plans")
    config = {"cohorts": {name: {"data": str(folder), "plan": f"config/plans/{plan}", **extra}
                          for name, folder in cohorts.items()}}
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_example_cohort_runs_end_to_end(tmp_path):
    work = make_workdir(tmp_path, {"example": REPO / "resources" / "cohorts" / "example"})
    run = snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    res = work / "results" / "example"
    for rel in ("data/ingest_report.json", "recist/visits.csv", "recist/best_response.csv", "analysis/patients.csv"):
        assert (res / rel).is_file(), rel
    for name in ("baseline", "efficacy", "pfs_overall", "adverse_events", "response_by_subgroup", "pfs_by_subgroup",
                 "cox_multivariable"):
        for ext in ("csv", "md", "html", "xlsx", "docx"):
            assert (res / "tables" / f"{name}.{ext}").stat().st_size > 0, f"{name}.{ext}"
    assert (res / "report.html").is_file() and (work / "results" / "report.html").is_file()
    dataset = pd.read_csv(res / "analysis" / "patients.csv")
    assert len(dataset) == len(pd.read_csv(REPO / "resources" / "cohorts" / "example" / "patients.csv"))

    # Deterministic: a second run from scratch, its jobs side by side in two threads of the snakemake process, gives
    # byte-identical tables in every format, figures and reports.
    def outputs():
        return {p.relative_to(work): p.read_bytes() for p in (work / "results").rglob("*")
                if p.suffix in (".csv", ".md", ".html", ".xlsx", ".docx", ".png", ".svg")}

    first = outputs()
    shutil.rmtree(work / "results")
    assert snakemake(work, "--cores", "2").returncode == 0
    assert outputs() == first

    # A label edit reruns the renderings (tables, figures, reports), never the statistics nor the analysis dataset.
    computed = sorted((res / "stats").glob("*.json")) + [res / "analysis" / "patients.csv"]
    assert len(computed) > 10
    before = {p: p.stat().st_mtime_ns for p in computed}
    plan = work / "config" / "plans" / "example.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("label: Lung-only metastasis,", "label: Lung only,", 1),
                    encoding="utf-8")
    dry = snakemake(work, "-n")
    stats = dry.stdout.split("Job stats:")[1].split("total")[0]
    rules = {line.split()[0] for line in stats.splitlines()[3:] if line.strip()}
    assert {"table", "figure", "cohort_report"} <= rules and not rules & {"statistics", "analysis_dataset"}, stats
    assert snakemake(work).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in computed} == before
    table = pd.read_csv(res / "tables" / "pfs_by_subgroup.csv")
    assert "Lung only" in set(table["subgroup"]) and "Lung-only metastasis" not in set(table["subgroup"])


def test_broken_cohorts_fail_visibly_and_other_cohorts_still_run(tmp_path):
    # One cohort with a bad value, one whose patients.csv is semicolon-delimited (a header the start-up check cannot
    # read): each is reported by its ingestion job, and the good cohort still runs to its report (--keep-going).
    example = REPO / "resources" / "cohorts" / "example"
    broken = {p.name: p.read_text(encoding="utf-8") for p in example.glob("*.csv")}
    semicolon = dict(broken, **{"patients.csv": broken["patients.csv"].replace(",", ";")})
    broken["patients.csv"] = broken["patients.csv"].replace("EX01,sorafenib,62,F", "EX01,sorafenib,62,X")
    bad, semi = write_cohort(tmp_path / "bad", broken), write_cohort(tmp_path / "semicolon", semicolon)
    before = {folder: digest(folder) for folder in (bad, semi)}
    work = make_workdir(tmp_path, {"bad": bad, "semi": semi, "example": example})

    run = snakemake(work, "--keep-going")

    out = run.stderr + run.stdout
    assert run.returncode != 0
    # Visible on the terminal of a plain run, not only in the log file.
    assert "patients.csv:2: column 'sex': value 'X' — expected one of F, M" in out
    # the semicolon file: ingestion's diagnosis, not the plan checker's complaints about its columns
    assert "config error" not in out and "no column" not in out and "which patients.csv does not have" not in out
    assert "patients.csv:1" in out and "Error in rule ingest" in out and "cohort=semi" in out
    assert (work / "logs" / "semi" / "ingest.log").is_file()
    for name in ("bad", "semi"):
        assert not (work / "results" / name).exists(), f"no output of the broken cohort {name} may be left behind"
    assert {folder: digest(folder) for folder in (bad, semi)} == before
    assert (work / "results" / "example" / "analysis" / "patients.csv").is_file()
    assert (work / "results" / "example" / "report.html").is_file()


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda c: c.update(colour="blue"), "colour"),
    (lambda c: c["cohorts"]["example"].update(data="no/such/folder"), "cohorts.example.data"),
    (lambda c: c["cohorts"]["example"].update(plan="config/plans/missing.yaml"), "cohorts.example.plan"),
    (lambda c: c["cohorts"]["example"].update(extra_key=1), "extra_key"),
])
def test_config_errors_fail_before_any_job(tmp_path, mutate, expected):
    work = make_workdir(tmp_path, {"example": REPO / "resources" / "cohorts" / "example"})
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    mutate(config)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(work, "-n")
    assert run.returncode != 0
    assert expected in run.stderr + run.stdout
    assert not (work / "results").exists()


def test_plan_naming_unknown_variable_fails_before_any_job(tmp_path):
    work = make_workdir(tmp_path, {"example": REPO / "resources" / "cohorts" / "example"})
    plan_path = work / "config" / "plans" / "example.yaml"
    plan = yaml.safe_load(plan_path.read_text())
    plan["subgroups"].append({"variable": "no_such_variable"})
    plan_path.write_text(yaml.safe_dump(plan))
    run = snakemake(work, "-n")
    assert run.returncode != 0
    out = run.stderr + run.stdout
    assert "subgroups[" in out and "no_such_variable" in out


def test_veteran_survival_only_trial_runs_end_to_end_and_agrees_with_r(tmp_path):
    # Two arms, survival only: R's survival::veteran converted to the contract (resources/cohorts/veteran).
    work = make_workdir(tmp_path, {"veteran": REPO / "resources" / "cohorts" / "veteran"}, plan="veteran.yaml")
    run = snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    said = "cohort 'veteran': no tumour assessments"
    assert (run.stdout + run.stderr).count(said) == 1  # once, when the workflow starts
    res = work / "results" / "veteran"
    assert sorted(p.name for p in (res / "tables").glob("*.csv")) == [
        "baseline.csv", "os_by_arm.csv", "os_by_subgroup_and_arm.csv", "pfs_overall.csv"]
    assert sorted(p.name for p in (res / "figures").iterdir()) == ["subgroup_forest_os.png", "subgroup_forest_os.svg"]
    assert "no progression-free survival" in (res / "tables" / "pfs_overall.md").read_text(encoding="utf-8")
    ref = REPO / "tests" / "reference" / "veteran"
    by_arm = pd.read_csv(res / "tables" / "os_by_arm.csv").set_index("level")
    arm = pd.read_csv(ref / "arm.csv").iloc[0]
    for col in ("logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p"):
        assert abs(by_arm.loc["test", col] - arm[col]) < 1e-6, col
    km = pd.read_csv(ref / "km_by_arm.csv").set_index("arm")
    for level in ("standard", "test"):
        for col in ("median", "median_ci_low", "median_ci_high"):
            assert abs(by_arm.loc[level, col] - km.loc[level, col]) < 1e-6, (level, col)
    got = pd.read_csv(res / "tables" / "os_by_subgroup_and_arm.csv", dtype={"level": str})
    expected = pd.read_csv(ref / "subgroup_by_arm.csv", dtype={"level": str})
    merged = expected.merge(got, on=["variable", "level"], suffixes=("_r", ""))
    assert len(merged) == len(expected)
    for col in ("hr", "hr_ci_low", "hr_ci_high", "hr_p", "interaction_p"):
        assert (merged[col] - merged[f"{col}_r"]).abs().max() < 1e-6, col


def studies_workdir(tmp_path: Path) -> Path:
    """The example cohort, the two studies audited without a cohort, and the review's literature file."""
    work = make_workdir(tmp_path, {"example": REPO / "resources" / "cohorts" / "example"})
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config["studies"] = {name: str(REPO / "resources" / "studies" / name) for name in ("decision", "luo_2014")}
    config["literature"] = str(REPO / "resources" / "studies" / "pitoia_2022" / "studies.csv")
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def test_studies_without_a_cohort_are_audited_and_every_cohort_gets_its_context(tmp_path):
    work = studies_workdir(tmp_path)
    plan = snakemake(work, "-n", "--quiet", "rules")
    assert plan.returncode == 0, plan.stderr[-3000:]
    for rule in ("audit", "table", "figure"):  # the default run holds the audits and the context table and figure
        assert rule in plan.stdout
    targets = ["results/decision/audit.csv", "results/decision/audit.html", "results/luo_2014/audit.csv",
               "results/example/tables/context.csv", "results/example/figures/context.png"]
    run = snakemake(work, *targets)
    assert run.returncode == 0, run.stderr[-3000:]
    decision = pd.read_csv(work / "results" / "decision" / "audit.csv", keep_default_na=False)
    assert set(decision["origin"]) == {"automatic", "recorded"}
    assert decision["checks"].str.contains("cross_source").any()
    page = (work / "results" / "decision" / "audit.html").read_text(encoding="utf-8")
    assert "Found by the checks" in page and "Recorded by hand" in page
    context = pd.read_csv(work / "results" / "example" / "tables" / "context.csv")
    assert context["source"].iloc[0] == "cohort" and (context["source"] == "literature").sum() == 43
    # the run's combined report reads both audits (tests/unit/test_report_page.py: how it shows them)
    dry = snakemake(work, "-n", "results/report.html")
    report_job = dry.stdout.split("rule report:")[1].split("\n\n")[0]
    assert "results/decision/audit.csv" in report_job and "results/luo_2014/audit.html" in report_job


@pytest.mark.parametrize(("studies", "expected"), [
    ({"example": "resources/studies/decision"}, "'example' is also a cohort"),
    ({"decision": "resources/studies"}, "no published.yaml in resources/studies"),
])
def test_study_config_errors_fail_before_any_job(tmp_path, studies, expected):
    work = studies_workdir(tmp_path)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config["studies"] = {k: str(REPO / v) if k != "example" else v for k, v in studies.items()}
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(work, "-n")
    assert run.returncode != 0 and expected.split(" in ")[0] in run.stderr + run.stdout
    assert not (work / "results").exists()
