"""Post-baseline subgroups: landmark and time-dependent Cox against R (tests/reference/postbaseline/, made by
make_postbaseline_reference.R with survival::tmerge and coxph), and the day each derived variable became known."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.derive.post_baseline import post_baseline_variables
from tkicohort.stats.post_baseline import counting_process, post_baseline_table
from tkicohort.stats.tables import tables_for

REF = Path(__file__).parents[1] / "reference" / "postbaseline"
PLAN = {
    "design": "single_arm",
    "time": {"unit": "months", "days_per_month": 30.4375},
    "derived": {"x": {"rule": "adverse_event", "terms": "any", "min_grade": 3}, "dose": {"rule": "dose_status"}},
    "subgroups": [
        {"variable": "x", "label": "X yes first", "levels": [1, 0]},
        {"variable": "x", "label": "X no first", "levels": [0, 1]},
        {"variable": "dose", "label": "Dose", "levels": ["standard", "reduced", "stopped"]},
    ],
    "tests": {"landmarks_months": [2, 4, 6]},
    "endpoints": ["pfs"],
}


@pytest.fixture(scope="module")
def table():
    data = pd.read_csv(REF / "postbaseline_data.csv")
    return post_baseline_table(data, PLAN, "pfs")


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(REF / "postbaseline_cox.csv")


def _ours(table, label, method, landmark, level):
    rows = table[(table["subgroup"] == label) & (table["method"] == method) & (table["level"] == level)]
    if method == "landmark":
        rows = rows[rows["landmark_months"] == landmark]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("method,landmark", [("naive", None), ("time_varying", None), ("landmark", 2),
                                             ("landmark", 4), ("landmark", 6)])
def test_binary_variable_matches_r_in_both_orientations(table, reference, method, landmark):
    ref = reference[(reference["method"] == method) & (reference["variable"] == "x")]
    if landmark is not None:
        ref = ref[ref["landmark_months"] == landmark]
    r = ref.iloc[0]
    yes_vs_no = _ours(table, "X no first", method, landmark, 1)
    no_vs_yes = _ours(table, "X yes first", method, landmark, 0)
    assert (yes_vs_no["n"], yes_vs_no["events"]) == (r["n"], r["events"])
    assert yes_vs_no["hr"] == pytest.approx(r["hr"], rel=1e-6)
    assert yes_vs_no["hr_ci_low"] == pytest.approx(r["hr_ci_low"], rel=1e-6)
    assert yes_vs_no["hr_ci_high"] == pytest.approx(r["hr_ci_high"], rel=1e-6)
    assert yes_vs_no["p"] == pytest.approx(r["p"], rel=1e-6)
    # the reference level first: the inverse HR, limits swapped, same p
    assert no_vs_yes["hr"] == pytest.approx(1 / r["hr"], rel=1e-6)
    assert no_vs_yes["hr_ci_low"] == pytest.approx(1 / r["hr_ci_high"], rel=1e-6)
    assert no_vs_yes["p"] == pytest.approx(r["p"], rel=1e-6)


@pytest.mark.parametrize("method,landmark", [("naive", None), ("time_varying", None), ("landmark", 2),
                                             ("landmark", 4), ("landmark", 6)])
def test_three_level_variable_matches_r(table, reference, method, landmark):
    ref = reference[(reference["method"] == method) & (reference["variable"] == "dose")]
    if landmark is not None:
        ref = ref[ref["landmark_months"] == landmark]
    for level in ("reduced", "stopped"):
        r = ref[ref["term"].str.endswith(level)].iloc[0]
        ours = _ours(table, "Dose", method, landmark, level)
        assert (ours["n"], ours["events"]) == (r["n"], r["events"])
        for col in ("hr", "hr_ci_low", "hr_ci_high", "p"):
            assert ours[col] == pytest.approx(r[col], rel=1e-6), (level, col)


def test_table_has_the_documented_columns(table):
    assert list(table.columns[:10]) == ["subgroup", "method", "landmark_months", "n", "events", "hr", "hr_ci_low",
                                        "hr_ci_high", "p", "note"]
    assert set(table["method"]) == {"naive", "landmark", "time_varying"}


def test_counting_process_rows_by_hand():
    rows = counting_process([10, 10, 10, 5, 4], [1, 0, 1, 1, 1], [0, 0, 0, 0, 0], [1, 0, 1, 1, 1],
                            [2, np.nan, 0, 7, 4])
    # patient 0 switches at 2; patient 2 at day 0 (from the start); patient 3 after its end and patient 4 on its
    # last day stay in the before state with their event
    assert rows[["patient", "start", "stop", "event", "code"]].values.tolist() == [
        [0, 0, 2, 0, 0], [0, 2, 10, 1, 1], [1, 0, 10, 0, 0], [2, 0, 10, 1, 1], [3, 0, 5, 1, 0], [4, 0, 4, 1, 0]]


def test_patients_without_a_day_are_left_out_and_counted():
    data = pd.read_csv(REF / "postbaseline_data.csv")
    data.loc[data["x"] == 1, "x_day"] = data.loc[data["x"] == 1, "x_day"].where(data.index[data["x"] == 1] > 10)
    missing = int(((data["x"] == 1) & data["x_day"].isna()).sum())
    plan = {**PLAN, "subgroups": PLAN["subgroups"][:1]}
    out = post_baseline_table(data, plan, "pfs")
    tv = out[out["method"] == "time_varying"].iloc[0]
    assert tv["n"] == len(data) - missing
    assert f"{missing} patient(s) without a recorded day left out" in tv["note"]


def test_registry_knows_rules_and_expressions():
    plan = {"derived": {
        "age_ge_55": {"rule": "threshold", "variable": "age_years", "ge": 55},
        "hfs": {"rule": "adverse_event", "terms": ["hfs"], "min_grade": 1},
        "dose_modified": {"rule": "expression", "expr": "dose_status != 'standard'"},
        "responder_old": {"rule": "expression", "expr": "orr == 1 and age_years > 60"},
        "deep": {"rule": "threshold", "variable": "tg_best_pct_change", "le": -60},
    }}
    reg = post_baseline_variables(plan)
    assert "age_ge_55" not in reg
    assert reg["hfs"].day_column == "hfs_day" and reg["hfs"].before == 0
    assert reg["dose_modified"].day_column == "dose_modified_day"
    assert reg["responder_old"].day_column == "responder_old_day"
    assert reg["deep"].day_column is None  # post-baseline, but not datable by one day
    assert reg["orr"].day_column == "orr_day" and reg["dose_status"].before == "standard"


def test_post_baseline_tables_are_listed_only_for_plans_with_such_subgroups():
    assert "pfs_post_baseline" in tables_for(PLAN)
    baseline_only = {**PLAN, "subgroups": [{"variable": "sex", "levels": ["M", "F"]}]}
    assert "pfs_post_baseline" not in tables_for(baseline_only)


def test_recist_days_a_response_became_known_by_hand():
    from tkicohort.recist.best_overall_response import derive_best_response

    rows = [("P1", 28, "SD"), ("P1", 56, "PR"), ("P1", 84, "PR"), ("P1", 140, "PD"),
            ("P2", 49, "SD"), ("P2", 98, "PD"),
            ("P3", 30, "PR"), ("P3", 60, "SD"), ("P3", 90, "PD")]
    visits = pd.DataFrame(rows, columns=["patient_id", "day", "overall_response"]).assign(pct_from_baseline=np.nan)
    best = derive_best_response(visits, pd.DataFrame({"patient_id": ["P1", "P2", "P3"]})).set_index("patient_id")
    cols = ["first_response_day_unconfirmed", "confirmed_response_day", "control_day", "confirmed_control_day"]
    got = best[cols].to_numpy(float)
    # P1: PR on 56 confirmed on 84; P2: SD from day 49; P3: PR on 30 never confirmed, counted as SD only from the
    # SD minimum (the SD of day 60)
    expected = np.array([[56, 84, 56, 84], [np.nan, np.nan, 49, 49], [30, np.nan, 30, 60]])
    np.testing.assert_array_equal(got, expected)


def test_expression_day_only_where_the_value_changed():
    from tkicohort.derive.post_baseline import expression_day

    frame = pd.DataFrame({"hfs": pd.array([1, 1, 0, 0], dtype="Int8"), "hfs_day": [10.0, 20.0, np.nan, np.nan],
                          "age": [70, 50, 70, 50]})
    registry = post_baseline_variables({"derived": {"hfs": {"rule": "adverse_event", "terms": "any"}}})
    day = expression_day(frame, {"rule": "expression", "expr": "hfs == 1 and age > 60"}, registry)
    # only the first patient's value (1) differs from its value before the event (0)
    np.testing.assert_array_equal(day, [10.0, np.nan, np.nan, np.nan])
