"""The start-up plan check (tkicohort.plan_check, tkicohort.config): conditions, columns, types, levels, design keys
and plan files, with the messages a plan author reads; and the type inference of patients.csv's extra columns,
shared with ingestion."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tkicohort.config import ANALYSIS_VALUES, ConfigProblem, load_yaml, read_plan
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.expression import column_types, parse
from tkicohort.ingest.extra_columns import is_numeric
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.io import read_csv, write_csv
from tkicohort.plan_check import analysis_columns, check_cohort, patients_columns
from tkicohort.recist.stage import run_recist

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
PATIENTS = (
    "patient_id,arm,age_years,sex,followup_days,death,death_day,histology,met_lung,met_bone,ecog,site,code,score\n"
    "P01,sorafenib,54,F,400,0,,PTC,1,0,0,North,007,1.5\n"
    "P02,sorafenib,67,M,300,1,280,FTC,1,1,2,South,012,\n"
    "P03,sorafenib,45,F,200,0,,PTC,0,1,,North,003,2\n"
)


def cohort(tmp_path: Path, patients: str | bytes = PATIENTS) -> Path:
    folder = tmp_path / "cohort"
    folder.mkdir(exist_ok=True)
    data = patients.encode() if isinstance(patients, str) else patients
    (folder / "patients.csv").write_bytes(data)
    return folder


def run_check(tmp_path: Path, plan_text: str, patients: str | bytes = PATIENTS, published: str | None = None):
    folder = cohort(tmp_path, patients)
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(textwrap.dedent(plan_text))
    entry = {"data": str(folder), "plan": str(plan_path)}
    if published is not None:
        (tmp_path / "published.yaml").write_text(textwrap.dedent(published))
        entry["published"] = str(tmp_path / "published.yaml")
    plan, lines = read_plan(plan_path, "cohorts.c.plan")
    return [str(p) for p in check_cohort("c", entry, plan, lines, tmp_path, raw_plan=plan)]


SINGLE = """\
    title: t
    design: single_arm
    derived:
      dist: {rule: any, variables: [met_lung, met_bone]}
    subgroups:
      - {variable: sex, levels: [F, M]}
      - variable: met_bone
        population: "{population}"
    populations:
      pfs: "evaluable == 1"
