"""Per-assessment RECIST 1.1 rules, each against a hand-derived expectation."""

from __future__ import annotations

import pytest
from recist_builders import frame, new_lesion, nontargets, targets
from tkicohort.recist.assessment import (
    NA,
    OVERALL_RESPONSE,
    classify_visits,
    measurable_at_baseline,
    overall_response,
)

D = [-7, 56, 112, 168]


def responses(rows):
    v = classify_visits(frame(rows))
    return v["target_response"].tolist(), v["overall_response"].tolist()


@pytest.mark.parametrize(("name", "series", "nodal", "expected"), [
    # baseline 50 → 35 is exactly −30 %: PR (35·100 = 3500 ≤ 70·50 = 3500).
    ("exactly -30% is PR", {"T1": [30, 21, 21, 21], "T2": [20, 14, 14, 14]}, None, ["PR", "PR", "PR"]),
    # −29.9 %: baseline 100.0, 70.1 → SD.
    ("-29.9% is SD", {"T1": [100.0, 70.1, 70.1, 70.1]}, None, ["SD", "SD", "SD"]),
    # nadir 25 (baseline) → 30: +20 % and +5 mm: PD.
    ("exactly +20% and 5 mm is PD", {"T1": [25, 30, 30, 30]}, None, ["PD", "PD", "PD"]),
    # nadir 20 → 24: +20 % but only +4 mm: SD.
    ("+20% but 4 mm is SD", {"T1": [20, 24, 24, 24]}, None, ["SD", "SD", "SD"]),
    # Sums 10.1 + 20.2 + 30.3 = 60.6 → 42.42 is −30 % exactly (42.42·100 = 4242 = 70·60.6); floats would miss it.
    ("decimals at -30% exactly", {"T1": [10.1, 7.07, 7.07, 7.07], "T2": [20.2, 14.14, 14.14, 14.14],
                                  "T3": [30.3, 21.21, 21.21, 21.21]}, None, ["PR", "PR", "PR"]),
    # nadir after response: 50 → 30 (PR) → 36: +20 % of the nadir 30 and +6 mm → PD though still −28 % of baseline.
    ("PD from the nadir, not the baseline", {"T1": [50, 30, 36, 36]}, None, ["PR", "PD", "PD"]),
    # all lesions gone (nadir 0) then 5 mm reappears: PD; 4 mm would not be.
    ("nadir 0 then 5 mm reappearance", {"T1": [20, 0, 5, 5]}, None, ["CR", "PD", "PD"]),
    # 4 mm over a nadir of 0 is under the 5 mm rule, so not PD; 4 vs baseline 20 is −80 %: PR.
    ("nadir 0 then 4 mm", {"T1": [20, 0, 4, 4]}, None, ["CR", "PR", "PR"]),
    # nodal target shrinks to 9 mm and the non-nodal disappears: CR although the sum is 9 mm.
    ("nodal < 10 mm is CR", {"T1": [20, 0, 0, 0], "N1": [18, 9, 9.9, 10]}, {"N1": 1}, ["CR", "CR", "PR"]),
    # too small to measure (5 mm) prevents CR.
    ("too small to measure is not CR", {"T1": [20, 5, 5, 5]}, None, ["PR", "PR", "PR"]),
    # a target not evaluated: NE (T2 blank at day 56: 20 measured vs nadir 40), unless the measured ones already
    # give PD (day 112: 50 measured vs nadir 40 is +25 % and +10 mm); day 168 complete again: 40 vs 40, SD.
    ("NE unless already PD", {"T1": [20, 20, 50, 20], "T2": [20, None, None, 20]}, None, ["NE", "PD", "SD"]),
    # a missing row is the same as a blank diameter.
    ("missing row is NE", {"T1": [20, 20, 20, 20], "T2": [20, "skip", 20, 20]}, None, ["NE", "SD", "SD"]),
    # NE does not update the nadir: 40 → (NE) → 48 is +20 % and +8 mm of 40: PD.
    ("NE does not update the nadir", {"T1": [20, 10, 24, 24], "T2": [20, None, 24, 24]}, None, ["NE", "PD", "PD"]),
])
def test_target_rules(name, series, nodal, expected):
    target, overall = responses(targets("P1", series, D, nodal))
    assert target == expected


