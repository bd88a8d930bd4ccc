"""A plan that cannot run stops the workflow at start-up, before any job, with one message per problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cohort_fixtures import write_cohort

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
pytestmark = pytest.mark.e2e


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--cores", "1", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def workdir(tmp_path: Path, edit=None, data: Path = EXAMPLE, plan_path: str = "config/plans/example.yaml") -> Path:
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "plans", work / "config" / "plans")
    if edit:
        path = work / "config" / "plans" / "example.yaml"
        plan = yaml.safe_load(path.read_text())
        edit(plan)
        path.write_text(yaml.safe_dump(plan, sort_keys=False))
    config = {"cohorts": {"example": {"data": str(data), "plan": plan_path}}}
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def stopped_before_any_job(work: Path, run: subprocess.CompletedProcess) -> str:
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-2000:]
    assert not (work / "results").exists() and not (work / "logs").exists()
    assert "Traceback" not in out
    return out


def test_a_population_naming_a_missing_column_stops_before_any_job(tmp_path):
    def edit(plan):
        plan["subgroups"][3]["population"] = "distant_metastasis == 1 and ecog >= 1"
        plan["populations"]["pfs"] = "evaluable == 'yes'"

    work = workdir(tmp_path, edit)
    out = stopped_before_any_job(work, snakemake(work))
    assert "config error at 'cohorts.example.plan (config/plans/example.yaml:" in out
    assert "subgroups[3].population': no column 'ecog' in the data" in out
    assert "populations.pfs': cannot compare the column 'evaluable' (number) with the text 'yes'" in out
    assert "    distant_metastasis == 1 and ecog >= 1" in out


def test_a_plan_that_tries_to_run_a_command_runs_nothing(tmp_path):
    marker = tmp_path / "marker"

    def edit(plan):
        plan["subgroups"][3]["population"] = f"@pd.io.common.os.system('touch {marker}') == 0"
        plan["derived"]["x"] = {"rule": "expression", "expr": f"__import__('os').system('touch {marker}') == 0"}

    work = workdir(tmp_path, edit)
    out = stopped_before_any_job(work, snakemake(work))
    assert "'@' is not part of the language" in out and "a name starting with '__' is not a column name" in out
    assert not marker.exists()


def test_levels_that_match_nothing_and_keys_the_design_does_not_use(tmp_path):
    def edit(plan):
        plan["subgroups"][1]["levels"] = ["f", "m"]
        plan["qol"] = {"assessment": "last"}

    work = workdir(tmp_path, edit)
    out = stopped_before_any_job(work, snakemake(work))
    assert "subgroups[1].levels': levels 'f', 'm' are not values of 'sex', which holds 'F', 'M'" in out
    assert "qol': is used only by two-arm plans" in out


def test_a_plan_path_to_a_data_file_gets_one_message(tmp_path):
    work = workdir(tmp_path, plan_path=str(EXAMPLE / "patients.csv"))
    out = stopped_before_any_job(work, snakemake(work))
    assert f"plan file '{EXAMPLE / 'patients.csv'}' is not a plan: expected a YAML mapping" in out


def test_a_semicolon_file_is_left_to_ingestion_without_plan_errors(tmp_path):
    files = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLE.glob("*.csv")}
    files["patients.csv"] = files["patients.csv"].replace(",", ";")
    work = workdir(tmp_path, data=write_cohort(tmp_path / "semicolon", files))
    run = snakemake(work)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "config error" not in out and "no column" not in out
    assert "patients.csv:1 — the header is separated by ';' (semicolon)" in out  # ingestion's diagnosis
    assert not (work / "results" / "example").exists()


def test_a_plan_against_its_schema_stops_before_any_job_naming_the_key_and_line(tmp_path):
    def edit(plan):
        plan["design"] = "crossover"

    work = workdir(tmp_path, edit)
    out = stopped_before_any_job(work, snakemake(work))
    line = next(n for n, text in enumerate((work / "config" / "plans" / "example.yaml").read_text().splitlines(), 1)
                if text.startswith("design:"))
    assert (f"config error at 'cohorts.example.plan (config/plans/example.yaml:{line}): design': 'crossover' is not "
            "one of ['single_arm', 'two_arm'] (workflow/schemas/plan.schema.yaml)") in out
