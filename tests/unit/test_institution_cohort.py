"""An institution's cohort with post-baseline variables other than the default cohorts' (tests/data/institution:
a grade ≥ 3 adverse event of any term, a dose reduction from doses.csv, the confirmed objective response), through
ingestion, RECIST, derivation and every table its plan yields. The days are checked against the input files read
directly; the analyses themselves are checked against R in test_post_baseline, test_permutation_logrank and
test_discrimination."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist
from tkicohort.stats.render import printed, to_markdown
from tkicohort.stats.tables import TableInputs, make_table, tables_for

FOLDER = Path(__file__).parents[1] / "data" / "institution"
PLAN = load_yaml(FOLDER / "plan.yaml")


@pytest.fixture(scope="module")
def dataset():
    t = ingest_cohort(FOLDER).tables
    _, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], PLAN["recist"])
    return build_analysis_dataset(t["patients"], best, PLAN, labs=t["labs"], adverse_events=t["adverse_events"],
                                  doses=t["doses"]).set_index("patient_id", drop=False)


@pytest.fixture(scope="module")
def tables(dataset):
    return {name: make_table(name, TableInputs(dataset.reset_index(drop=True)), PLAN) for name in tables_for(PLAN)}


def test_grade3_day_is_the_first_onset_of_a_grade3_event(dataset):
    ae = pd.read_csv(FOLDER / "adverse_events.csv")
    first = ae[ae["grade"] >= 3].groupby("patient_id")["onset_day"].min()
    expected = dataset["patient_id"].map(first)
    assert dataset["ae_grade3"].tolist() == expected.notna().astype(int).tolist()
    np.testing.assert_array_equal(dataset["ae_grade3_day"].to_numpy(float), expected.to_numpy(float))


def test_dose_reduced_day_is_the_day_of_the_first_lower_dose(dataset):
    doses = pd.read_csv(FOLDER / "doses.csv")
    first = doses[doses["dose_mg_per_day"] < 800].groupby("patient_id")["day"].min()
    expected = dataset["patient_id"].map(first)
    assert dataset["dose_reduced"].tolist() == expected.notna().astype(int).tolist()
    np.testing.assert_array_equal(dataset["dose_reduced_day"].to_numpy(float), expected.to_numpy(float))


def test_confirmed_response_is_known_on_its_confirmation_day(dataset):
    # the file's responders are SD at day 56 then PR every 56 days: the first PR is confirmed by the next one
    r = pd.read_csv(FOLDER / "responses.csv")
    pr_days = r[r["overall_response"] == "PR"].groupby("patient_id")["day"].apply(sorted)
    confirmed = pr_days[pr_days.map(len) >= 2].map(lambda days: days[1])
    responders = dataset[dataset["orr"] == 1]
    assert len(responders) > 3
    assert responders["orr_day"].tolist() == responders["patient_id"].map(confirmed).tolist()
    assert dataset.loc[dataset["orr"] == 0, "orr_day"].isna().all()


def test_plan_yields_the_post_baseline_and_discrimination_tables():
    names = tables_for(PLAN)
    assert {"pfs_post_baseline", "os_post_baseline", "model_discrimination"} <= set(names)


def test_subgroup_table_flags_post_baseline_rows_and_has_permutation_p(tables):
    t = tables["pfs_by_subgroup"]
    flags = t.drop_duplicates("variable").set_index("variable")["post_baseline"]
    assert flags.to_dict() == {"sex": 0, "ae_grade3": 1, "dose_reduced": 1, "orr": 1}
    assert t["logrank_p_exact"].between(0, 1).all()
    assert set(t["logrank_p_method"]) <= {"exact", "monte_carlo"}
    assert t.loc[t["post_baseline"] == 1, "note"].str.contains("pfs_post_baseline").all()


@pytest.mark.parametrize("name", ["pfs_post_baseline", "os_post_baseline"])
def test_each_post_baseline_subgroup_has_every_method(tables, name):
    t = tables[name]
    for var in ("ae_grade3", "dose_reduced", "orr"):
        rows = t[t["variable"] == var]
        assert rows["method"].tolist() == ["naive", "landmark", "landmark", "time_varying"]
        assert rows.loc[rows["method"] == "landmark", "landmark_months"].tolist() == [3, 6]
    assert t.loc[t["method"] == "time_varying", "hr"].notna().all()


def test_naive_dose_reduction_hr_is_biased_towards_benefit(tables):
    # patients must stay on study to have their dose reduced: the naive HR is further below 1 than the HR with
    # the reduction as a time-dependent covariate
    t = tables["pfs_post_baseline"]
    hr = t[t["variable"] == "dose_reduced"].set_index("method")["hr"]
    assert hr["naive"] < hr["time_varying"]


def test_discrimination_in_its_table_and_the_cox_notes(tables):
    d = tables["model_discrimination"].set_index("statistic")
    assert 0.5 <= d.loc["harrell_c", "value"] <= 1 and d.loc["harrell_c", "resamples"] == 20
    assert "Harrell's C" in tables["cox_multivariable"]["discrimination"].iloc[0]


def test_renderings_mark_post_baseline_rows(tables):
    md = to_markdown(printed("pfs_by_subgroup", tables["pfs_by_subgroup"], "t", PLAN))
    assert "Permutation p" in md and "Known only after treatment start" in md
    post = printed("pfs_post_baseline", tables["pfs_post_baseline"], "t", PLAN)
    # a heading row per subgroup, then one row per analysis
    assert len(post.rows) == len(tables["pfs_post_baseline"]) + tables["pfs_post_baseline"]["subgroup"].nunique()
    assert any("Time-dependent Cox" in row[0] for row in post.rows)
    assert any(row[0].startswith("Landmark") or "Landmark" in row[0] for row in post.rows)
    discrimination = printed("model_discrimination", tables["model_discrimination"], "t", PLAN)
    assert len(discrimination.rows) == len(tables["model_discrimination"])
    assert discrimination.rows[0][0].startswith("Harrell's C")


def test_plan_passes_the_schema_and_the_start_up_check():
    import jsonschema
    import yaml
    from tkicohort.config import read_plan
    from tkicohort.plan_check import check_cohort

    schema = yaml.safe_load((FOLDER.parents[2] / "workflow" / "schemas" / "plan.schema.yaml").read_text())
    jsonschema.validate(load_yaml(FOLDER / "plan.yaml"), schema)
    plan, lines = read_plan(str(FOLDER / "plan.yaml"), "cohorts.institution.plan")
    cohort = {"data": str(FOLDER), "plan": str(FOLDER / "plan.yaml")}
    assert check_cohort("institution", cohort, plan, lines, Path("/"), raw_plan=plan) == []