def test_split_and_merged_lesions():
    # T1 (30 mm) splits into 12 + 10 at day 56 → 22; with T2 20: 42 vs baseline 50: −16 % SD.
    rows = targets("P1", {"T1": [30, "skip", "skip", "skip"], "T2": [20, 20, 20, 20]}, D)
    rows += targets("P1", {"T1/a": ["skip", 12, 12, 12], "T1/b": ["skip", 10, 10, 10]}, D)
    v = classify_visits(frame(rows))
    assert v["sum_mm"].tolist() == [42.0, 42.0, 42.0]
    # Merged: T1 and T2 merge into one mass of 33 mm recorded under T1, T2 = 0: 33 vs 50 → −34 %: PR.
    rows = targets("P2", {"T1": [30, 33, 33, 33], "T2": [20, 0, 0, 0]}, D)
    assert classify_visits(frame(rows))["target_response"].tolist() == ["PR", "PR", "PR"]


def test_baseline_is_last_on_or_before_day_0():
    rows = targets("P1", {"T1": [40, 20, 20]}, [-30, 0, 56])
    v = classify_visits(frame(rows))
    assert v["day"].tolist() == [56] and v["pct_from_baseline"].tolist() == [0.0]


@pytest.mark.parametrize(("statuses", "expected"), [
    (["present", "present", "present", "present"], "NON-CR/NON-PD"),
    (["present", "absent", "absent", "absent"], "CR"),
    (["present", "progression", "progression", "progression"], "PD"),
    (["present", None, None, None], "NE"),
    (["present", "skip", "skip", "skip"], "NE"),
])
def test_nontarget_rules(statuses, expected):
    rows = targets("P1", {"T1": [20, 20, 20, 20]}, D) + nontargets("P1", {"B1": statuses}, D)
    assert set(classify_visits(frame(rows))["nontarget_response"]) == {expected}


def test_new_lesion_is_pd_and_patient_without_nontarget_is_not_applicable():
    rows = targets("P1", {"T1": [30, 15, 15, 15]}, D) + new_lesion("P1", 112)
    v = classify_visits(frame(rows))
    assert v["overall_response"].tolist() == ["PR", "PD", "PR"]
    assert v["new_lesion"].tolist() == [0, 1, 0]
    assert v["nontarget_response"].isna().all()


# Every cell of RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only), without new lesions.
TABLE_1 = [("CR", "CR", "CR"), ("CR", NA, "CR"), ("CR", "NON-CR/NON-PD", "PR"), ("CR", "NE", "PR"),
           ("PR", "NON-CR/NON-PD", "PR"), ("PR", "NE", "PR"), ("PR", NA, "PR"), ("PR", "CR", "PR"),
           ("SD", "NON-CR/NON-PD", "SD"), ("SD", "NE", "SD"), ("SD", NA, "SD"), ("SD", "CR", "SD"),
           ("NE", "NON-CR/NON-PD", "NE"), ("NE", NA, "NE"), ("NE", "CR", "NE"), ("NE", "NE", "NE"),
           ("PD", "CR", "PD"), ("PD", "NON-CR/NON-PD", "PD"), ("PD", "NE", "PD"), ("PD", NA, "PD"),
           ("CR", "PD", "PD"), ("PR", "PD", "PD"), ("SD", "PD", "PD"), ("NE", "PD", "PD"), ("PD", "PD", "PD")]
TABLE_2 = [(NA, "CR", "CR"), (NA, "NON-CR/NON-PD", "NON-CR/NON-PD"), (NA, "NE", "NE"), (NA, "PD", "PD")]


@pytest.mark.parametrize(("target", "nontarget", "expected"), TABLE_1 + TABLE_2)
def test_recist_tables_1_and_2(target, nontarget, expected):
    import pandas as pd

    t = pd.Series([None if target == NA else target] * 2)
    n = pd.Series([None if nontarget == NA else nontarget] * 2)
    assert overall_response(t, n, pd.Series([0, 1])).tolist() == [expected, "PD"]  # any new lesion → PD
    assert OVERALL_RESPONSE[(target, nontarget)] == expected


def test_nontarget_only_patient_uses_table_2():
    rows = nontargets("P1", {"B1": ["present", "present", "absent", "progression"]}, D)
    v = classify_visits(frame(rows))
    # day 56 present → NON-CR/NON-PD; day 112 absent → CR; day 168 progression → PD.
    assert v["overall_response"].tolist() == ["NON-CR/NON-PD", "CR", "PD"]
    assert v["target_response"].isna().all()


def test_measurable_at_baseline():
    rows = (targets("A", {"T1": [10, 9]}, [-1, 56]) + targets("B", {"T1": [9.9, 9]}, [-1, 56])
            + targets("C", {"N1": [15, 9]}, [-1, 56], {"N1": 1}) + targets("D", {"N1": [14.9, 9]}, [-1, 56], {"N1": 1}))
    m = measurable_at_baseline(frame(rows)).set_index("patient_id")["has_measurable_target"]
    assert m.to_dict() == {"A": True, "B": False, "C": True, "D": False}
