"""Best overall response, confirmation, evaluability and PFS against hand-derived expectations."""

from __future__ import annotations

import pandas as pd
import pytest
from recist_builders import patients, visits
from tkicohort.recist.best_overall_response import derive_best_response
from tkicohort.recist.progression_free_survival import derive_pfs


def best(responses, days, **kw):
    v = visits("P1", responses, days)
    return derive_best_response(v, patients(["P1"]), **kw).iloc[0]


@pytest.mark.parametrize(("responses", "days", "bor", "confirmed"), [
    (["PR", "PR"], [56, 112], "PR", "PR"),                      # confirmed 56 days later
    (["PR", "PR"], [56, 83], "PR", "SD"),                       # 27 days: too early → SD (day 56 ≥ 42)
    (["PR", "PR"], [56, 84], "PR", "PR"),                       # exactly 28 days confirms
    (["CR", "CR"], [56, 112], "CR", "CR"),
    (["CR", "PR"], [56, 112], "CR", "PR"),                      # CR then PR: a confirmed PR
    (["PR", "CR"], [56, 112], "CR", "PR"),                      # the CR itself is unconfirmed
    (["PR", "NE", "PR"], [56, 84, 112], "PR", "PR"),            # one NE between is allowed
    (["PR", "NE", "NE", "PR"], [56, 70, 84, 112], "PR", "SD"),  # two are not
    (["PR", "SD", "PR"], [56, 84, 112], "PR", "SD"),            # an SD between breaks confirmation
    (["PR", "SD"], [56, 112], "PR", "SD"),                      # unconfirmed PR falls back to SD
    (["PR", "PD"], [28, 56], "PR", "PD"),                       # PR too early for SD, then PD
    (["PR"], [28], "PR", "NE"),                                 # PR too early for SD, nothing after
    (["SD"], [41], "NE", "NE"),                                 # SD one day short of 42
    (["SD"], [42], "SD", "SD"),                                 # SD at day 42 counts
    (["SD", "PD"], [28, 56], "PD", "PD"),                       # too-short SD then PD
    (["PD", "PR", "PR"], [56, 112, 168], "PD", "PD"),           # only assessments up to the first PD count
    (["NE", "NE"], [56, 112], "NE", "NE"),
    (["NON-CR/NON-PD", "NON-CR/NON-PD"], [56, 112], "NON-CR/NON-PD", "NON-CR/NON-PD"),
])
def test_best_response_rules(responses, days, bor, confirmed):
    row = best(responses, days)
    assert (row["bor"], row["bor_confirmed"]) == (bor, confirmed)


def test_plan_parameters_change_the_rules():
    assert best(["SD"], [30], min_sd_days=28)["bor"] == "SD"
    assert best(["PR", "PR"], [56, 84], confirmation_days=56)["bor_confirmed"] == "SD"
    assert best(["PR", "NE", "NE", "PR"], [56, 70, 84, 112], max_ne_between=2)["bor_confirmed"] == "PR"


def test_days_and_best_change():
    v = visits("P1", ["SD", "PR", "PR", "PD", "SD"], [56, 112, 168, 224, 280])
    v["pct_from_baseline"] = [-10.0, -35.0, -40.0, -5.0, -50.0]
    row = derive_best_response(v, patients(["P1"])).iloc[0]
    # The −50 % at day 280 comes after the first PD and does not count.
    assert row["best_pct_change"] == -40.0
    assert (row["first_response_day"], row["pd_day"], row["last_assessment_day"]) == (112, 224, 224)


def test_evaluability():
    v = pd.concat([visits("A", ["PR"], [56]), visits("B", ["NE"], [56]), visits("C", ["SD"], [56])])
    measurable = pd.DataFrame({"patient_id": ["A", "B", "C"], "has_measurable_target": [True, True, False]})
    out = derive_best_response(v, patients(["A", "B", "C", "D", "E"], excluded={"E": "surgery on treatment"}),
                               measurable=measurable).set_index("patient_id")
    assert out["evaluable"].to_dict() == {"A": 1, "B": 0, "C": 0, "D": 0, "E": 0}
    assert out.loc["B", "not_evaluable_reason"] == "no evaluable post-baseline assessment"
    assert out.loc["C", "not_evaluable_reason"] == "no measurable disease at baseline"
    # D has no measurements at all, so no target lesion at baseline either.
    assert out.loc["D", "not_evaluable_reason"] == "no measurable disease at baseline"
    assert out.loc["E", "not_evaluable_reason"] == "surgery on treatment"
    assert (out.loc["C", "bor"], out.loc["E", "bor_confirmed"]) == ("NE", "NE")


def test_pfs():
    v = pd.concat([visits("A", ["SD", "PD"], [56, 112]), visits("B", ["SD", "SD"], [56, 112]),
                   visits("C", ["SD", "NE"], [56, 112]), visits("D", ["SD", "PD"], [56, 112])])
    pts = patients(["A", "B", "C", "D", "E"], death_day={"B": 300, "D": 90, "E": 20})
    b = derive_best_response(v, pts)
    pfs = derive_pfs(b, pts).set_index("patient_id")
    assert pfs.loc["A", ["pfs_days", "pfs_event"]].tolist() == [112, 1]   # PD
    assert pfs.loc["B", ["pfs_days", "pfs_event"]].tolist() == [300, 1]   # death without PD
    assert pfs.loc["C", ["pfs_days", "pfs_event"]].tolist() == [56, 0]    # censored at the last adequate (not NE)
    assert pfs.loc["D", ["pfs_days", "pfs_event"]].tolist() == [90, 1]    # death before the PD day
    assert pfs.loc["E", ["pfs_days", "pfs_event"]].tolist() == [20, 1]    # death, no assessment
    gap = derive_pfs(b, pts, max_gap_days=150).set_index("patient_id")
    # B died 188 days after the last adequate assessment (day 112): censored there.
    assert gap.loc["B", ["pfs_days", "pfs_event"]].tolist() == [112, 0]


@pytest.mark.parametrize(("responses", "days", "confirmed_start", "first_cr_pr"), [
    (["PR", "CR", "CR"], [56, 112, 168], 56, 56),          # a PR confirmed by a later CR: the response starts at 56
    (["SD", "PR", "PR"], [56, 112, 168], 112, 112),
    (["PR", "SD", "PR", "PR"], [56, 84, 140, 196], 140, 56),  # the first PR is broken by an SD, not confirmed
    (["PR", "SD"], [56, 112], None, 56),                     # never confirmed
    (["SD", "PD", "PR"], [56, 112, 168], None, None),        # a PR after the first PD does not count
])
def test_first_response_days(responses, days, confirmed_start, first_cr_pr):
    row = best(responses, days)
    for column, expected in (("first_response_day", confirmed_start), ("first_response_day_unconfirmed", first_cr_pr)):
        assert (pd.isna(row[column]) if expected is None else row[column] == expected), column