"""


def single(population: str) -> str:
    return SINGLE.replace("{population}", population)


# --- conditions --------------------------------------------------------------------------------------------------

def test_the_committed_plans_and_published_files_are_clean():
    config = load_yaml(REPO / "config" / "config.yaml")
    for name, entry in config["cohorts"].items():
        plan, lines = read_plan(REPO / entry["plan"], f"cohorts.{name}.plan")
        assert check_cohort(name, entry, plan, lines, REPO) == [], name


def test_a_population_naming_a_missing_column_names_file_line_key_and_condition(tmp_path):
    problems = run_check(tmp_path, single("distant_metastasis == 1"))
    assert len(problems) == 1
    first, shown, caret = problems[0].splitlines()
    assert first.startswith(f"config error at 'cohorts.c.plan ({tmp_path / 'plan.yaml'}:8): subgroups[1].population'")
    assert "no column 'distant_metastasis' in the data" in first
    assert shown.strip() == "distant_metastasis == 1" and caret.strip() == "^" * len("distant_metastasis")


@pytest.mark.parametrize(("population", "reason"), [
    ("ecog >= 1", None),  # a numeric extra column
    ("score > 1.2 and code == '007'", None),  # 007 is a code: its column is text
    ("dist == 1 and evaluable == 1 and bor in ['CR', 'PR']", None),  # a derived variable and endpoints
    ("site >= 1", "'>=' compares numbers; the column 'site' (text) is not a number"),
    ("code == 7", "cannot compare the column 'code' (text) with the number 7 (a text is quoted: code == '7')"),
    ("sex == 1", "cannot compare the column 'sex' (text) with the number 1"),
    ("sex == 'f'", "the column 'sex' never holds 'f'; its values: 'F', 'M'"),
    ("histology in ['PTC', 'ATC']", "the column 'histology' never holds 'ATC'"),
    ("met_lung == 2", "the column 'met_lung' never holds 2; its values: 0, 1"),
    ("bor == 'partial'", "the column 'bor' never holds 'partial'"),
    ("dose_status != 'stopped'", "the column 'dose_status' never holds 'stopped'"),
    ("ecog", "a condition is needed"),
    ("age > 60", "no column 'age' in the data; did you mean 'age_years'?"),
])
def test_population_types_and_values(tmp_path, population, reason):
    problems = run_check(tmp_path, single(population))
    if reason is None:
        assert problems == []
    else:
        assert len(problems) == 1 and reason in problems[0] and "subgroups[1].population" in problems[0]


def test_every_population_key_and_derived_expression_is_checked(tmp_path):
    plan = """\
        title: t
        design: single_arm
        derived:
          late: {rule: expression, expr: "dcr == 1"}
          early: {rule: expression, expr: "later == 1"}
          later: {rule: threshold, variable: site, ge: 1}
          fine: {rule: expression, expr: "ecog >= 1 and sex == 'F'"}
        subgroups: []
        populations:
          pfs: "evaluabel == 1"
          os: "os_days >"
    """
    problems = run_check(tmp_path, plan)
    assert len(problems) == 5
    joined = "\n".join(problems)
    assert "plan.yaml:4): derived.late.expr': no column 'dcr'" in joined  # endpoints come after derived variables
    assert "plan.yaml:5): derived.early.expr': no column 'later'" in joined  # nor later derived variables
    assert "plan.yaml:6): derived.later.variable': 'site' holds texts; this needs numbers" in joined
    assert "plan.yaml:10): populations.pfs': no column 'evaluabel' in the data; did you mean 'evaluable'?" in joined
    assert "plan.yaml:11): populations.os': expected a column" in joined


def test_subgroup_baseline_and_multivariable_variables_must_exist(tmp_path):
    plan = """\
        title: t
        design: single_arm
        subgroups:
          - {variable: smoker}
        baseline:
          - {variable: site, type: continuous}
          - {variable: tg_baseline, type: continuous}
        multivariable:
          variables: [sex, nothing]
    """
    problems = "\n".join(run_check(tmp_path, plan))
    assert "subgroups[0].variable': 'smoker' is neither a column of patients.csv" in problems
    assert "baseline[0].type': 'site' holds text; a continuous row needs numbers" in problems
    assert "tg_baseline" not in problems  # an analysis-dataset column
    assert "multivariable.variables[1]': 'nothing' is neither" in problems


def test_cut_labels_must_fit_the_breaks(tmp_path):
    plan = """\
        title: t
        design: single_arm
        derived:
          ecog_group: {rule: cut, variable: ecog, breaks: [1, 2], labels: [low, high]}
        subgroups: []
    """
    assert any("derived.ecog_group.labels': 2 breaks need 3 labels" in p for p in run_check(tmp_path, plan))


# --- levels ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("subgroup", "reason"), [
    ("{variable: sex, levels: [f, m]}", "levels 'f', 'm' are not values of 'sex', which holds 'F', 'M' "
                                        "(case matters: 'f' → 'F', 'm' → 'M')"),
    ("{variable: sex, levels: [1, 0]}", "levels 1, 0 are numbers, and 'sex' holds text; quote them ('1', '0')"),
    ("{variable: met_lung, levels: ['1', '0']}", "levels '1', '0' are texts, and 'met_lung' holds numbers"),
    ("{variable: met_lung, levels: [1, 2]}", "levels 2 are not values of 'met_lung', which holds 0, 1"),
    ("{variable: dist, levels: [yes, no]}", "levels True, False are not single numbers or texts (YAML reads "
                                            "yes/no/true/false unquoted as true/false: quote them, 'yes')"),
    ("{variable: site, levels: [north, south]}", "no level ('north', 'south') is a value of the column 'site' of "
                                                 "patients.csv, which holds 2 distinct values"),
    ("{variable: ecog, levels: [3, 4]}", "no level (3, 4) is a value of the column 'ecog'"),
    ("{variable: ecog_group, levels: ['<1', 'high']}", "levels 'high' are not values of 'ecog_group', which holds "
                                                       "'<1', '1-2', '>2'"),
    ("{variable: bor, levels: [CR, pr]}", "levels 'pr' are not values of 'bor'"),
])
def test_levels_that_match_no_value_are_errors(tmp_path, subgroup, reason):
    plan = f"""\
        title: t
        design: single_arm
        derived:
          dist: {{rule: any, variables: [met_lung, met_bone]}}
          ecog_group: {{rule: cut, variable: ecog, breaks: [1, 3], labels: ['<1', '1-2', '>2']}}
        subgroups:
          - {subgroup}
    """
    problems = run_check(tmp_path, plan)
    assert len(problems) == 1 and "subgroups[0].levels'" in problems[0] and reason in problems[0], problems
    assert "North" not in problems[0] and "South" not in problems[0]  # extra columns' values are not yet screened


def test_levels_that_fit_pass(tmp_path):
    plan = """\
        title: t
        design: single_arm
        subgroups:
          - {variable: sex, levels: [M, F]}
          - {variable: site, levels: [North, East]}
          - {variable: ecog, levels: [0, 1, 2]}
          - {variable: histology, levels: [PDTC]}
        baseline:
          - {variable: histology, type: categorical, levels: [PTC, FTC, PTC+FTC]}
    """
    assert run_check(tmp_path, plan) == []


# --- design keys -------------------------------------------------------------------------------------------------

def test_keys_the_design_does_not_use_are_errors(tmp_path):
    plan = """\
        title: t
        design: single_arm
        arms: {reference: a, treatment: b}
        subgroups: [{variable: sex}]
        tests: {pfs_times_test: mann_whitney, response: fisher}
        baseline:
          - {variable: sex, type: categorical}
          - {variable: age_years, type: continuous, test: t_test}
        qol: {assessment: last}
    """
    problems = run_check(tmp_path, plan)
    keys = [p.split("): ")[1].split("'")[0] for p in problems]
    assert keys == ["arms", "tests.pfs_times_test", "baseline[1].test", "qol"]  # in the order of their lines
    assert all("is used only by two-arm plans, and this plan's design is single-arm; remove it" in p for p in problems)
    assert "plan.yaml:3)" in problems[0]

    two_arm = """\
        title: t
        design: two_arm
        arms: {reference: a, treatment: b}
        subgroups: [{variable: sex}]
        multivariable: {variables: [sex]}
    """
    problems = run_check(tmp_path, two_arm)
    assert len(problems) == 3
    assert "arms.reference': 'a' is not a value of the column 'arm' of patients.csv, which holds 1 distinct" in \
        problems[0] and "arms.treatment': 'b'" in problems[1]
    assert "multivariable'" in problems[2] and "only by single-arm plans" in problems[2]
    fitting = two_arm.replace("reference: a", "reference: sorafenib").replace("treatment: b", "treatment: sorafenib")
    assert len(run_check(tmp_path, fitting)) == 1


# --- plan files --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "reason"), [
    (PATIENTS, "is not a plan: expected a YAML mapping of keys (title, design, subgroups, …), found a single text"),
    ("- a\n- b\n", "found a list"),
    ("", "found nothing"),
    ("title: [unclosed\n", "is not valid YAML at line 2, column 1"),
    ("title: a\n\tdesign: b\n", "is not valid YAML at line 2"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "is not UTF-8 text (byte 1); expected a YAML plan file"),
    ("a: 1\n---\nb: 2\n", "is not valid YAML"),
])
def test_a_plan_file_that_is_not_a_plan_gets_one_message(tmp_path, content, reason):
    path = tmp_path / "plan.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ConfigProblem) as err:
        read_plan(path, "cohorts.c.plan")
    assert str(err.value).startswith(f"config error at 'cohorts.c.plan': plan file '{path}' ")
    assert reason in str(err.value)


def test_a_plan_path_that_is_a_folder_missing_or_too_large(tmp_path):
    for path, reason in [(tmp_path, "is a folder; expected a YAML plan file"), (tmp_path / "no.yaml", "does not exist")]:
        with pytest.raises(ConfigProblem, match=reason):
            read_plan(path, "k")
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1 << 20))
    with pytest.raises(ConfigProblem, match="is larger than 1 MB; a plan is a small YAML file"):
        read_plan(big, "k")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_plan(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("title: t\n")
    path.chmod(0)
    with pytest.raises(ConfigProblem, match="cannot be read: Permission denied"):
        read_plan(path, "k")


# --- a header ingestion will diagnose ----------------------------------------------------------------------------

@pytest.mark.parametrize("patients", [
    PATIENTS.replace(",", ";"),
    PATIENTS.replace(",", "\t"),
    "sep=,\n" + PATIENTS,
    "",
    b"\xff\xfe" + PATIENTS.encode("utf-16-le"),
])
def test_an_unreadable_header_skips_the_column_checks(tmp_path, patients):
    plan = single("age_years >= 55") + "    baseline:\n      - {variable: ecog, type: continuous}\n"
    assert run_check(tmp_path, plan, patients) == []
    assert run_check(tmp_path, single("age_years >= "), patients)[0].count("expected a column") == 1  # syntax still


# --- published numbers -------------------------------------------------------------------------------------------

def test_published_subsets_are_checked(tmp_path):
    published = """\
        study: s
        numbers:
          - {id: a, subset: "sex == 'M'"}
          - {id: b, subset: "distant == 1"}
          - {id: c, subset: "@pd.io.common.os.system('touch marker')"}
          - {id: d}
    """
    problems = run_check(tmp_path, single("ecog >= 1"), published=published)
    assert len(problems) == 2
    assert f"cohorts.c.published ({tmp_path / 'published.yaml'}:4): numbers[1].subset': no column 'distant'" in \
        problems[0]
    assert "numbers[2].subset': '@' is not part of the language" in problems[1]


# --- extra columns: one type inference for ingestion and the check -----------------------------------------------

@pytest.mark.parametrize(("values", "numeric"), [
    (["0", "1", "2", ""], True), (["1.5", "-2", "+3", "1e3", ".5", "12."], True), (["0", "0.25"], True),
    (["007", "12"], False), (["1,5"], False), (["1", "two"], False), (["", " "], False), ([], False),
    (["nan"], False), (["inf"], False), (["1e999"], False), (["0x1F"], False), (["1_000"], False), (["٣"], False),
])
def test_extra_column_numeric_rule(values, numeric):
    assert is_numeric(pd.Series([v.strip() for v in values], dtype=object)) is numeric


def test_ingestion_and_the_check_type_extra_columns_alike(tmp_path):
    folder = cohort(tmp_path)
    patients = ingest_cohort(folder).tables["patients"]
    assert str(patients["ecog"].dtype) == "Int64" and patients["ecog"].tolist()[:2] == [0, 2]
    assert patients["score"].dtype == float and patients["code"].tolist() == ["007", "012", "003"]
    checked = patients_columns(folder)
    ingested = column_types(patients)
    for name in ("ecog", "site", "code", "score"):
        assert checked.types[name] == ingested[name], name


def test_the_checker_knows_every_column_of_the_analysis_dataset(tmp_path):
    """The checker's model of the analysis dataset (patients.csv + derived + ANALYSIS_COLUMNS) against the dataset
    the derive stage writes for the example cohort, as the later stages read it back."""
    tables = ingest_cohort(EXAMPLE).tables
    plan = load_yaml(REPO / "config" / "plans" / "example.yaml")
    _, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], plan["recist"])
    dataset = build_analysis_dataset(tables["patients"], best, plan, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    write_csv(dataset, tmp_path / "patients.csv")
    dataset = read_csv(tmp_path / "patients.csv", dtype={"patient_id": str})
    model = analysis_columns(plan, patients_columns(EXAMPLE))
    assert set(model.types) == set(dataset.columns)
    actual = column_types(dataset)
    assert {c: t for c, t in model.types.items() if actual[c] is not None and actual[c] != t} == {}
    for column, allowed in model.values.items():
        assert set(dataset[column].dropna()) <= set(allowed), column
    assert set(ANALYSIS_VALUES) <= set(model.values)


def test_the_fixed_values_agree_with_the_stages():
    from tkicohort.config import DOSE_STATUSES, RESPONSE_CODES
    from tkicohort.derive.dose_status import STATUSES
    from tkicohort.recist.assessment import NA, OVERALL_LABELS
    from tkicohort.stats.efficacy import RESPONSE_ORDER

    assert set(RESPONSE_CODES) == set(RESPONSE_ORDER) == set(OVERALL_LABELS) - {NA}
    assert DOSE_STATUSES == STATUSES


def test_yaml_marks_of_flow_and_block_keys(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b: 1\n  c:\n    - {d: 2}\n    - e: 3\n")
    _, lines = read_plan(path, "k")
    assert lines[("a", "b")] == 2 and lines[("a", "c", 0, "d")] == 4 and lines[("a", "c", 1, "e")] == 5
    assert yaml.safe_load(path.read_text())["a"]["c"][1] == {"e": 3}


# --- fuzzing the checker -----------------------------------------------------------------------------------------

NAMES = st.sampled_from(["sex", "ecog", "site", "code", "score", "met_lung", "dcr", "bor", "nope", "d0", "d1", "ée"])
SCALARS = st.one_of(st.text(max_size=6), st.integers(-3, 3), st.floats(allow_nan=True), st.booleans(), st.none(),
                    st.just({"a": 1}), st.just([1]))
CONDITION_TEXT = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(
    ["sex", "ecog", "==", ">=", "'F'", "1", "and", "or", "not", "(", ")", "in", "[", "]", "is", "missing", "@", "d0"]),
    max_size=12).map(" ".join))
DERIVED = st.one_of(
    CONDITION_TEXT.map(lambda t: {"rule": "expression", "expr": t}),
    NAMES.map(lambda v: {"rule": "threshold", "variable": v, "ge": 1}),
    st.tuples(NAMES, st.lists(st.integers(0, 5), max_size=3), st.lists(st.text(max_size=3), max_size=4)).map(
        lambda t: {"rule": "cut", "variable": t[0], "breaks": t[1], "labels": t[2]}),
    st.lists(NAMES, min_size=1, max_size=3).map(lambda v: {"rule": "any", "variables": v}),
    st.just({"rule": "dose_status"}),
)
PLANS = st.fixed_dictionaries({
    "title": st.just("t"),
    "design": st.sampled_from(["single_arm", "two_arm"]),
    "derived": st.dictionaries(st.sampled_from(["d0", "d1"]), DERIVED, max_size=2),
    "subgroups": st.lists(st.fixed_dictionaries({"variable": NAMES}, optional={
        "levels": st.lists(SCALARS, max_size=3), "population": CONDITION_TEXT}), max_size=3),
    "populations": st.fixed_dictionaries({}, optional={e: st.one_of(st.none(), CONDITION_TEXT)
                                                       for e in ("pfs", "os", "response")}),
    "tests": st.fixed_dictionaries({}, optional={"pfs_times_test": st.just("none")}),
    "baseline": st.lists(st.fixed_dictionaries({"variable": NAMES}, optional={
        "type": st.sampled_from(["continuous", "categorical"]), "levels": st.lists(SCALARS, max_size=2)}),
        max_size=2),
})


@pytest.fixture(scope="module")
def fuzz_cohort(tmp_path_factory):
    return cohort(tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=100, deadline=None)
@given(PLANS)
def test_fuzz_the_checker_reports_only_config_problems(fuzz_cohort, plan):
    plan_path = fuzz_cohort.parent / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True))
    read, lines = read_plan(plan_path, "cohorts.c.plan")
    problems = check_cohort("c", {"data": str(fuzz_cohort), "plan": str(plan_path)}, read, lines, fuzz_cohort.parent)
    assert all(isinstance(p, ConfigProblem) and str(p).startswith("config error at 'cohorts.c.plan (")
               for p in problems)


def test_the_reproduction_studies_conditions_fit_their_cohorts():
    """Populations and subsets written in code (reproduce/reproduction_studies.py) are conditions of the language
    that fit the analysis dataset of their cohort's plan."""
    from tkicohort.reproduce.reproduction import Subset, Summary
    from tkicohort.reproduce.reproduction_studies import STUDIES

    config = load_yaml(REPO / "config" / "config.yaml")
    checked = 0
    for name, study in STUDIES.items():
        entry = config["cohorts"][name]
        columns = analysis_columns(load_yaml(REPO / entry["plan"]), patients_columns(REPO / entry["data"]))
        conditions = [c for c in study.populations.values() if c]
        for resolver in study.tables.values():
            for spec in [*resolver.rows.values(), resolver.default]:
                for source in (spec.values() if isinstance(spec, dict) else [spec]):
                    if isinstance(source, Subset | Summary) and source.query:
                        conditions.append(source.query)
        for text in conditions:
            assert parse(text).check(columns.types, columns.values) == [], (name, text)
            checked += 1
    assert checked >= 15  # every one of the two studies' conditions


