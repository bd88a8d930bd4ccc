"""The audit's checks of survival summaries, dates, wording and trial arms, and the comparison of one quantity printed
in several places: each on small hand-made publication files, a case that passes and cases that are flagged, with
the arithmetic done by hand in the comments."""

from __future__ import annotations

import pytest
from tkicohort import audit as A
from tkicohort.audit.compare import compare


def num(id_: str, statistic: str, value: str, population: str = "all", table: str = "Results text", **extra) -> dict:
    """One number; precision from the printed value (0 for a date)."""
    precision = 0 if statistic == "date" else len(value.lstrip("<>").partition(".")[2])
    return {"id": id_, "table": table, "row": extra.pop("row", id_), "column": extra.pop("column", ""),
            "statistic": statistic, "value": value, "precision": precision, "population": population, **extra}


def pub(*numbers, populations=None, claims=(), conflicts=()) -> A.Publication:
    pops = {}
    for name, spec in (populations or {"all": 22}).items():
        pops[name] = {"description": name, **({"n": spec} if isinstance(spec, int) else spec)}
    return A.Publication.from_dict({"study": "x", "populations": pops, "numbers": list(numbers),
                                    "claims": list(claims), "conflicts": list(conflicts)})


def flagged(rows):
    return [r for r in rows if r["severity"] != "ok"]


def one(rows, check=None):
    rows = [r for r in rows if check is None or r["check"] == check]
    assert len(rows) == 1, rows
    return rows[0]


# ---------------------------------------------------------------------------------------------------- compare


def test_values_agree_within_their_rounding():
    # 16.5 stands for [16.45, 16.55), 17 for [16.5, 17.5): 16.5 fits both
    assert compare([num("a", "median", "16.5"), num("b", "median", "17")]).severity == "ok"
    # 6.4 [6.35, 6.45) and 6.5 [6.45, 6.55) only touch: no value prints as both; one unit apart → minor
    v = compare([num("a", "percent", "6.4"), num("b", "percent", "6.5")])
    assert (v.severity, v.culprits) == ("minor", [0, 1])


def test_the_odd_value_out_is_blamed_and_its_distance_decides():
    # 10.8, 10.8, 11 (fits 10.8) and 12.2: the majority agrees on [10.75, 10.85); 12.2 starts at 12.15, 1.3 away
    # from 10.85, more than its unit (0.1) → major, only 12.2 blamed, the majority's most precise value suggested
    v = compare([num("a", "median", "10.8"), num("b", "median", "10.8"), num("c", "median", "11"),
                 num("d", "median", "12.2")])
    assert (v.severity, v.culprits, v.alternative) == ("major", [3], "10.8")
    # 10.8, 10.8, 10.9: 10.9 [10.85, 10.95) touches [10.75, 10.85) → minor
    v = compare([num("a", "median", "10.8"), num("b", "median", "10.8"), num("c", "median", "10.9")])
    assert (v.severity, v.culprits) == ("minor", [2])


def test_approximations_and_inequalities():
    # "nearly 42" allows ±5 % of 42 = ±2.1: 41.8 fits; "approximately 70" allows ±3.5: 71 fits, 75 does not
    assert compare([num("a", "percent", "42", approximate=True), num("b", "percent", "41.8")]).severity == "ok"
    assert compare([num("a", "percent", "70", approximate=True), num("b", "percent", "71")]).severity == "ok"
    assert compare([num("a", "percent", "70", approximate=True), num("b", "percent", "75")]).severity != "ok"
    # "<0.0001" is [0, 0.0001): 0.00007 fits it; 0.001 [0.0005, 0.0015) does not, 0.0004 away, within one unit of
    # the coarser place (0.001) → minor; 0.010 [0.0095, 0.0105) is 0.0094 away → major
    assert compare([num("a", "p_value", "<0.0001"), num("b", "p_value", "0.00007")]).severity == "ok"
    assert compare([num("a", "p_value", "<0.0001"), num("b", "p_value", "0.001")]).severity == "minor"
    assert compare([num("a", "p_value", "<0.0001"), num("b", "p_value", "0.010")]).severity == "major"


def test_times_in_other_units_are_converted_and_other_conventions_named():
    # 26.1 weeks = 182.7 days = 6.00 months of 30.4375 days: "6.0" months agrees
    assert compare([num("a", "median", "26.1", unit="weeks"), num("b", "median", "6.0", unit="months")]).severity \
        == "ok"
    # 40.1 weeks: [40.05, 40.15) weeks = [280.35, 281.05) days = [9.211, 9.234) months: not 9.4 [9.35, 9.45);
    # with 30-day months [9.345, 9.368): 9.35–9.368 prints 9.4 → minor, the months value blamed
    v = compare([num("a", "median", "40.1", unit="weeks"), num("b", "median", "9.4", unit="months")])
    assert (v.severity, v.culprits) == ("minor", [1]) and "months of 30 days" in v.note
    # 40.1 weeks against 12.0 months fits no convention → major
    assert compare([num("a", "median", "40.1", unit="weeks"), num("b", "median", "12.0", unit="months")]).severity \
        == "major"


