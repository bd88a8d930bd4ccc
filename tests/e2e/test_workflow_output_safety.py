"""A cohort whose values and plan labels are spreadsheet formulas and HTML: no output carries them live."""

from __future__ import annotations

import csv

import pytest
import yaml
from cohort_fixtures import write_cohort
from test_workflow import REPO, make_workdir, snakemake

pytestmark = pytest.mark.e2e

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd"]


def test_formulas_and_markup_from_data_and_plan_reach_no_output_live(tmp_path):
    example = REPO / "resources" / "cohorts" / "example"
    files = {p.name: p.read_text(encoding="utf-8") for p in example.glob("*.csv")}
    lines = files["patients.csv"].splitlines()
    lines[0] += ",referral"
    lines[1:] = [f'{line},"{FORMULAS[i % len(FORMULAS)].replace(chr(34), chr(34) * 2)}"'
                 for i, line in enumerate(lines[1:])]
    files["patients.csv"] = "\n".join(lines) + "\n"
    cohort = write_cohort(tmp_path / "hostile", files)
    work = make_workdir(tmp_path, {"hostile": cohort})
    plan_path = work / "config" / "plans" / "example.yaml"
    plan = yaml.safe_load(plan_path.read_text(encoding="utf-8"))
    plan["subgroups"][1]["label"] = "=HYPERLINK(\"http://evil.example\") <script>alert(1)</script>"
    plan["subgroups"][1]["labels"] = {"F": "@SUM(1)", "M": "<img src=x onerror=alert(1)>"}
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")

    res = work / "results" / "hostile"
    run = snakemake(work, "results/hostile/analysis/patients.csv", "results/hostile/tables/response_by_subgroup.csv")
    assert run.returncode == 0, run.stderr[-3000:]

    written = list(res.rglob("*.csv"))
    assert len(written) >= 4
    for path in written:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not (cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in "=+@" and cell.strip()
                                or cell.lstrip().startswith("-") and not _number(cell)), (path.name, cell)
    dataset = (res / "analysis" / "patients.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in dataset and "'-2+3+cmd" in dataset  # kept as text, not dropped
    for page in res.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "<script>" not in text and "<img" not in text, page.name
    for page in res.rglob("*.html"):
        assert "<script>" not in page.read_text(encoding="utf-8"), page.name


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
