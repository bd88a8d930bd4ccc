"""The reproduction report (tkicohort.reproduce.reproduction): status logic at the printed precision, one row per
published number, values computed from the cohort's tables (a perturbed cohort changes them), specific Zhujiang rows
checked by hand, the CSV round trip of the rule, and the HTML summary."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.io import read_csv, write_csv
from tkicohort.recist.stage import run_recist
from tkicohort.reproduce.reproduction import (
    COLUMNS,
    STATUSES,
    classify,
    load_publication,
    printed,
    reproduce_publication,
    reproduction_summary,
)
from tkicohort.stats.response import fisher_exact_2xk
from tkicohort.stats.tables import TableInputs, make_table, tables_for

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "resources" / "cohorts" / "zhujiang_2023"
PLAN = load_yaml(REPO / "config" / "plans" / "zhujiang.yaml")
ZHUJIANG = load_publication(REPO / "resources" / "studies" / "zhujiang_2023" / "published.yaml")
TEHRAN = load_publication(REPO / "resources" / "studies" / "tehran" / "published.yaml")


def _tables(dataset: pd.DataFrame, ingested: dict) -> dict[str, pd.DataFrame]:
    inputs = TableInputs(dataset=dataset, adverse_events=ingested["adverse_events"])
    return {name: make_table(name, inputs, PLAN) for name in tables_for(PLAN)}


def _report(dataset: pd.DataFrame, ingested: dict, visits: pd.DataFrame, document=ZHUJIANG) -> pd.DataFrame:
    data = {"visits": visits, **{k: ingested[k] for k in ("tumor_measurements", "adverse_events", "doses")}}
    return reproduce_publication(document, _tables(dataset, ingested), dataset, data=data).set_index("target_id")


@pytest.fixture(scope="module")
def ingested():
    return ingest_cohort(COHORT).tables


@pytest.fixture(scope="module")
def recist(ingested):
    return run_recist(ingested["patients"], ingested["tumor_measurements"], ingested["responses"], PLAN["recist"])


@pytest.fixture(scope="module")
def dataset(ingested, recist):
    return build_analysis_dataset(ingested["patients"], recist[1], PLAN, labs=ingested["labs"],
                                  adverse_events=ingested["adverse_events"], doses=ingested["doses"])


@pytest.fixture(scope="module")
def report(dataset, ingested, recist):
    return _report(dataset, ingested, recist[0])


# --- status logic on hand-made entries ---------------------------------------------------------------------------

def _entry(value: str, statistic: str = "percent", unit: str | None = None) -> dict:
    precision = len(value.split(".")[1]) if "." in value else 0
    return {"value": value, "precision": precision, "statistic": statistic, **({"unit": unit} if unit else {})}


@pytest.mark.parametrize(("value", "statistic", "unit", "got", "status"), [
    ("57.7", "percent", None, 15 / 26 * 100, "match"),
    ("30.7", "percent", None, 8 / 26 * 100, "close"),       # 30.77 prints 30.8
    ("64.5", "percent", None, 19 / 31 * 100, "differs"),
    ("6.5", "percent", None, 6.45, "match"),                 # half-up
    ("0", "percent", None, 0.0, "match"),
    ("19", "n", None, 19.0, "match"),
    ("19", "n", None, 18.0, "differs"),                      # counts have no tolerance
    ("<0.001", "p_value", None, 0.0004, "match"),
    ("<0.001", "p_value", None, 0.003, "close"),
    ("<0.001", "p_value", None, 0.2, "differs"),
    ("0.000", "p_value", None, 0.00039, "match"),
    ("1.000", "p_value", None, 1.0, "match"),
    ("0.038", "p_value", None, 0.0384, "match"),
    ("0.007", "p_value", None, 0.008, "close"),
    ("0.045", "p_value", None, 0.037, "differs"),            # 0.008 away
    ("0.045", "p_value", None, 0.0502, "differs"),           # within 0.005 but the other side of 0.05
    ("29.607", "km_mean", "months", 29.002, "close"),       # 5 % relative
    ("29.607", "km_mean", "months", 25.0, "differs"),
    ("16.5", "median", "months", 16.526, "match"),
    ("16.5", "median", "months", np.nan, "differs"),         # not reached
    ("58", "median", "years", 60.0, "close"),                # ten half-units, at most 5 %: ±2.9
    ("58", "median", "years", 62.0, "differs"),
    ("8", "range_max", "points", 4.0, "differs"),            # small integers: 5 % keeps ±5 from applying
    ("14", "scale_max", "points", 14.4, "match"),
])
def test_classify(value, statistic, unit, got, status):
    assert classify(_entry(value, statistic, unit), got)[0] == status


def test_printed_rounds_half_up_and_drops_negative_zero():
    assert printed(0.125, 2) == "0.13"
    assert printed(2.5, 0) == "3"
    assert printed(100 * 2 / 31, 1) == "6.5"
    assert printed(-0.0001, 2) == "0.00"
    assert printed(0.00043, 3) == "0.000"


def test_close_and_differs_notes_state_the_rule():
    _, tol, note = classify(_entry("30.7"), 30.769)
    assert tol == pytest.approx(0.5) and "±0.5" in note and "ten half-units" in note
    _, tol, note = classify(_entry("29.607", "km_mean", "months"), 29.0)
    assert tol == pytest.approx(0.05 * 29.607) and "5 %" in note
    assert "differs by +1" in classify(_entry("11", "n"), 12.0)[2]


# --- every Zhujiang number, once ---------------------------------------------------------------------------------

def test_every_zhujiang_number_gets_exactly_one_row(report):
    ids = [n["id"] for n in ZHUJIANG["numbers"]]
    assert len(ids) == 500
    assert list(report.index) == ids
    assert report.reset_index().columns.tolist() == COLUMNS
    assert set(report["status"]) <= set(STATUSES)
    assert not report["note"].str.contains("no resolver").any()


def test_statuses_are_consistent_with_values(report):
    computed = report["status"] != "not_reproducible"
    assert report.loc[computed & (report["status"] != "differs"), "reproduced"].notna().all()
    assert report.loc[~computed, "reproduced"].isna().all()
    assert (report.loc[~computed, "note"].str.len() > 0).all()
    assert (report.loc[computed, "source"].str.len() > 0).all()
    assert (report.loc[report["status"].isin(["close", "differs"]), "note"].str.len() > 0).all()


def test_external_numbers_are_not_reproducible(report):
    external = {k for k, p in ZHUJIANG["populations"].items() if p.get("external")}
    for n in ZHUJIANG["numbers"]:
        if n["population"] in external or n["table"] == "Table 6":
            assert report.loc[n["id"], "status"] == "not_reproducible", n["id"]
    assert (report.loc[report["table"] == "Table 6", "note"].str.startswith("another study")).all()


def test_dates_and_design_values_are_not_reproducible(report):
    """The data hold days from the first dose: no calendar date; the study period and scan schedule are design."""
    dates = [n["id"] for n in ZHUJIANG["numbers"] if n["statistic"] == "date"]
    assert len(dates) == 13  # study period (Methods, Abstract), three cases × 2, the article × 3
    assert (report.loc[dates, "status"] == "not_reproducible").all()
    notes = report.loc[dates + ["meth_scan_interval_min", "meth_scan_interval_max"], "note"]
    assert notes.str.contains("design value|calendar date|article itself").all(), notes
    assert report.loc["meth_scan_interval_max", "note"].startswith("a design value of the study")
    assert report.loc["txt_case2_scan_date", "note"].startswith("a typical case's calendar date")


def test_cases_and_claims_the_data_can_contradict_are_computed(report, dataset, recist):
    """Figure 4's cases: the nearest scan in response of a lung-only partial responder; "eleven progressed": the
    patients whose PFS ended in an event."""
    visits = recist[0]
    ev = dataset[dataset["evaluable"] == 1]
    ids = ev.loc[(ev["lung_only"] == 1) & (ev["bor"] == "PR"), "patient_id"]
    months = visits.loc[visits["patient_id"].isin(ids) & visits["overall_response"].isin(["CR", "PR"]),
                        "day"] / 30.4375
    for key, printed_months in (("fig4_case1_months", 28), ("fig4_case2_months", 46)):
        nearest = months.iloc[(months - printed_months).abs().argmin()]
        assert report.loc[key, "reproduced"] == pytest.approx(nearest)
    assert report.loc["txt_pd_n", "reproduced"] == int(ev["pfs_event"].sum())


def test_most_numbers_match_and_whole_tables_match(report):
    counts = report["status"].value_counts()
    assert counts["match"] > 300
    for table in ("Table 3", "Table 5"):
        assert (report.loc[report["table"] == table, "status"] == "match").all(), table


# --- specific rows by hand -----------------------------------------------------------------------------------------

def test_table2_disease_control_by_hand(report, dataset):
    ev = dataset[dataset["evaluable"] == 1]
    k = int(ev["bor"].isin(["CR", "PR", "SD"]).sum())
    assert report.loc["t2_dc_n", "reproduced"] == k == 15
    assert report.loc["t2_dc_pct", "reproduced"] == pytest.approx(100 * k / len(ev))
    assert report.loc[["t2_dc_n", "t2_dc_pct", "abs_dcr_pct", "disc_dcr_pct"], "status"].eq("match").all()
    assert report.loc["t2_dc_pct", "source"].startswith("tables/efficacy.csv")


def test_table3_fisher_p_by_hand(report, dataset):
    ev = dataset[dataset["evaluable"] == 1]
    inside = ev["lung_only"] == 1
    table = np.array([[ev.loc[inside, "orr"].sum(), ev.loc[~inside, "orr"].sum()],
                      [(ev.loc[inside, "orr"] == 0).sum(), (ev.loc[~inside, "orr"] == 0).sum()]])
    assert report.loc["t3_lung_only_orr_p", "reproduced"] == pytest.approx(fisher_exact_2xk(table))
    assert report.loc["t3_lung_only_orr_p", "status"] == "match"


def test_table5_and_metastasis_site_shares_by_hand(report, dataset):
    assert report.loc["t5_hfs_any_n", "reproduced"] == 29
    assert report.loc["t5_liver_g34_pct", "reproduced"] == pytest.approx(100 * 2 / 31)
    lung, distant = int(dataset["met_lung"].sum()), int(dataset["distant_metastasis"].sum())
    assert report.loc["t1_site_lung_pct", "reproduced"] == pytest.approx(100 * lung / distant)
    assert report.loc["t1_site_lung_pct", "status"] == "match"


def test_publication_conflicts_show_in_the_notes(report):
    row = report.loc["t2_sd_pct"]
    assert row["status"] == "close" and "publication conflict (rounding)" in row["note"]
    row = report.loc["disc_dose_reduction_pct"]
    assert row["status"] == "differs" and row["reproduced"] == pytest.approx(100 * 18 / 26)
    assert "publication conflict (arithmetic)" in row["note"]
    assert report.loc["t1_rai_uptake_no_n", "status"] == "differs"  # the evaluable tables were followed


def test_survival_rows_read_the_pfs_tables(report, dataset):
    from lifelines.statistics import logrank_test

    ev = dataset[dataset["evaluable"] == 1]
    from tkicohort.stats.kaplan_meier import kaplan_meier

    assert report.loc["txt_pfs_median", "reproduced"] == pytest.approx(
        kaplan_meier(ev["pfs_months"], ev["pfs_event"]).median()[0], nan_ok=True)
    male = ev["sex"] == "M"
    p = logrank_test(ev.loc[male, "pfs_months"], ev.loc[~male, "pfs_months"], ev.loc[male, "pfs_event"],
                     ev.loc[~male, "pfs_event"]).p_value
    assert report.loc["t4_sex_p", "reproduced"] == pytest.approx(p, rel=1e-9)
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    no_hfs = ev[ev["hfs"] == 0]  # the KM mean restricted to the group's largest time (SPSS, as Table 4)
    km = KaplanMeierFitter().fit(no_hfs["pfs_months"], no_hfs["pfs_event"])
    mean = restricted_mean_survival_time(km, t=no_hfs["pfs_months"].max())
    assert report.loc["t4_hfs_no_km_mean", "reproduced"] == pytest.approx(mean, rel=1e-9)
    assert "pfs_by_subgroup" in report.loc["t4_disease_control_p", "source"]


# --- values are computed, never read back ------------------------------------------------------------------------

def test_flipping_one_response_changes_the_affected_rows(report, dataset, ingested, recist):
    flipped = dataset.copy()
    pr = flipped.index[(flipped["evaluable"] == 1) & (flipped["bor"] == "PR")][0]
    flipped.loc[pr, ["bor", "dcr", "orr"]] = ["PD", 0, 0]
    again = _report(flipped, ingested, recist[0])
    assert again.loc["t2_pr_n", "reproduced"] == 6 and again.loc["t2_pr_n", "status"] == "differs"
    assert again.loc["t2_dc_n", "reproduced"] == 14 and again.loc["t2_pd_n", "reproduced"] == 12
    assert again.loc["abs_orr_pct", "reproduced"] == pytest.approx(100 * 6 / 26)
    assert (again.loc["t3_sex_male_dcr_pct", "reproduced"] != report.loc["t3_sex_male_dcr_pct", "reproduced"]
            or again.loc["t3_sex_female_dcr_pct", "reproduced"] != report.loc["t3_sex_female_dcr_pct",
                                                                             "reproduced"])
    untouched = ["t1_age_median", "t5_hfs_any_n", "t1_sex_male_n"]
    assert (again.loc[untouched, "reproduced"] == report.loc[untouched, "reproduced"]).all()


def test_dropping_a_patient_changes_counts_and_denominators(dataset, ingested, recist):
    evaluable_pr = dataset.index[(dataset["evaluable"] == 1) & (dataset["bor"] == "PR")][0]
    again = _report(dataset.drop(index=evaluable_pr), ingested, recist[0])
    assert again.loc["txt_treated_n", "reproduced"] == 30
    assert again.loc["txt_evaluable_n", "reproduced"] == 25
    assert again.loc["t2_pr_pct", "reproduced"] == pytest.approx(100 * 6 / 25)
    assert again.loc["t2_sd_pct", "reproduced"] == pytest.approx(100 * 8 / 25)
    assert again.loc["t1_age_ge55_n", "status"] == "differs" or again.loc["t1_age_lt55_n", "status"] == "differs"


def test_an_edited_published_value_does_not_change_the_reproduced_one(dataset, ingested, recist):
    document = copy.deepcopy(ZHUJIANG)
    entry = next(n for n in document["numbers"] if n["id"] == "t2_pr_n")
    entry["value"] = "99"
    again = _report(dataset, ingested, recist[0], document)
    assert again.loc["t2_pr_n", "reproduced"] == 7 and again.loc["t2_pr_n", "status"] == "differs"


# --- the rule's path: tables written and read back as CSV -----------------------------------------------------------

def test_reading_the_tables_back_from_csv_gives_the_same_report(report, dataset, ingested, recist, tmp_path):
    tables = _tables(dataset, ingested)
    for name, frame in tables.items():
        write_csv(frame, tmp_path / f"{name}.csv")
    write_csv(dataset, tmp_path / "patients.csv")
    write_csv(recist[0], tmp_path / "visits.csv")
    back = {p.stem: read_csv(p) for p in tmp_path.glob("*.csv") if p.stem in tables}
    ds = read_csv(tmp_path / "patients.csv", dtype={"patient_id": str})
    data = {"visits": read_csv(tmp_path / "visits.csv", dtype={"patient_id": str}),
            **{k: ingested[k] for k in ("tumor_measurements", "adverse_events", "doses")}}
    again = reproduce_publication(ZHUJIANG, back, ds, data=data).set_index("target_id")
    assert (again["status"] == report["status"]).all()
    assert np.allclose(again["reproduced"], report["reproduced"], equal_nan=True)


# --- summary and other studies -------------------------------------------------------------------------------------

def test_summary_counts_statuses_and_lists_every_non_match(report):
    page = reproduction_summary(report.reset_index(), "Reproduction <zhujiang>")
    assert page.startswith("<!DOCTYPE html>") and "Reproduction &lt;zhujiang&gt;" in page
    counts = report["status"].value_counts()
    assert f"<th>all</th><td>{counts['match']}</td>" in page
    for key in report.index[report["status"] != "match"]:
        assert f"<td>{key}</td>" in page
    assert "<td>t2_dc_n</td>" not in page


TEHRAN_COHORT = REPO / "resources" / "cohorts" / "tehran"


def test_without_tables_every_number_waits_for_the_cohort():
    frame = reproduce_publication(TEHRAN, {}, pd.DataFrame({"patient_id": [], "arm": []}))
    assert frame["target_id"].tolist() == [n["id"] for n in TEHRAN["numbers"]]
    assert (frame["status"] == "not_reproducible").all()
    assert frame["note"].str.startswith("cohort not yet available").all()


def test_tehran_resolvers_read_the_arm_of_the_population():
    plan = load_yaml(REPO / "config" / "plans" / "tehran.yaml")
    bor = ["PR", "SD", "SD", "PD", "PR", "SD", "PD", "PD", "PD"]
    arm = ["sorafenib"] * 4 + ["control"] * 5
    dataset = pd.DataFrame({"patient_id": [f"P{i}" for i in range(9)], "arm": arm, "evaluable": 1, "bor": bor,
                            "dcr": [int(b != "PD") for b in bor], "orr": [int(b == "PR") for b in bor],
                            "pfs_months": 12.0, "dor_months": np.nan, "dor_event": np.nan})
    inputs = TableInputs(dataset=dataset)
    tables = {name: make_table(name, inputs, plan) for name in ("response_by_arm", "efficacy")}
    frame = reproduce_publication(TEHRAN, tables, dataset).set_index("target_id")
    assert frame.loc["t2_cbr_sorafenib_n", "reproduced"] == 3 and frame.loc["t2_cbr_control_n", "reproduced"] == 2
    assert frame.loc["t2_cbr_sorafenib_pct", "reproduced"] == pytest.approx(75.0)
    assert frame.loc["txt_resp_pd_control_n", "reproduced"] == 3
    assert frame.loc["txt_resp_cr_n", "reproduced"] == 0 and frame.loc["txt_resp_cr_n", "status"] == "match"
    assert frame.loc["txt_sorafenib_n", "reproduced"] == 4
    assert frame.loc["t2_cbr_p", "reproduced"] == pytest.approx(tables["response_by_arm"]["p"].iloc[-1])
    missing = frame.loc["t3_physical_sorafenib_median"]
    assert missing["status"] == "not_reproducible" and "no qol table" in missing["note"]
    assert frame.loc["t3_emotional_scale_max", "reproduced"] == 16  # four items of 1–4; printed 14 (a conflict)
    assert frame.loc["abs_dose_min", "status"] == "not_reproducible"


@pytest.mark.skipif(not (TEHRAN_COHORT / "patients.csv").exists(), reason="the Tehran cohort is not in resources/cohorts yet")
def test_every_tehran_number_is_resolved_on_the_tehran_cohort():
    plan = load_yaml(REPO / "config" / "plans" / "tehran.yaml")
    ingested = ingest_cohort(TEHRAN_COHORT).tables
    visits, best = run_recist(ingested["patients"], ingested["tumor_measurements"], ingested["responses"],
                              plan["recist"])
    dataset = build_analysis_dataset(ingested["patients"], best, plan, labs=ingested["labs"],
                                     adverse_events=ingested["adverse_events"], doses=ingested["doses"])
    inputs = TableInputs(dataset=dataset, adverse_events=ingested["adverse_events"], qol=ingested["qol"])
    tables = {name: make_table(name, inputs, plan) for name in tables_for(plan, has_qol=True)}
    data = {"visits": visits, **{k: ingested[k] for k in ("tumor_measurements", "adverse_events", "doses")}}
    frame = reproduce_publication(TEHRAN, tables, dataset, data=data).set_index("target_id")
    assert list(frame.index) == [n["id"] for n in TEHRAN["numbers"]]
    unresolved = frame[frame["status"] == "not_reproducible"]
    design = {"abs_followup_years", "abs_dose_min", "abs_dose_max", "meth_followup_years", "meth_scan_interval"}
    assert set(unresolved.index) == design, unresolved["note"]
    assert unresolved["note"].str.startswith("a design value of the study").all()
    counts = frame[frame["statistic"].isin(["n", "count_total"])]
    assert (counts["status"] == "match").all(), counts.loc[counts["status"] != "match", "reproduced"]


# --- origins and the ensemble of a reconstructed cohort ------------------------------------------------------------

def _ensemble(rows):
    frame = pd.DataFrame(rows, columns=["target_id", "origin", "ensemble_median", "ensemble_low", "ensemble_high",
                                        "published_percentile"])
    return frame


def test_held_out_rows_follow_the_ensemble_range(dataset, ingested, recist):
    ensemble = _ensemble([("t4_sex_p", "held_out", 0.10, 0.02, 0.40, 4.0),      # 0.038 inside
                          ("t4_age_p", "held_out", 0.30, 0.01, 0.60, 99.0),     # 0.744 outside
                          ("t2_pr_n", "designed", np.nan, np.nan, np.nan, np.nan)])
    data = {"visits": recist[0], **{k: ingested[k] for k in ("tumor_measurements", "adverse_events", "doses")}}
    frame = reproduce_publication(ZHUJIANG, _tables(dataset, ingested), dataset, data=data,
                                  ensemble=ensemble).set_index("target_id")
    assert frame.loc["t4_sex_p", "status"] == "match" and frame.loc["t4_sex_p", "origin"] == "held_out"
    assert frame.loc["t4_sex_p", "note"].startswith("held out: within the ensemble's 95 % range [0.0200, 0.4000]")
    assert frame.loc["t4_age_p", "status"] == "differs" and "outside" in frame.loc["t4_age_p", "note"]
    assert frame.loc["t2_pr_n", "origin"] == "designed" and frame.loc["t2_pr_n", "status"] == "match"
    assert frame.loc["t1_age_median", "origin"] == "" and np.isnan(frame.loc["t1_age_median", "ensemble_low"])
    page = reproduction_summary(frame.reset_index(), "R", pd.DataFrame(
        {"statistic": ["max_events_14d"], "direction": ["high"], "value": [3.0], "ensemble_median": [4.0],
         "limit": [7.0], "percentile": [20.0], "status": ["pass"]}))
    first = page.index("<h3>")
    assert page[first:].startswith("<h3>Held-out numbers: 1 of 2 within the ensemble's 95 % range</h3>")
    assert page.index("Where the agreement comes from") < page.index("Plausibility: 1 of 1") < page.index(
        "All published numbers")
