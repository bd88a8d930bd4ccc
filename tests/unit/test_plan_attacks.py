"""Every place a plan or published-numbers file holds a condition refuses code, at start-up and in the stages."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from attacks import attacks
from tkicohort.config import read_plan
from tkicohort.derive.plan_variables import PlanError, derive_variables
from tkicohort.expression import ExpressionError
from tkicohort.plan_check import check_cohort
from tkicohort.reproduce.reproduction import Resolver, Study, Subset, reproduce
from tkicohort.stats.response import response_by_subgroup
from tkicohort.stats.survival_tables import pfs_by_subgroup
from tkicohort.stats.tables import survival_population

PATIENTS = ("patient_id,arm,age_years,sex,followup_days,death\n"
            "P01,a,54,F,400,0\nP02,a,67,M,300,1\n")
DATASET = pd.DataFrame({"patient_id": ["P01", "P02", "P03", "P04"], "x": [1.0, 2.0, 3.0, 4.0],
                        "s": ["F", "M", "F", "M"], "dcr": [1, 0, 1, 1], "orr": [1, 0, 0, 1],
                        "pfs_months": [3.0, 5.0, 7.0, 9.0], "pfs_event": [1, 1, 0, 1]})


def yaml_text(text: str) -> str:
    """A condition as a YAML single-quoted scalar (any character is allowed; ' is doubled)."""
    return "'" + text.replace("'", "''") + "'"


def at_start_up(tmp_path, where: str, text: str) -> list[str]:
    folder = tmp_path / "cohort"
    folder.mkdir(exist_ok=True)
    (folder / "patients.csv").write_text(PATIENTS)
    condition = yaml_text(text)
    plan = {
        "subgroup": f"subgroups:\n  - variable: sex\n    population: {condition}\n",
        "derived": f"subgroups: []\nderived:\n  x: {{rule: expression, expr: {condition}}}\n",
        "pfs_population": f"subgroups: []\npopulations:\n  pfs: {condition}\n",
        "os_population": f"subgroups: []\npopulations:\n  os: {condition}\n",
        "response_population": f"subgroups: []\npopulations:\n  response: {condition}\n",
        "published": "subgroups: []\n",
    }[where]
    (tmp_path / "plan.yaml").write_text("title: t\ndesign: single_arm\n" + plan)
    entry = {"data": str(folder), "plan": str(tmp_path / "plan.yaml")}
    if where == "published":
        (tmp_path / "pub.yaml").write_text(f"study: s\nnumbers:\n  - id: a\n    subset: {condition}\n")
        entry["published"] = str(tmp_path / "pub.yaml")
    plan, lines = read_plan(entry["plan"], "cohorts.c.plan")
    return [str(p) for p in check_cohort("c", entry, plan, lines, tmp_path)]


KEYS = {"subgroup": "subgroups[0].population", "derived": "derived.x.expr",
        "pfs_population": "populations.pfs", "os_population": "populations.os",
        "response_population": "populations.response",
        "published": "numbers[0].subset"}


@pytest.mark.parametrize("where", list(KEYS))
def test_the_start_up_check_refuses_every_attack_in_every_place(tmp_path, where):
    marker = tmp_path / "marker"
    for text in attacks(marker):
        problems = at_start_up(tmp_path, where, text)
        assert len(problems) == 1, (text, problems)
        assert f"{KEYS[where]}'" in problems[0] and "(at character" in problems[0], problems[0]
    assert not marker.exists()


def _stages(text: str) -> dict:
    """Each stage that reads a plan or published condition, run on ``text``."""
    study = Study(populations={"all": None, "bad": text}, tables={"T": Resolver(default=Subset())})
    entry = {"id": "a", "table": "T", "row": "r", "column": "", "statistic": "n", "value": "1", "precision": 0,
             "population": "all", "subset": text}
    return {
        "derive": lambda: derive_variables(DATASET, {"y": {"rule": "expression", "expr": text}}, {}),
        "survival population": lambda: survival_population(DATASET, {"populations": {"pfs": text}}),
        "response by subgroup": lambda: response_by_subgroup(DATASET, [{"variable": "s", "population": text}]),
        "pfs by subgroup": lambda: pfs_by_subgroup(DATASET, [{"variable": "s", "population": text}]),
        "published subset": lambda: reproduce({"a": entry}, {"T": DATASET}, DATASET, study=study),
        "published population": lambda: reproduce({"a": {**entry, "population": "bad", "subset": "x > 1"}},
                                                  {"T": DATASET}, DATASET, study=study),
    }


@pytest.mark.parametrize("stage", list(_stages("x > 1")))
def test_every_stage_refuses_every_attack(tmp_path, stage):
    marker = tmp_path / "marker"
    _stages("x > 1")[stage]()  # the stage runs with a good condition
    for text in attacks(marker):
        with pytest.raises((ExpressionError, PlanError)) as err:
            _stages(text)[stage]()
        assert "(at character" in str(err.value), text
    assert not marker.exists()


def test_a_subgroup_level_list_matching_nothing_stops_the_table_with_the_values_present():
    with pytest.raises(PlanError) as err:
        response_by_subgroup(DATASET, [{"variable": "s", "levels": ["f", "m"]}])
    assert str(err.value) == ("subgroup 's': no level of the plan ('f', 'm') is a value of the analysis dataset's "
                              "column 's', which holds 'F', 'M'")
    table = response_by_subgroup(DATASET, [{"variable": "s", "levels": ["F", "X"]}])  # one level may be absent
    assert table["n_dcr"].tolist() == [2, 0]


def test_start_up_messages_are_short_for_long_conditions(tmp_path):
    problems = at_start_up(tmp_path, "subgroup", "x == 1 and " * 80 + "@y")
    assert len(problems) == 1 and max(len(line) for line in problems[0].splitlines()) < 300
    assert textwrap.dedent(problems[0]).count("\n") == 2