def test_the_cached_schema_validator_fills_in_defaults_as_snakemake_does():
    from snakemake.utils import validate
    from tkicohort.config import load_yaml, validate_with_defaults

    schema = REPO / "workflow" / "schemas" / "plan.schema.yaml"
    for path in sorted((REPO / "config" / "plans").glob("*.yaml")):
        ours, snakemakes = load_yaml(path), load_yaml(path)
        assert validate_with_defaults(ours, schema) is None
        validate(snakemakes, str(schema))
        assert ours == snakemakes, path.name
        assert ours != load_yaml(path)  # defaults were filled in
    bad = load_yaml(REPO / "config" / "plans" / "example.yaml")
    bad["subgroups"][1]["levels"] = "F"
    assert validate_with_defaults(bad, schema) == (("subgroups", 1, "levels"), "'F' is not of type 'array'")


def test_a_plan_loaded_outside_the_workflow_gets_the_defaults_or_one_message(tmp_path):
    from tkicohort.config import PLAN_SCHEMA, load_plan, load_yaml, validate_with_defaults

    path = REPO / "config" / "plans" / "zhujiang.yaml"
    expected = load_yaml(path)
    validate_with_defaults(expected, PLAN_SCHEMA)
    assert load_plan(path) == expected and "tests" in expected
    (tmp_path / "plan.yaml").write_text(path.read_text(encoding="utf-8").replace("design: single_arm", "design: x"),
                                        encoding="utf-8")
    with pytest.raises(ConfigProblem, match="design: 'x' is not one of"):
        load_plan(tmp_path / "plan.yaml")