def test_years():
    # 2014 and 2015: [2013.5, 2014.5) and [2014.5, 2015.5) touch → minor (an electronic and a print year); 2008 and
    # 2011 are 2 apart beyond rounding → major
    assert compare([num("a", "year", "2014"), num("b", "year", "2015")]).severity == "minor"
    assert compare([num("a", "year", "2008"), num("b", "year", "2011")]).severity == "major"


# ---------------------------------------------------------------------------------------------------- survival


def _pfs(median, events, *, n=22, followup=None, unit="months"):
    numbers = [num("txt_pfs_median", "median", median, unit=unit, quantity="pfs_median"),
               num("txt_pd_n", "n", events, quantity="pfs_events")]
    if followup:
        numbers.append(num("meth_followup", "design", followup[0], "both", unit=followup[1],
                           quantity="followup_planned"))
    return pub(*numbers, populations={"both": 45, "all": {"n": n, "within": "both"}})


def test_events_enough_for_a_median():
    # 11 events of 22: 2·11 ≥ 22, the curve can reach 0.5 without censoring
    assert one(A.check_events_vs_median(_pfs("24", "11")))["severity"] == "ok"


def test_median_impossible_when_nobody_was_censored_before_it():
    # 5 events of 22, everyone followed 2 years = 24 months ≥ the median's lower end 23.5: S ≥ 17/22 = 0.773 > 0.5
    r = one(A.check_events_vs_median(_pfs("24", "5", followup=("2", "years"))))
    assert r["severity"] == "major" and "17) / 22 = 0.773" in r["note"].replace("22 − 5", "17")
    assert r["_culprits"] == {"txt_pfs_median", "txt_pd_n"}


def test_median_needs_censoring_when_follow_up_does_not_rule_it_out():
    # 5 events of 22: at least 22 − 2·5 = 12 must be censored before the median; a 1-year follow-up (12 months)
    # ends before 24, so censoring is possible: an info finding
    r = one(A.check_events_vs_median(_pfs("24", "5", followup=("1", "years"))))
    assert (r["severity"], r["_finding"]) == ("info", True) and "at least 12 patients" in r["note"]


def test_median_at_the_end_of_follow_up():
    # 24 months = the planned 2 years (730.5 days = 24.0 months) → minor; 20 months is below → ok
    r = one(A.check_median_at_end_of_followup(_pfs("24", "11", followup=("2", "years"))))
    assert r["severity"] == "minor" and "planned follow-up 2 years" in r["note"]
    assert one(A.check_median_at_end_of_followup(_pfs("20", "11", followup=("2", "years"))))["severity"] == "ok"
    # equal to the largest time of the endpoint's range printed beside it (same stem)
    p = pub(num("t2_pfs_a_median", "median", "17.6", unit="months", quantity="pfs_median"),
            num("t2_pfs_a_max", "range_max", "17.6", unit="months"))
    assert one(A.check_median_at_end_of_followup(p))["severity"] == "minor"


def _scan(median, low=None, high=None, *, interval=("6",), unit="months"):
    numbers = [num("t2_pfs_median", "median", median, unit=unit, quantity="pfs_median")]
    if low:
        numbers.append(num("t2_pfs_min", "range_min", low, unit=unit))
    if high:
        numbers.append(num("t2_pfs_max", "range_max", high, unit=unit))
    if len(interval) == 1:
        numbers.append(num("meth_scan", "design", interval[0], unit="months", quantity="scan_interval"))
    else:
        numbers += [num("meth_scan_min", "range_min", interval[0], unit="months", quantity="scan_interval"),
                    num("meth_scan_max", "range_max", interval[1], unit="months", quantity="scan_interval")]
    return pub(*numbers)


def test_pfs_times_on_a_fixed_schedule():
    # every 6 months: 24 = 4·6 and 6 are visits; a median 21 is the midpoint of visits 18 and 24
    assert not flagged(A.check_scan_schedule(_scan("24", "6", "24")))
    assert not flagged(A.check_scan_schedule(_scan("21")))
    # 22 [21.5, 22.5) holds no multiple of 3 (a visit or a midpoint); a minimum of 10 [9.5, 10.5) no multiple of 6
    rows = flagged(A.check_scan_schedule(_scan("22", "10", "24")))
    assert sorted(r["ids"].split(";")[0] for r in rows) == ["t2_pfs_median", "t2_pfs_min"]
    assert {r["severity"] for r in rows} == {"minor"}


def test_pfs_times_on_a_variable_schedule():
    # every 3 to 6 months: the 3rd scan falls in 9–18, so 16.5 fits; 2.0 [1.95, 2.05) is before any scan (3)
    assert not flagged(A.check_scan_schedule(_scan("16.5", interval=("3", "6"))))
    assert one(flagged(A.check_scan_schedule(_scan("16.5", "2.0", interval=("3", "6")))))["ids"].startswith(
        "t2_pfs_min")
    # times in weeks are converted: 26.1 weeks = 6.0 months, a visit of a 6-month schedule
    assert not flagged(A.check_scan_schedule(_scan("26.1", unit="weeks")))


