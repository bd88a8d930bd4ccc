"""Efficacy table on hand-made datasets: counts, rates, duration bands, duration of response, one definition of
response throughout (confirmation) and the response population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tkicohort.stats.efficacy import DOR_SECTION, efficacy_table
from tkicohort.stats.tables import TableInputs, make_table, title_for

DPM = 30.4375


def hand_dataset() -> pd.DataFrame:
    # Four responders with durations of response 3 (event), 6 (event), 9 (censored), 12 (event) months.
    ds = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 9)],
        "evaluable": [1, 1, 1, 1, 1, 1, 1, 0],
        "bor": ["PR", "PR", "CR", "PR", "SD", "PD", "SD", "NE"],
        "dcr": [1, 1, 1, 1, 1, 0, 1, None],
        "orr": [1, 1, 1, 1, 0, 0, 0, None],
        "pfs_months": [5.0, 8.0, 12.0, 15.0, 5.9, 2.0, 6.0, 1.0],
        "dor_months": [3.0, 6.0, 9.0, 12.0, np.nan, np.nan, np.nan, np.nan],
        "dor_event": [1, 1, 0, 1, np.nan, np.nan, np.nan, np.nan],
    })
    ds["dor_days"] = ds["dor_months"] * DPM
    return ds


def test_counts_rates_and_bands():
    ds = hand_dataset()
    t = efficacy_table(ds[ds["evaluable"] == 1]).set_index(["section", "item"])
    bor, rate, band = "best overall response", "rate", "disease control duration"
    assert (t.loc[(bor, "PR"), "n"], t.loc[(bor, "PR"), "denominator"]) == (3, 7)
    assert t.loc[(bor, "PR"), "pct"] == pytest.approx(300 / 7)
    assert (bor, "NE") not in t.index and t.loc[(bor, "CR"), "n"] == 1
    dcr = t.loc[(rate, "disease control (CR+PR+SD)")]
    assert (dcr["n"], dcr["pct"]) == (6, pytest.approx(600 / 7))
    # Clopper–Pearson for 6/7: R binom.test(6, 7)$conf.int = 0.4212768 0.9963897
    assert dcr["ci_low_pct"] == pytest.approx(42.12768, abs=1e-4)
    assert dcr["ci_high_pct"] == pytest.approx(99.63897, abs=1e-4)
    # Controlled patients' PFS 5, 8, 12, 15, 5.9, 6 → [0,6): 2, [6,12): 2, [12,18): 2, [18,∞): 0.
    assert [t.loc[(band, b), "n"] for b in ("0 to < 6 months", "6 to < 12 months", "12 to < 18 months",
                                           "≥ 18 months")] == [2, 2, 2, 0]


def test_duration_of_response_counts_from_first_response_and_km_median():
    t = efficacy_table(hand_dataset().query("evaluable == 1")).set_index(["section", "item"])
    # DoR 3, 6, 9, 12 months: ≥ 6 → 3, ≥ 12 → 1, ≥ 18 → 0 (by PFS from day 0 it would have been 4, 2, 0)
    assert [t.loc[(DOR_SECTION, f"≥ {m} months"), "n"] for m in (6, 12, 18)] == [3, 1, 0]
    median = t.loc[(DOR_SECTION, "median, Kaplan–Meier (months)")]
    # KM: S = 3/4 after 3, 1/2 after 6, censored at 9, 0 at 12; S is exactly 0.5 from 6 to 12, so R's median is the
    # midpoint 9.
    assert (median["n"], median["events"], median["median"]) == (4, 3, 9.0)
    assert np.isnan(median["pct"])


def _plan(**recist):
    return {"design": "single_arm", "subgroups": [], "recist": recist}


def test_confirmation_required_uses_confirmed_responses_throughout_and_says_so():
    ds = pd.DataFrame({
        "patient_id": ["A", "B", "C", "D"], "evaluable": 1,
        "bor": ["CR", "PR", "PR", "SD"], "bor_confirmed": ["PR", "SD", "PR", "SD"],
        "dcr": [1, 1, 1, 1], "orr": [1, 0, 1, 0],  # the flags of confirmed responses (tkicohort.derive)
        "pfs_months": 10.0, "dor_months": [8.0, np.nan, 5.0, np.nan], "dor_event": [0, np.nan, 0, np.nan]})
    plan = _plan(require_confirmation=True, confirmation_days=28)
    t = make_table("efficacy", TableInputs(ds), plan).set_index(["section", "item"])
    bor = "best overall response"
    assert (t.loc[(bor, "CR"), "n"], t.loc[(bor, "PR"), "n"]) == (0, 2)  # not CR 1 + PR 2 beside ORR 2
    assert t.loc[("rate", "objective response (CR+PR)"), "n"] == 2
    assert "confirmed responses" in title_for("efficacy", plan)
    assert "confirmed ≥ 28 days" in title_for("response_by_subgroup", plan)
    unconfirmed = make_table("efficacy", TableInputs(ds), _plan(require_confirmation=False))
    assert unconfirmed.set_index(["section", "item"]).loc[(bor, "CR"), "n"] == 1
    assert "without confirmation" in title_for("efficacy", _plan())


def test_response_population_is_the_denominator_and_non_evaluable_patients_are_non_responders():
    ds = hand_dataset()
    plan = _plan()
    t = make_table("efficacy", TableInputs(ds), plan).set_index(["section", "item"])
    assert t.loc[("rate", "objective response (CR+PR)"), "denominator"] == 7  # default: evaluable == 1
    plan["populations"] = {"response": None}  # every treated patient (intention to treat)
    t = make_table("efficacy", TableInputs(ds), plan).set_index(["section", "item"])
    orr = t.loc[("rate", "objective response (CR+PR)")]
    assert (orr["n"], orr["denominator"]) == (4, 8)
    assert t.loc[("best overall response", "NE"), "n"] == 1
    assert "all patients" in title_for("efficacy", plan)
