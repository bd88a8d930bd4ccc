"""PFS by subgroup, overall survival summary, multivariable Cox and the adverse-event table: R references where
they exist (tests/reference/survival/), hand-derived expectations elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.stats.adverse_events import adverse_event_table
from tkicohort.stats.render import fmt_estimate_ci, fmt_p, printed, to_html, to_markdown
from tkicohort.stats.survival_tables import (
    PFS_COLUMNS,
    multivariable_cox,
    overall_survival_summary,
    pfs_by_subgroup,
)

REF = Path(__file__).parents[1] / "reference" / "survival"
EXAMPLE = pd.read_csv(Path(__file__).parents[1] / "data" / "example_expected.csv")
DAYS = 30.4375


def _ref(name):
    frame = pd.read_csv(REF / name, keep_default_na=False, na_values=[""], dtype={"group": str, "level": str})
    if "group" in frame:
        frame["group"] = frame["group"].fillna("")
    return frame


def example_dataset() -> pd.DataFrame:
    return EXAMPLE.assign(pfs_months=EXAMPLE["pfs_days"] / DAYS,
                          dose_reduced=(EXAMPLE["dose_status"] != "standard").astype(int))


def test_pfs_by_subgroup_matches_r_for_the_example_hfs_split():
    table = pfs_by_subgroup(example_dataset(), [{"variable": "hfs", "levels": [0, 1]}], time="pfs_days",
                            conf_type="log-log", rmst_horizon=200)
    assert list(table.columns[:len(PFS_COLUMNS)]) == PFS_COLUMNS
    km = _ref("km_summary.csv")
    for lev in (0, 1):
        ref = km[(km.dataset == "example") & (km.group == "hfs") & (km.level == str(lev))
                 & (km.conf_type == "log-log")].iloc[0]
        row = table[table.level == lev].iloc[0]
        assert (row["n"], row["events"]) == (ref["n"], ref["events"])
        got = row[["median", "median_ci_low", "median_ci_high", "km_mean", "rmst"]].to_numpy(float)
        exp = ref[["median", "median_ci_low", "median_ci_high", "rmean", "rmst"]].to_numpy(float)
        assert np.allclose(got, exp, rtol=1e-9, equal_nan=True)
    lr = _ref("logrank.csv").query("dataset == 'example' and group == 'hfs'").iloc[0]
    cox = _ref("cox_coefficients.csv").query("dataset == 'example' and covariates == 'hfs' and "
                                             "ties == 'efron'").iloc[0]
    treated = table[table.level == 1].iloc[0]
    assert np.isclose(treated["logrank_chisq"], lr["chisq"], rtol=1e-9)
    assert np.allclose(treated[["hr", "hr_ci_low", "hr_ci_high", "hr_p"]].to_numpy(float),
                       [cox["hr"], cox["hr_ci_low"], cox["hr_ci_high"], cox["p"]], rtol=1e-6)
    reference = table[table.level == 0].iloc[0]
    assert reference["hr"] == 1.0 and reference["note"] == "reference level"


def test_months_are_days_over_30_4375():
    data = example_dataset()
    in_days = pfs_by_subgroup(data, [{"variable": "hfs", "levels": [0, 1]}], time="pfs_days")
    in_months = pfs_by_subgroup(data, [{"variable": "hfs", "levels": [0, 1]}], time="pfs_months")
    assert np.allclose(in_months["km_mean"], in_days["km_mean"] / DAYS)
    assert np.allclose(in_months["hr"], in_days["hr"])


def _cohort(levels_events):
    """Patients per level: list of (time, event) tuples."""
    rows = [{"g": lev, "t": t, "e": e} for lev, recs in levels_events.items() for t, e in recs]
    return pd.DataFrame(rows)


def test_level_without_events_is_not_estimable_but_keeps_logrank():
    data = _cohort({"a": [(2, 1), (4, 1), (6, 0), (8, 1)], "b": [(5, 0), (9, 0), (12, 0)]})
    table = pfs_by_subgroup(data, [{"variable": "g", "levels": ["a", "b"]}], time="t", event="e")
    b = table[table.level == "b"].iloc[0]
    assert np.isnan(b["hr"]) and "no events in this level" in b["note"]
    assert 0 < b["logrank_p"] < 1


def test_firth_option_gives_a_finite_hr_where_ml_has_none():
    data = _cohort({"a": [(2, 1), (4, 1), (6, 0), (8, 1)], "b": [(5, 0), (9, 0), (12, 0)]})
    table = pfs_by_subgroup(data, [{"variable": "g", "levels": ["a", "b"]}], time="t", event="e", firth=True)
    b = table[table.level == "b"].iloc[0]
    assert 0 < b["hr"] < 1 and b["hr_method"] == "cox_firth" and "Firth" in b["note"]


def test_single_patient_level_and_empty_level_say_why():
    data = _cohort({"a": [(2, 1), (4, 1), (6, 0)], "b": [(3, 1), (7, 1)], "c": [(5, 1)]})
    table = pfs_by_subgroup(data, [{"variable": "g", "levels": ["a", "b", "c", "d"]}], time="t", event="e")
    notes = dict(zip(table.level, table.note, strict=True))
    assert notes["c"] == "single patient in this level" and notes["d"] == "no patients in this level"
    assert np.isfinite(table.loc[table.level == "b", "hr"].iloc[0])
    assert table.loc[table.level == "d", "n"].iloc[0] == 0


def test_population_filter_restricts_the_subgroup():
    data = _cohort({"a": [(2, 1), (4, 1), (6, 0)], "b": [(3, 1), (7, 1), (9, 0)]}).assign(keep=[1, 1, 0, 1, 1, 0])
    table = pfs_by_subgroup(data, [{"variable": "g", "levels": ["a", "b"], "population": "keep == 1"}],
                            time="t", event="e")
    assert list(table["n"]) == [2, 2]


def test_holm_and_bh_columns_adjust_across_subgroups():
    data = example_dataset()
    sgs = [{"variable": "hfs", "levels": [0, 1]}, {"variable": "dose_reduced", "levels": [0, 1]}]
    table = pfs_by_subgroup(data, sgs, time="pfs_days")
    p = table.drop_duplicates("subgroup")["logrank_p"].to_numpy()
    holm = np.minimum(1, np.maximum.accumulate(np.sort(p) * [2, 1]))
    assert np.allclose(np.sort(table.drop_duplicates("subgroup")["logrank_p_holm"]), np.sort(holm))


def test_overall_summary_matches_r_landmarks_and_followup():
    data = example_dataset()
    out = overall_survival_summary(data, "pfs_days", "pfs_event", "log-log", landmarks=(100, 200, 300))
    at = _ref("km_at_times.csv").query("dataset == 'example' and group == '' and conf_type == 'log-log'")
    got = out.set_index("statistic").loc[["survival_at_100", "survival_at_200", "survival_at_300"]]
    assert np.allclose(got["value"], at["surv"], rtol=1e-9)
    assert np.allclose(got["ci_low"], at["lower"], rtol=1e-9, equal_nan=True)
    fu = _ref("followup.csv").query("dataset == 'example' and group == ''").iloc[0]
    assert out.set_index("statistic").loc["median_followup_reverse_km", "value"] == fu["median_followup"]


def test_multivariable_cox_matches_r_and_reports_epv():
    lung = pd.read_csv(REF / "lung.csv")
    table, warnings = multivariable_cox(lung, [{"variable": v} for v in ("age", "sex", "ph_ecog")], time="time",
                                        event="status")
    ref = _ref("cox_coefficients.csv").query("dataset == 'lung' and covariates == 'age sex ph_ecog' and "
                                             "ties == 'efron'")
    assert np.allclose(table["coef"], ref["coef"], rtol=1e-6)
    assert np.allclose(table["p"], ref["p"], rtol=1e-6)
    assert table["epv"].iloc[0] == pytest.approx(164 / 3) and not warnings
    ph = _ref("ph_test.csv").query("dataset == 'lung' and transform == 'km'").set_index("term")
    assert np.allclose(table["ph_chisq"], ph.loc[["age", "sex", "ph_ecog"], "chisq"], rtol=1e-6)
    assert np.allclose(table["ph_global_p"], ph.loc["GLOBAL", "p"], rtol=1e-6)


def test_multivariable_ph_test_is_one_test_per_variable_as_current_r():
    # veteran: the 4-level cell type is one 3-df test, printed on each of its three rows (R: cox.zph, terms = TRUE).
    vet = pd.read_csv(REF / "veteran.csv")
    variables = [{"variable": "trt"}, {"variable": "celltype", "levels": ["squamous", "smallcell", "adeno", "large"]},
                 {"variable": "karno"}]
    table, _ = multivariable_cox(vet, variables, time="time", event="status")
    ref = _ref("ph_test.csv").query("dataset == 'veteran' and ties == 'efron' and transform == 'km' and "
                                    "formula == 'trt + celltype + karno'").set_index("term")
    by_variable = table.drop_duplicates("variable").set_index("variable")
    assert list(by_variable["ph_df"]) == [1, 3, 1]
    assert np.allclose(by_variable["ph_chisq"], ref.loc[["trt", "celltype", "karno"], "chisq"], rtol=1e-6)
    assert np.allclose(by_variable["ph_p"], ref.loc[["trt", "celltype", "karno"], "p"], rtol=1e-6)
    assert (table["ph_global_df"] == 5).all()
    assert np.allclose(table["ph_global_chisq"], ref.loc["GLOBAL", "chisq"], rtol=1e-6)
    assert (table.loc[table["variable"] == "celltype", "ph_chisq"].nunique() == 1)


def test_multivariable_firth_model_beside_the_standard_one_matches_r():
    # Zhujiang PFS model: ML columns as R's coxph, firth_* columns as the Firth reference (Efron ties, profile
    # penalised-likelihood CIs, penalised likelihood-ratio p; make_firth_reference.R), relative tolerance 1e-6.
    zj = pd.read_csv(REF / "zhujiang.csv").query("evaluable == 1")
    zj = zj.assign(pfs_months=zj["pfs_days"] / DAYS)
    names = ["female", "lung_only", "met_bone", "hfs", "tg_response_60"]
    table, _ = multivariable_cox(zj, [{"variable": v} for v in names], firth=True)
    ml = _ref("cox_coefficients.csv").query("dataset == 'zhujiang' and ties == 'efron'").set_index("term")
    firth = _ref("firth.csv").query("dataset == 'zhujiang' and method == 'independent' and ties == 'efron' and "
                                    "covariates == 'female lung_only met_bone hfs tg_response_60'").set_index("term")
    table = table.set_index("term").loc[names]
    assert np.allclose(table["hr"], ml.loc[names, "hr"], rtol=1e-6) and (table["method"] == "cox_efron").all()
    assert np.allclose(table["firth_coef"], firth.loc[names, "coef"], rtol=1e-6)
    assert np.allclose(np.log(table["firth_hr_ci_low"]), firth.loc[names, "ci_low"], rtol=1e-6)
    assert np.allclose(np.log(table["firth_hr_ci_high"]), firth.loc[names, "ci_high"], rtol=1e-6)
    assert np.allclose(table["firth_p"], firth.loc[names, "p"], rtol=1e-6)


def test_multivariable_cox_warns_below_ten_events_per_variable():
    data = example_dataset()
    _, warnings = multivariable_cox(data, [{"variable": "hfs"}, {"variable": "dose_reduced"}], time="pfs_days")
    assert any("events per variable" in w for w in warnings)


def test_adverse_event_table_counts_worst_grade_once_per_patient():
    patients = pd.DataFrame({"patient_id": ["p1", "p2", "p3", "p4"]})
    ae = pd.DataFrame({"patient_id": ["p1", "p1", "p2", "p3", "p3", "p9"],
                       "term": ["Hand-foot skin reaction", "palmar-plantar erythrodysesthesia syndrome", "HFSR",
                                "Diarrhea", "Hand-foot syndrome", "Diarrhea"],
                       "grade": [1, 3, 2, 2, 1, 4]})
    table = adverse_event_table(ae, patients).set_index("term")
    hfs = table.loc["palmar-plantar erythrodysesthesia syndrome"]
    # p1 worst 3 (one patient, not two), p2 worst 2, p3 worst 1: 2 in grade 1-2, 1 in 3-4, 3 any, of 4 patients.
    assert (hfs["grade_1_2"], hfs["grade_3_4"], hfs["any_grade"]) == (2, 1, 3)
    assert hfs["any_grade_pct"] == 75.0
    assert table.loc["diarrhea", "any_grade"] == 1  # p9 is not a treated patient
    assert list(table.index) == ["palmar-plantar erythrodysesthesia syndrome", "diarrhea"]
    assert "grade_5" not in table


@pytest.mark.parametrize("p, text", [(0.0004, "<0.001"), (0.001, "0.001"), (0.04999, "0.050"), (np.nan, "—")])
def test_p_value_formatting(p, text):
    assert fmt_p(p) == text


def test_median_not_reached_prints_nr():
    assert fmt_estimate_ci(np.nan, 3.7, np.nan) == "NR (3.7–NR)"
    assert fmt_estimate_ci(16.5, 14.41, 23.9) == "16.5 (14.4–23.9)"


def test_renderings_escape_and_keep_every_row():
    table = pfs_by_subgroup(example_dataset(), [{"variable": "hfs", "levels": [0, 1], "label": "A|B <x>"}],
                            time="pfs_months")
    page_of = printed("pfs_by_subgroup", table, "T")
    md, page = to_markdown(page_of), to_html(page_of)
    # header, rule, the subgroup's heading row and one row per level
    assert md.count("\n|") == len(table) + 3 and "A\\|B &lt;x>" in md
    assert "A|B &lt;x&gt;" in page and page.count("<tr") == len(table) + 2


def test_two_arm_tables_on_a_small_trial():
    from tkicohort.stats.tables import TableInputs, make_table, tables_for

    rng = np.random.default_rng(7)
    n = 20
    dataset = pd.DataFrame({
        "patient_id": [f"P{i:02d}" for i in range(n)], "arm": ["control"] * 10 + ["sorafenib"] * 10,
        "evaluable": 1, "bor": ["PD"] * 6 + ["SD"] * 4 + ["PR"] * 3 + ["SD"] * 5 + ["PD"] * 2,
        "pfs_months": np.r_[np.arange(1, 11), np.arange(5, 25, 2)].astype(float),
        "pfs_event": [1] * 8 + [0] * 2 + [1] * 6 + [0] * 4, "os_months": 24.0, "os_event": 0})
    dataset["dcr"] = dataset["bor"].isin(["PR", "SD"]).astype(int)
    dataset["orr"] = (dataset["bor"] == "PR").astype(int)
    items = pd.DataFrame(rng.integers(1, 5, size=(2 * n, 30)), columns=[f"q{i}" for i in range(1, 31)]).astype(float)
    items[["q29", "q30"]] = rng.integers(1, 8, size=(2 * n, 2))
    qol = pd.concat([pd.DataFrame({"patient_id": list(dataset["patient_id"]) * 2, "day": [0] * n + [180] * n}),
                     items], axis=1)
    plan = {"design": "two_arm", "arms": {"reference": "control", "treatment": "sorafenib"}, "subgroups": [],
            "tests": {"response": "chisq", "pfs_times_test": "mann_whitney"}, "qol": {"raw_subscales": "tehran"}}
    assert tables_for(plan, has_qol=True) == ["efficacy", "pfs_overall", "adverse_events", "response_by_arm",
                                              "pfs_by_arm", "os_by_arm", "qol"]
    inputs = TableInputs(dataset, qol=qol)
    by_arm = make_table("response_by_arm", inputs, plan)
    cbr = by_arm[by_arm.section == "clinical benefit"].set_index("arm")
    assert (cbr.loc["control", "n"], cbr.loc["sorafenib", "n"]) == (4, 8)
    pfs = make_table("pfs_by_arm", inputs, plan)
    assert list(pfs["n"]) == [10, 10] and pfs["times_p"].notna().all() and pfs["hr"].iloc[1] < 1
    # raw PFS times: control 1..10 (median 5.5), sorafenib 5, 7, ..., 23 (median 14)
    assert pfs[["times_median", "times_min", "times_max"]].to_numpy().tolist() == [[5.5, 1, 10], [14, 5, 23]]
    q = make_table("qol", inputs, plan)
    # the day-180 questionnaire of each patient is the one analysed (``last``)
    chosen = qol[qol.day == 180].set_index("patient_id")
    raw_total = chosen[[f"q{i}" for i in range(1, 31)]].sum(axis=1)
    control = raw_total[dataset.loc[dataset.arm == "control", "patient_id"]]
    row = q[(q.scale == "raw_sum_of_scores") & (q.arm == "control")].iloc[0]
    assert row["median"] == control.median() and row["n"] == 10
    assert q["p_holm"].dropna().ge(q["p"].dropna()).all()


def test_each_endpoint_is_analysed_in_its_own_population():
    from tkicohort.stats.tables import TableInputs, make_table

    dataset = example_dataset().assign(os_months=lambda d: d["os_days"] / DAYS)
    plan = {"design": "single_arm", "subgroups": [{"variable": "hfs", "levels": [0, 1]}],
            "endpoints": ["pfs", "os"], "populations": {"pfs": "evaluable == 1"}}
    inputs = TableInputs(dataset)
    n_evaluable = int((dataset["evaluable"] == 1).sum())
    assert n_evaluable < len(dataset)  # the example cohort has non-evaluable patients
    assert make_table("pfs_by_subgroup", inputs, plan)["n"].sum() == n_evaluable
    assert make_table("os_by_subgroup", inputs, plan)["n"].sum() == len(dataset)  # OS: every patient by default
    overall = make_table("pfs_overall", inputs, plan).set_index(["endpoint", "statistic"])
    assert overall.loc[("pfs", "n"), "value"] == n_evaluable and overall.loc[("os", "n"), "value"] == len(dataset)
    assert overall.loc[("os", "events"), "value"] == dataset["os_event"].sum()
    plan["populations"] = {"pfs": None, "os": "evaluable == 1"}
    assert make_table("pfs_by_subgroup", inputs, plan)["n"].sum() == len(dataset)
    assert make_table("os_by_subgroup", inputs, plan)["n"].sum() == n_evaluable


def test_multivariable_cox_falls_back_to_firth_under_separation_when_the_plan_asks():
    from tkicohort.stats.survival_tables import multivariable_cox

    # x separates completely: every event has x = 1, so the ML hazard ratio of x diverges.
    data = pd.DataFrame({"pfs_months": np.arange(1.0, 13.0), "pfs_event": [1, 0] * 6,
                         "x": [1, 0] * 6, "z": [0, 0, 1, 1] * 3})
    variables = [{"variable": "x"}, {"variable": "z"}]
    table, warnings = multivariable_cox(data, variables)
    assert table["note"].str.contains("not converge|diverges").all() and "hr" not in table
    table, warnings = multivariable_cox(data, variables, firth=True)
    assert (table["method"] == "firth").all() and np.isfinite(table["hr"]).all()
    assert table.set_index("term").loc["x", "hr"] > 5 and any("Firth" in w for w in warnings)
    assert table["ph_p"].isna().all()  # the PH test needs the ML fit


def test_multivariable_terms_take_the_unrestricted_subgroup_spec():
    from tkicohort.stats.tables import subgroup_specs

    plan = {"subgroups": [
        {"variable": "met_bone", "label": "Bone (distant only)", "levels": [1, 0], "population": "dm == 1"},
        {"variable": "met_bone", "label": "Bone metastasis", "levels": [1, 0]},
        {"variable": "hfs", "label": "HFS (in a subset)", "levels": [0, 1], "population": "x == 1"}]}
    specs = subgroup_specs(plan)
    assert specs["met_bone"]["label"] == "Bone metastasis"
    assert specs["hfs"]["label"] == "HFS (in a subset)"  # no unrestricted spec: the restricted one is all there is


def test_plan_chooses_the_mann_whitney_method_of_qol_and_pfs_times():
    from tkicohort.stats.tables import TableInputs, make_table

    rng = np.random.default_rng(5)
    n = 8
    dataset = pd.DataFrame({"patient_id": [f"P{i}" for i in range(2 * n)], "arm": ["control"] * n + ["sorafenib"] * n,
                            "pfs_months": np.r_[np.arange(1, 9), np.arange(3, 11)].astype(float),
                            "pfs_event": [1] * (2 * n)})
    items = pd.DataFrame(rng.integers(1, 5, size=(2 * n, 30)), columns=[f"q{i}" for i in range(1, 31)])
    qol = pd.concat([dataset[["patient_id"]].assign(day=0), items], axis=1)
    plan = {"design": "two_arm", "arms": {"reference": "control", "treatment": "sorafenib"}, "subgroups": [],
            "tests": {"pfs_times_test": "mann_whitney", "mann_whitney": "exact"}}
    inputs = TableInputs(dataset, qol=qol)
    assert set(make_table("qol", inputs, plan)["method"]) <= {"exact", "exact conditional (ties)"}
    from tkicohort.stats.baseline import exact_rank_sum_p  # checked against full enumeration elsewhere

    expected = exact_rank_sum_p(np.arange(1, 9.0), np.arange(3, 11.0))
    assert make_table("pfs_by_arm", inputs, plan)["times_p"].iloc[0] == pytest.approx(expected)
    plan["tests"]["mann_whitney"] = "asymptotic"
    assert make_table("qol", inputs, plan)["method"].str.startswith("normal approximation").all()


def test_landmarks_and_rmst_horizon_are_months_whatever_the_plan_unit():
    """A plan in weeks or days reports survival at 6 months and the RMST to 12 months, not at 6 weeks or 6 days:
    each is the R-checked Kaplan–Meier of the same times at 6 × 30.4375 days (the months plan is the reference)."""
    from tkicohort.stats.kaplan_meier import kaplan_meier
    from tkicohort.stats.tables import TableInputs, make_table

    dataset = example_dataset().assign(pfs_weeks=lambda d: d["pfs_days"] / 7)
    tests = {"landmarks_months": [6, 12], "rmst_horizon_months": 12}
    out = {}
    for unit in ("months", "weeks", "days"):
        plan = {"design": "single_arm", "subgroups": [], "endpoints": ["pfs"], "tests": tests,
                "time": {"unit": unit, "days_per_month": DAYS}}
        out[unit] = make_table("pfs_overall", TableInputs(dataset), plan).set_index("statistic")["value"]
    km = kaplan_meier(dataset["pfs_days"], dataset["pfs_event"])
    expected = km.at([6 * DAYS, 12 * DAYS])["surv"]
    for unit, per_month in (("months", 1.0), ("weeks", DAYS / 7), ("days", DAYS)):
        assert np.allclose(out[unit][["survival_at_6", "survival_at_12"]], expected, rtol=1e-12), unit
        assert np.isclose(out[unit]["rmst_12"] / per_month, km.restricted_mean(12 * DAYS)[0] / DAYS, rtol=1e-12)