# ---------------------------------------------------------------------------------------------------- dates


def _case(duration, diagnosis, scan):
    return pub(num("fig4_case_months", "individual", duration, unit="months", case="1",
                   quantity="treatment_duration"),
               num("txt_case_diagnosis", "date", diagnosis, case="1", quantity="diagnosis_date"),
               num("txt_case_scan", "date", scan, case="1", quantity="scan_date"))


def test_time_on_treatment_within_the_case_dates():
    # 2018-08-09 to 2021-12-21: 1230 days = 40.4 months ≥ 28
    assert one(A.check_durations_vs_dates(_case("28", "2018-08-09", "2021-12-21")))["severity"] == "ok"
    # 2019-08-30 to 2019-12-18: 110 days = 3.6 months < 17 → major, the duration blamed
    r = one(A.check_durations_vs_dates(_case("17", "2019-08-30", "2019-12-18")))
    assert r["severity"] == "major" and "110 days" in r["note"] and r["_culprits"] == {"fig4_case_months"}
    # 2018-06-20 to 2022-03-01: 1350 days = 44.35 months; 46 [45.5, 46.5) is longer → major; 44 fits
    assert one(A.check_durations_vs_dates(_case("46", "2018-06-20", "2022-03-01")))["severity"] == "major"
    assert one(A.check_durations_vs_dates(_case("44", "2018-06-20", "2022-03-01")))["severity"] == "ok"


def test_follow_up_within_the_study_window():
    # first inclusion October 2017 (from the 1st), manuscript received 2023-04-05: 2012 days = 66.1 months
    def study(max_followup):
        return pub(num("meth_start", "date", "2017-10", quantity="enrolment_start"),
                   num("info_received", "date", "2023-04-05", quantity="received_date"),
                   num("txt_followup_max", "range_max", max_followup, unit="months", quantity="followup_max"))
    assert one(A.check_durations_vs_dates(study("51.0")))["severity"] == "ok"
    assert one(A.check_durations_vs_dates(study("70.0")))["severity"] == "major"


def test_a_case_date_outside_the_study_window():
    p = pub(num("meth_start", "date", "2017-10", quantity="enrolment_start"),
            num("info_received", "date", "2023-04-05", quantity="received_date"),
            num("txt_case_scan", "date", "2023-06-01", case="1", quantity="scan_date"))
    assert one(flagged(A.check_durations_vs_dates(p)))["severity"] == "major"


# ---------------------------------------------------------------------------------------------------- wording


def _claim(claim, *ps, threshold=None):
    c = {"id": "disc_claim", "table": "Discussion", "row": "the words", "claim": claim,
         "ids": [p["id"] for p in ps]}
    if threshold is not None:
        c["threshold"] = threshold
    return pub(*ps, claims=[c])


@pytest.mark.parametrize(("claim", "p", "severity"), [
    ("significant", "0.035", "ok"),  # [0.0345, 0.0355) below 0.05
    ("significant", "0.062", "major"),  # [0.0615, 0.0625) above
    ("significant", ">0.05", "major"),
    ("not_significant", "0.035", "major"),
    ("not_significant", "<0.001", "major"),
    ("not_significant", "0.744", "ok"),
    ("not_significant", "0.050", "info"),  # [0.0495, 0.0505) straddles 0.05: cannot tell
])
def test_significance_words_against_the_p_value(claim, p, severity):
    r = one(A.check_significance_wording(_claim(claim, num("t4_p", "p_value", p))))
    assert r["severity"] == severity
    if severity == "major":
        assert r["_culprits"] == {"disc_claim", "t4_p"}


def test_the_level_the_document_states():
    # at a 0.01 level, 0.035 is not significant
    r = one(A.check_significance_wording(_claim("significant", num("t4_p", "p_value", "0.035"), threshold=0.01)))
    assert r["severity"] == "major"


def test_words_without_a_p_value_cannot_be_checked_and_are_no_finding():
    r = one(A.check_significance_wording(_claim("not_significant")))
    assert (r["severity"], r["_finding"]) == ("info", False)


# ---------------------------------------------------------------------------------------------------- trial arms


def _arms(a, b, whole=417):
    pops = {"randomised": {"n": whole, "parts": ["sorafenib", "placebo"]},
            "sorafenib": {"n": a, "within": "randomised"}, "placebo": {"n": b, "within": "randomised"}}
    return pub(num("txt_n", "count_total", str(whole), "randomised"), num("txt_a_n", "count_total", str(a), "sorafenib"),
               num("txt_b_n", "count_total", str(b), "placebo"), populations=pops)


def test_arms_add_up_to_the_trial():
    assert one(A.check_parts_sizes(_arms(207, 210)))["severity"] == "ok"
    # 207 + 209 = 416: one patient short of 417, at most max(1, 4) → minor; 200 + 209 = 409, 8 short → major
    assert one(A.check_parts_sizes(_arms(207, 209)))["severity"] == "minor"
    assert one(A.check_parts_sizes(_arms(200, 209)))["severity"] == "major"
