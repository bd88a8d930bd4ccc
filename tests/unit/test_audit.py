"""The publication audit (tkicohort.audit): each check on small hand-made publication files, one case
that passes and one that is flagged, with the arithmetic done by hand in the comments; then both real files of
resources/studies/, asserting findings verified by hand against the printed numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tkicohort import audit as A

ROOT = Path(__file__).resolve().parents[2]
STUDY_FOLDERS = ROOT / "resources" / "studies"

PLACES = {"t": "Table {}", "fig": "Figure {}", "txt": "Results text", "abs": "Abstract", "disc": "Discussion"}


def num(id_: str, statistic: str, value: str, population: str = "all", **extra) -> dict:
    """One number of a publication file; table from the id prefix, precision from the printed value."""
    m = re.match(r"^(t|fig)(\d)_|^(txt|abs|disc)_", id_)
    table = PLACES[m[1]].format(m[2]) if m[1] else PLACES[m[3]]
    entry = {"id": id_, "table": table, "row": extra.pop("row", id_), "column": extra.pop("column", ""),
             "statistic": statistic, "value": value, "precision": len(value.lstrip("<>").partition(".")[2]),
             "population": population}
    entry.update(extra)
    return entry


def pub(*numbers, populations=None, conflicts=()) -> A.Publication:
    pops = {name: {"n": n, "description": name} for name, n in (populations or {"all": 26}).items()}
    return A.Publication.from_dict({"study": "x", "populations": pops, "numbers": list(numbers),
                                    "conflicts": list(conflicts)})


def only(rows: list[dict], check: str | None = None) -> dict:
    chosen = [r for r in rows if check is None or r["check"] == check]
    assert len(chosen) == 1, chosen
    return chosen[0]


def by_ids(rows: list[dict], *ids: str) -> list[dict]:
    return [r for r in rows if set(ids) <= set(r["ids"].split(";"))]


# ---------------------------------------------------------------------------------------------------- percentages


def test_percent_matching_its_count_passes():
    # 7/26 = 26.923 % → "26.9"
    r = only(A.check_percent_vs_count(pub(num("t2_pr_n", "n", "7"), num("t2_pr_pct", "percent", "26.9"))))
    assert r["severity"] == "ok" and r["consistent_alternative"] == ""


def test_percent_one_unit_off_is_minor_and_truncation_is_named():
    # 8/26 = 30.769 % → "30.8"; "30.7" is the truncated value, 0.069 away from the exact one (< 0.1)
    r = only(A.check_percent_vs_count(pub(num("t2_sd_n", "n", "8"), num("t2_sd_pct", "percent", "30.7"))))
    assert (r["severity"], r["consistent_alternative"]) == ("minor", "30.8")
    assert "truncating" in r["note"] and "no whole count of 26" in r["note"]


def test_percent_of_another_count_is_major_and_names_the_count_that_fits():
    # 18/26 = 69.231 % → "69.2"; the printed 42.3 is 11/26 = 42.308 %; 18/N = 42.3 % needs N ≈ 42.55: none
    r = only(A.check_percent_vs_count(pub(num("disc_x_n", "n", "18"), num("disc_x_pct", "percent", "42.3"))))
    assert (r["severity"], r["consistent_alternative"]) == ("major", "69.2")
    assert "11/26" in r["note"] and "no denominator" in r["note"]


def test_percent_names_the_denominator_that_would_fit():
    # 1/22 = 4.545 % → "4.5"; "4.8" is 0.255 away (major); 1/21 = 4.762 % → "4.8", so N = 21 fits
    r = only(A.check_percent_vs_count(pub(num("txt_b_n", "n", "1"), num("txt_b_pct", "percent", "4.8"),
                                          populations={"all": 22})))
    assert (r["severity"], r["consistent_alternative"]) == ("major", "4.5")
    assert "N = 21" in r["note"]


def test_percent_printed_alone_is_a_whole_count_of_the_population():
    # 29/31 = 93.548 % → "93.5"
    r = only(A.check_percent_of_population(pub(num("txt_hfs_pct", "percent", "93.5"), populations={"all": 31})))
    assert r["severity"] == "ok" and "29/31" in r["note"]


def test_percent_printed_alone_that_no_count_gives_is_major():
    # of 31: 28/31 = 90.323 %, 29/31 = 93.548 %: no k gives 93.1; the nearest is 0.448 away (major);
    # the smallest fraction printing as 93.1 is 27/29 = 93.103 % (k/m for m < 29 is 92.86 at best below, 93.33 above)
    r = only(A.check_percent_of_population(pub(num("disc_ae_pct", "percent", "93.1"), populations={"all": 31})))
    assert (r["severity"], r["consistent_alternative"]) == ("major", "93.5")
    assert "smallest fits: 27/29" in r["note"]


def test_quoted_percent_of_another_study_is_only_info():
    # 2/14 = 14.286 % → "14.3": "14.0" fits no count of 14, but the quoted study's denominator is unknown
    p = A.Publication.from_dict({"study": "x", "populations": {"lit": {"n": 14, "description": "d", "external": True}},
                                 "numbers": [num("t6_lit_orr_pct", "percent", "14.0", "lit")]})
    assert only(A.check_percent_of_population(p))["severity"] == "info"


def _table3(female_rate="71.4", total="15"):
    # Table 3 style: DCR within sex levels; sizes 12 and 14 printed in Table 4; 15 with disease control overall
    return pub(num("t2_dc_n", "n", total, subset="dcr == 1"),
               num("t3_sex_male_dcr_pct", "percent", "41.7", subset="sex == 'M'"),
               num("t3_sex_female_dcr_pct", "percent", female_rate, subset="sex == 'F'"),
               num("t3_sex_dcr_p", "p_value", "0.233", test_inferred="Fisher exact (two-sided)"),
               num("t4_sex_male_n", "n", "12", subset="sex == 'M'"),
               num("t4_sex_female_n", "n", "14", subset="sex == 'F'"))


def test_rates_within_subgroups_give_whole_counts_adding_up_to_the_total():
    # 5/12 = 41.667 % → 41.7; 10/14 = 71.429 % → 71.4; 5 + 10 = 15 = the printed total
    rows = A.check_rates_within_subgroups(_table3())
    assert [r["severity"] for r in rows] == ["ok", "ok", "ok"]
    assert only(rows, "subgroup_counts_vs_total")["printed"] == "5 + 10 = 15"


def test_rate_no_count_of_its_subgroup_gives_is_flagged():
    # of 14: 9/14 = 64.286 %, 10/14 = 71.429 %: "71.0" is no whole count; 0.429 from the nearest → major
    rows = A.check_rates_within_subgroups(_table3(female_rate="71.0"))
    bad = [r for r in rows if r["severity"] != "ok"]
    assert len(bad) == 1 and bad[0]["severity"] == "major" and bad[0]["consistent_alternative"] == "71.4"
    assert not [r for r in rows if r["check"] == "subgroup_counts_vs_total"]  # a count is unknown: no sum


def test_rate_counts_not_adding_up_to_the_total_are_major():
    # implied 5 + 10 = 15, printed total 16
    r = only(A.check_rates_within_subgroups(_table3(total="16")), "subgroup_counts_vs_total")
    assert (r["severity"], r["consistent_alternative"]) == ("major", "16")


def test_same_fraction_printed_alike():
    # 2/31 = 6.452 % → 6.5 in both places
    ok = pub(num("t1_a_n", "n", "2"), num("t1_a_pct", "percent", "6.5"), num("t5_b_n", "n", "2"),
             num("t5_b_pct", "percent", "6.5"), populations={"all": 31})
    assert only(A.check_same_fraction_printed_alike(ok))["severity"] == "ok"
    # printed 6.4 in one place: one unit apart → minor; the culprit is the 6.4
    bad = pub(num("t1_a_n", "n", "2"), num("t1_a_pct", "percent", "6.4"), num("t5_b_n", "n", "2"),
              num("t5_b_pct", "percent", "6.5"), populations={"all": 31})
    r = only(A.check_same_fraction_printed_alike(bad))
    assert (r["severity"], r["consistent_alternative"], r["printed"]) == ("minor", "6.5", "6.4 / 6.5")
    assert r["_culprits"] == {"t1_a_pct"}


# ---------------------------------------------------------------------------------------------------- p-values


def test_fisher_reproduces_a_table3_p_and_the_chi_square_variants_do_not():
    # 2×2 [[5, 10], [7, 4]] (DCR yes/no × male/female), margins 15/11 and 12/14, N = 26, C(26, 15) = 7 726 160.
    # P(X = x males with DCR) ∝ C(12, x)·C(14, 15 − x): x = 1..12 → 12, 924, 20020, 180180, 792792 (observed),
    # 1849848, 2378376, 1698840, 660660, 132132, 12012, 364. Two-sided: those ≤ 792792 sum to 1 799 096,
    # p = 1 799 096 / 7 726 160 = 0.23286 → "0.233". Pearson: 26·(5·4 − 10·7)²/(15·11·12·14) = 2.345 → p 0.126;
    # Yates: 26·(50 − 13)²/27720 = 1.284 → p 0.257.
    r = only(A.check_p_values(_table3()))
    assert r["severity"] == "ok"
    reproduced = r["note"].split("reproduced by ")[1]
    assert reproduced == "Fisher exact (two-sided)"
    assert "Fisher exact (two-sided) 0.2329" in r["note"]
    assert "Pearson chi-square 0.1257" in r["note"]


def _arms(p_value, test=None, female=("12", "15")):
    # sex by arm: 10 M / 12 F of 22 against 8 M / 15 F of 23
    extra = {"test": test} if test else {}
    return pub(num("t1_sex_p", "p_value", p_value, "both", **extra),
               num("t1_sex_male_a_n", "n", "10", "a"), num("t1_sex_female_a_n", "n", female[0], "a"),
               num("t1_sex_male_b_n", "n", "8", "b"), num("t1_sex_female_b_n", "n", female[1], "b"),
               populations={"a": 22, "b": 23, "both": 45})


def test_named_chi_square_reproduced():
    # Pearson: N = 45, ad − bc = 10·15 − 12·8 = 54, margins 22, 23 (arms) and 18, 27 (sex):
    # χ² = 45·54²/(22·23·18·27) = 131220/245916 = 0.5336 → p = 0.465
    r = only(A.check_p_values(_arms("0.465", "chi-square")))
    assert r["severity"] == "ok" and "reproduced by Pearson chi-square" in r["note"]


def test_p_no_test_reproduces_is_minor_when_the_conclusion_holds():
    # printed 0.335: Pearson 0.465, Yates 0.670, Fisher 0.550 — none; all above 0.05 like the printed value
    r = only(A.check_p_values(_arms("0.335", "chi-square")))
    assert r["severity"] == "minor"
    assert r["consistent_alternative"] == "0.465 (Pearson chi-square)"
    assert "no test reproduces it" in r["note"]


def test_p_no_test_reproduces_is_major_when_the_conclusion_changes():
    # printed 0.010 (significant) where every test gives p > 0.4
    assert only(A.check_p_values(_arms("0.010", "chi-square")))["severity"] == "major"


def test_misnamed_test_is_minor_and_the_reproducing_test_is_named():
    # clinical benefit 17/22 vs 11/23, named Mann-Whitney U. Pearson: ad − bc = 17·12 − 5·11 = 149,
    # χ² = 45·149²/(22·23·28·17) = 999045/240856 = 4.148 → p = 0.0417 → "0.042". Mann-Whitney (tie-corrected, no
    # continuity) on the 0/1 outcome: z² = (N − 1)/N·χ² = 44/45·4.148 = 4.056 → p = 0.044 → "0.044"
    p = pub(num("t2_cbr_p", "p_value", "0.042", "both", test="Mann-Whitney U"),
            num("t2_cbr_a_n", "n", "17", "a"), num("t2_cbr_b_n", "n", "11", "b"),
            populations={"a": 22, "b": 23, "both": 45})
    r = only(A.check_p_values(p))
    assert r["severity"] == "minor"
    assert r["note"].endswith("reproduced by Pearson chi-square")
    assert "Mann-Whitney U (normal approximation, tie-corrected) 0.0440" in r["note"]


def test_counts_can_be_implied_by_percentages_of_the_arms():
    # no counts printed: 77.3 % of 22 is only 17 (17/22 = 77.273 %), 47.8 % of 23 only 11 (11/23 = 47.826 %)
    p = pub(num("abs_cbr_p", "p_value", "0.042", "both"), num("abs_cbr_a_pct", "percent", "77.3", "a"),
            num("abs_cbr_b_pct", "percent", "47.8", "b"), populations={"a": 22, "b": 23, "both": 45})
    r = only(A.check_p_values(p))
    assert r["severity"] == "ok" and "[a: 17/5; b: 11/12]" in r["note"]


def _means(p_value, test=None):
    extra = {"test": test} if test else {}
    return pub(num("t1_age_p", "p_value", p_value, "both", **extra),
               num("t1_age_a_mean", "mean", "67.3", "a"), num("t1_age_a_sd", "sd", "7.6", "a"),
               num("t1_age_b_mean", "mean", "63.9", "b"), num("t1_age_b_sd", "sd", "9.1", "b"),
               populations={"a": 22, "b": 23, "both": 45})


def test_t_test_from_mean_and_sd():
    # pooled variance (21·7.6² + 22·9.1²)/43 = (1212.96 + 1821.82)/43 = 70.58; SE = sqrt(70.58·(1/22 + 1/23))
    # = 2.505; t = 3.4/2.505 = 1.357, 43 df → p = 0.182
    r = only(A.check_p_values(_means("0.182", "t-test")))
    assert r["severity"] == "ok" and "Student t (pooled variance)" in r["note"].split("reproduced by ")[1]
    # 0.280 fits no t test even over the rounding of the printed values (0.167–0.197); with a t test named → minor
    assert only(A.check_p_values(_means("0.280", "t-test")))["severity"] == "minor"
    # with no test named a rank test may have been used, which mean ± SD cannot rebuild → info
    assert only(A.check_p_values(_means("0.280")))["severity"] == "info"


def test_t_test_allows_the_rounding_of_the_printed_means_and_sds():
    # at the printed values p = 0.182, but the means and SDs are rounded: the largest |t| comes from a difference
    # of 67.35 − 63.85 = 3.5 with SDs 7.55 and 9.05: pooled variance (21·57.00 + 22·81.90)/43 = 69.74, SE 2.490,
    # t = 1.405 → p = 0.167; so a printed 0.170 is possible, 0.160 is not
    assert only(A.check_p_values(_means("0.170", "t-test")))["severity"] == "ok"
    assert only(A.check_p_values(_means("0.160", "t-test")))["severity"] == "minor"


def test_mann_whitney_from_medians_is_not_recomputed_and_says_so():
    p = pub(num("t3_x_p", "p_value", "0.153", "both", test_inferred="Mann-Whitney U"),
            num("t3_x_a_median", "median", "9", "a"), num("t3_x_a_min", "range_min", "7", "a"),
            num("t3_x_b_median", "median", "8", "b"), num("t3_x_b_min", "range_min", "7", "b"),
            populations={"a": 22, "b": 23, "both": 45})
    r = only(A.check_p_values(p))
    assert r["severity"] == "info" and "cannot be recomputed from medians" in r["note"]
    assert r["consistent_alternative"] == ""


def test_p_printed_as_zero():
    rows = A.check_p_printed_as_zero(pub(num("t4_a_p", "p_value", "0.000"), num("t4_b_p", "p_value", "0.001"),
                                         num("t4_c_p", "p_value", "<0.001")))
    bad = [r for r in rows if r["severity"] != "ok"]
    assert [(r["ids"], r["severity"], r["consistent_alternative"]) for r in bad] == [("t4_a_p", "minor", "<0.001")]
    assert [r["ids"] for r in rows if r["severity"] == "ok"] == ["t4_b_p;t4_c_p"]


# ---------------------------------------------------------------------------------------------------- ranges


def test_value_domains():
    good = pub(num("t1_a_pct", "percent", "100.0"), num("t1_a_n", "n", "26"), num("txt_n", "count_total", "26"))
    assert {r["severity"] for r in A.check_value_domains(good)} == {"ok"}
    bad = pub(num("t1_a_pct", "percent", "100.4"), num("t1_a_n", "n", "27"), num("txt_n", "count_total", "25"),
              num("t1_b_p", "p_value", "1.2"))
    flagged = {r["ids"] for r in A.check_value_domains(bad) if r["severity"] == "major"}
    assert flagged == {"t1_a_pct", "t1_a_n", "txt_n", "t1_b_p"}


def test_median_and_mean_within_their_range():
    ok = pub(num("t1_age_median", "median", "58"), num("t1_age_min", "range_min", "18"),
             num("t1_age_max", "range_max", "79"))
    assert only(A.check_summaries(ok))["severity"] == "ok"
    bad = pub(num("t1_age_median", "median", "80"), num("t1_age_min", "range_min", "18"),
              num("t1_age_max", "range_max", "79"))
    assert only(A.check_summaries(bad))["severity"] == "major"


def _summary(mean, sd, median=None, n=10, low="0", high="100"):
    numbers = [num("t1_x_mean", "mean", mean), num("t1_x_sd", "sd", sd), num("t1_x_min", "range_min", low),
               num("t1_x_max", "range_max", high)]
    if median:
        numbers.append(num("t1_x_median", "median", median))
    return A.check_summaries(pub(*numbers, populations={"all": n}))


def test_sd_possible_for_the_range():
    # n = 10 in 0–100 with mean 50: SD at most sqrt(50·50·10/9) = 52.7, at least sqrt((50² + 50²)/9) = 23.6
    assert only(_summary("50", "30"), "sd_feasible")["severity"] == "ok"
    # SD 5 is below the least possible (the two ends alone give 23.3 even over the rounding of the printed values)
    assert only(_summary("50", "5"), "sd_feasible")["severity"] == "major"
    # mean 10: SD at most sqrt(10·90·10/9) = 31.6 (33.2 over the rounding), so 40 is impossible
    assert only(_summary("10", "40"), "sd_feasible")["severity"] == "major"


def test_mean_possible_for_the_median_and_range():
    # n = 5, range 0–10, median 9: the least mean puts two values at 0, the median, one more at 9 and one at 10:
    # (0 + 0 + 9 + 9 + 10)/5 = 5.6; the largest (0 + 9 + 9 + 10 + 10)/5 = 7.6
    assert only(_summary("7", "4", median="9", n=5, high="10"), "mean_vs_median_and_range")["severity"] == "ok"
    assert only(_summary("2", "4", median="9", n=5, high="10"), "mean_vs_median_and_range")["severity"] == "major"


def _qol_row(name, scale_max, median, low, high, population="a"):
    stem_ = f"t3_{name.split()[0].lower()}"
    return [num(f"{stem_}_scale_max", "scale_max", scale_max, "both", row=name),
            num(f"{stem_}_{population}_median", "median", median, population, row=name),
            num(f"{stem_}_{population}_min", "range_min", low, population, row=name),
            num(f"{stem_}_{population}_max", "range_max", high, population, row=name)]


QOL_POPS = {"a": 22, "b": 23, "both": 45}


def test_qol_raw_sum_within_the_items():
    # role function: items q6, q7 (1–4 each) → raw sum 2–8; 6 (4–8) fits
    rows = A.check_qol_raw_sums(pub(*_qol_row("Role function", "8", "6", "4", "8"), populations=QOL_POPS))
    assert {r["check"]: r["severity"] for r in rows} == {"qol_scale_maximum": "ok", "qol_value_in_range": "ok",
                                                          "qol_median_granularity": "ok"}


def test_qol_global_scale_has_seven_point_items():
    # global health: q29, q30 answered 1–7 → raw sum 2–14; a value of 13 is possible, a printed maximum of 8 is not
    rows = A.check_qol_raw_sums(pub(*_qol_row("Global function", "14", "9", "6", "13"), populations=QOL_POPS))
    assert {r["severity"] for r in rows} == {"ok"}
    r = only(A.check_qol_raw_sums(pub(*_qol_row("Global function", "8", "6", "2", "8"), populations=QOL_POPS)),
             "qol_scale_maximum")
    assert (r["severity"], r["consistent_alternative"]) == ("major", "14")


def test_qol_maximum_and_values_beyond_the_instrument():
    # emotional function: q21–q24 → 4–16, so a printed maximum of 14 is wrong, and 15 exceeds it
    rows = A.check_qol_raw_sums(pub(*_qol_row("Emotional function", "14", "9", "7", "15"), populations=QOL_POPS))
    sev = {r["check"]: (r["severity"], r["consistent_alternative"]) for r in rows}
    assert sev["qol_scale_maximum"] == ("major", "16")
    assert sev["qol_value_in_range"][0] == "major"
    # financial: q28 alone → 1–4; a range reaching 8 is impossible
    rows = A.check_qol_raw_sums(pub(*_qol_row("Financial function", "4", "3", "2", "8", "b"), populations=QOL_POPS))
    r = only(rows, "qol_value_in_range")
    assert r["severity"] == "major" and "outside the possible 1–4" in r["note"]


def test_qol_median_of_whole_sums():
    # 23 patients (odd): the median is one patient's whole sum, so 6.5 is impossible; with 22 it is a half
    odd = A.check_qol_raw_sums(pub(*_qol_row("Role function", "8", "6.5", "4", "8", "b"), populations=QOL_POPS))
    even = A.check_qol_raw_sums(pub(*_qol_row("Role function", "8", "6.5", "4", "8", "a"), populations=QOL_POPS))
    assert only(odd, "qol_median_granularity")["severity"] == "minor"
    assert only(even, "qol_median_granularity")["severity"] == "ok"


SUBSCALES = [("Physical function", "20"), ("Role function", "8"), ("Symptom scale", "48"),
             ("Cognitive function", "8"), ("Emotional function", "16"), ("Social function", "8"),
             ("Financial function", "4"), ("Global function", "14")]


def _qol_table(emotional_max="16"):
    numbers = []
    for name, mx in SUBSCALES:
        mx = emotional_max if name.startswith("Emotional") else mx
        numbers.append(num(f"t3_{name.split()[0].lower()}_scale_max", "scale_max", mx, "both", row=name))
    numbers.append(num("t3_sum_scale_max", "scale_max", "126", "both", row="Sum of the scores"))
    return pub(*numbers, populations=QOL_POPS)


def test_qol_subscale_maxima_add_up_to_the_total():
    # 20 + 8 + 48 + 8 + 16 + 8 + 4 + 14 = 126
    assert only(A.check_qol_raw_sums(_qol_table()), "qol_total_of_subscales")["severity"] == "ok"
    # with 14 for the emotional scale: 124 ≠ 126
    r = only(A.check_qol_raw_sums(_qol_table("14")), "qol_total_of_subscales")
    assert r["severity"] == "major" and "= 124 vs 126" in r["printed"]


# ---------------------------------------------------------------------------------------------------- totals


def test_levels_add_up_to_the_population_and_percentages_to_100():
    # 12 + 19 = 31; 38.7 + 61.3 = 100.0 (12/31 = 38.710 %, 19/31 = 61.290 %)
    p = pub(num("t1_m_n", "n", "12", row="Gender: Male", subset="sex == 'M'"),
            num("t1_m_pct", "percent", "38.7", row="Gender: Male", subset="sex == 'M'"),
            num("t1_f_n", "n", "19", row="Gender: Female", subset="sex == 'F'"),
            num("t1_f_pct", "percent", "61.3", row="Gender: Female", subset="sex == 'F'"), populations={"all": 31})
    rows = A.check_parts_add_up(p)
    assert [(r["check"], r["severity"]) for r in rows] == [("parts_add_up", "ok"), ("percents_add_up", "ok")]


def test_percentages_not_adding_up_to_100_are_minor():
    # counts 12 + 19 = 31 but percentages 38.7 + 60.3 = 99.0: further from 100 than ±0.10
    p = pub(num("t1_m_n", "n", "12", row="Gender: Male"), num("t1_m_pct", "percent", "38.7", row="Gender: Male"),
            num("t1_f_n", "n", "19", row="Gender: Female"), num("t1_f_pct", "percent", "60.3", row="Gender: Female"),
            populations={"all": 31})
    assert only(A.check_parts_add_up(p), "percents_add_up")["severity"] == "minor"


def test_two_levels_of_a_flag_must_cover_the_population():
    # dcr == 1: 15, dcr == 0: 10 → 25 of 26
    p = pub(num("t2_dc_n", "n", "15", subset="dcr == 1"), num("t2_pd_n", "n", "10", subset="dcr == 0"))
    r = only(A.check_parts_add_up(p))
    assert (r["severity"], r["consistent_alternative"]) == ("major", "26")


def test_exclusive_levels_cannot_exceed_the_population():
    # bor == 'PR': 10, bor == 'SD': 20 → 30 > 26
    p = pub(num("txt_pr_n", "n", "10", subset="bor == 'PR'"), num("txt_sd_n", "n", "20", subset="bor == 'SD'"))
    assert only(A.check_parts_add_up(p))["severity"] == "major"
    # 7 + 8 = 15 < 26: other levels (PD) may just not be printed
    p = pub(num("txt_pr_n", "n", "7", subset="bor == 'PR'"), num("txt_sd_n", "n", "8", subset="bor == 'SD'"))
    assert only(A.check_parts_add_up(p))["severity"] == "info"


def test_overlapping_levels_are_not_summed():
    # lung 16 + bone 12 = 28 > 24, but a patient can have both
    p = pub(num("t1_lung_n", "n", "16", row="Sites: Lung", subset="met_lung == 1"),
            num("t1_bone_n", "n", "12", row="Sites: Bone", subset="met_bone == 1"), populations={"all": 24})
    r = only(A.check_parts_add_up(p))
    assert r["severity"] == "info" and "overlap" in r["note"]


def test_any_grade_column_is_the_sum_of_the_grades():
    def row(any_n):
        return pub(num("t5_hfs_g12_n", "n", "26", row="HFS", column="Grades 1–2 N (%)"),
                   num("t5_hfs_g34_n", "n", "3", row="HFS", column="Grades 3–4 N (%)"),
                   num("t5_hfs_any_n", "n", any_n, row="HFS", column="Any grade N (%)"), populations={"all": 31})
    # 26 + 3 = 29
    assert only(A.check_row_totals(row("29")))["severity"] == "ok"
    r = only(A.check_row_totals(row("28")))
    assert (r["severity"], r["consistent_alternative"]) == ("major", "29")


# ---------------------------------------------------------------------------------------------------- repeated numbers


def test_same_quantity_printed_in_two_places():
    ok = pub(num("abs_pfs_median", "median", "16.5"), num("txt_pfs_median", "median", "16.50"))
    assert only(A.check_same_quantity(ok))["severity"] == "ok"  # equal at one decimal
    bad = pub(num("abs_pfs_hfs_p", "p_value", "0.035"), num("txt_pfs_hfs_p", "p_value", "0.007"))
    r = only(A.check_same_quantity(bad))
    assert (r["severity"], r["printed"]) == ("major", "0.035 / 0.007")
    # the same row and column printed in the abstract and the text, one unit apart → minor
    near = pub(num("abs_a_pct", "percent", "6.4", row="HFS", column="x"),
               num("txt_b_pct", "percent", "6.5", row="HFS", column="x"))
    assert only(A.check_same_quantity(near))["severity"] == "minor"


def test_two_tables_are_not_paired_by_id_alone():
    # t1_x_n and t4_x_n may count different things (e.g. different analyses): not compared
    p = pub(num("t1_x_n", "n", "7", row="a"), num("t4_x_n", "n", "8", row="b"))
    assert A.check_same_quantity(p) == []


# ---------------------------------------------------------------------------------------------------- driver


def _doc(conflicts):
    return {"study": "x", "populations": {"all": {"n": 26, "description": "d"}},
            "numbers": [num("t2_sd_n", "n", "8"), num("t2_sd_pct", "percent", "30.7"),
                        num("txt_k_n", "n", "3"), num("txt_k_pct", "percent", "11.5")],
            "conflicts": conflicts}


def test_recorded_conflicts_are_findings_of_their_own_linked_to_the_automatic_ones():
    # 8/26 → 30.8 (flagged by percent_vs_count); 3/26 = 11.538 % → 11.5 passes, so its recorded conflict is only
    # in the file
    out = A.audit_publication(_doc([
        {"kind": "rounding", "ids": ["t2_sd_pct"], "description": "8 of 26 printed 30.7"},
        {"kind": "definition", "ids": ["txt_k_n"], "description": "k defined twice"},
    ]))
    auto, rec = out[out["origin"] == "automatic"], out[out["origin"] == "recorded"]
    assert list(rec["finding"]) == ["R1", "R2"] and list(rec["checks"]) == ["recorded:rounding", "recorded:definition"]
    assert list(rec["severity"]) == ["minor", "major"]
    assert list(auto["finding"]) == ["A1"] and auto.iloc[0]["checks"] == "percent_vs_count"
    assert list(rec["related"]) == ["A1", ""]  # R2: not visible from the printed numbers alone
    assert auto.iloc[0]["related"] == "R1"


def test_findings_missing_from_the_recorded_conflicts_have_no_related_conflict():
    out = A.audit_publication(_doc([]))
    assert list(out["origin"]) == ["automatic"] and list(out["related"]) == [""]


def test_driver_frames_are_tidy_and_deterministic():
    doc = _doc([{"kind": "rounding", "ids": ["t2_sd_pct"], "description": "d"}])
    a, b = A.audit(doc), A.audit(doc)
    assert list(a.findings.columns) == list(A.FINDING_COLUMNS) and list(a.rows.columns) == list(A.COLUMNS)
    pd.testing.assert_frame_equal(a.findings, b.findings)
    pd.testing.assert_frame_equal(a.checks, b.checks)
    assert set(a.findings["severity"]) <= {"info", "minor", "major"}
    assert set(a.rows["severity"]) <= set(A.SEVERITIES)
    assert set(a.findings["origin"]) == {"automatic", "recorded"}


def test_one_inconsistency_seen_by_several_checks_in_several_places_is_one_finding():
    # 2/31 = 6.452 % → 6.5: printed 6.4 in the text and in Table 1 (one quantity: the same id once the place is
    # dropped) and 6.5 in Table 5; percent_vs_count flags both 6.4s, same_fraction_printed_alike the three prints:
    # one finding, three places
    doc = {"study": "x", "populations": {"all": {"n": 31, "description": "d"}}, "numbers": [
        num("t1_ftc_n", "n", "2", row="FTC"), num("t1_ftc_pct", "percent", "6.4", row="FTC"),
        num("txt_ftc_n", "n", "2", row="FTC in text"), num("txt_ftc_pct", "percent", "6.4", row="FTC in text"),
        num("t5_liver_n", "n", "2", row="Liver"), num("t5_liver_pct", "percent", "6.5", row="Liver")]}
    out = A.audit_publication(doc)
    assert len(out) == 1
    f = out.iloc[0]
    assert set(f["checks"].split(";")) == {"percent_vs_count", "same_fraction_printed_alike"}
    assert f["locations"].split("\n") == ["Table 1 | FTC", "Results text | FTC in text", "Table 5 | Liver"]
    assert f["consistent_alternative"] == "6.5"


def test_one_way_of_printing_in_several_places_is_one_finding():
    doc = {"study": "x", "populations": {"all": {"n": 26, "description": "d"}},
           "numbers": [num("t4_a_p", "p_value", "0.000", row="a"), num("t3_b_p", "p_value", "0.000", row="b")]}
    out = A.audit_publication(doc)
    assert list(out["checks"]) == ["p_printed_as_zero"] and out.iloc[0]["locations"].count("\n") == 1


def test_driver_refuses_the_id_mapping():
    with pytest.raises(ValueError, match="whole publication file"):
        A.audit_publication({"t2_sd_n": num("t2_sd_n", "n", "8")})


# ---------------------------------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def zhujiang() -> pd.DataFrame:
    return A.check_rows(A.load_published(STUDY_FOLDERS / "zhujiang_2023" / "published.yaml"))


@pytest.fixture(scope="module")
def tehran() -> pd.DataFrame:
    return A.check_rows(A.load_published(STUDY_FOLDERS / "tehran" / "published.yaml"))


def _rows(frame: pd.DataFrame, check: str, id_: str) -> pd.DataFrame:
    return frame[(frame["check"] == check) & frame["ids"].str.split(";").apply(lambda ids: id_ in ids)]


def _one(frame, check, id_) -> pd.Series:
    rows = _rows(frame, check, id_)
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_zhujiang_p_printed_as_zero(zhujiang):
    # printed "0.000": Table 4 disease control and Tg response, and the Tg-response p in the abstract and text
    flagged = zhujiang[(zhujiang["check"] == "p_printed_as_zero") & (zhujiang["severity"] == "minor")]
    assert set(flagged["ids"]) == {"t4_disease_control_p", "t4_tg_response_p", "txt_pfs_tg_response_p",
                                   "abs_pfs_tg_response_p"}


def test_zhujiang_percentages_against_counts(zhujiang):
    # 2/31 = 6.452 % → 6.5 (printed 6.4); 8/26 = 30.769 % → 30.8 (30.7, Table 2 and text); 17/26 = 65.385 % →
    # 65.4 (65.3): rounding slips; 18/26 = 69.231 % → 69.2, printed 42.3 (= 11/26): major
    flagged = zhujiang[(zhujiang["check"] == "percent_vs_count") & (zhujiang["severity"] != "ok")]
    got = {(ids.split(";")[1], sev, alt) for ids, sev, alt in
           zip(flagged["ids"], flagged["severity"], flagged["consistent_alternative"], strict=True)}
    assert got == {("t1_histology_ftc_ptc_pct", "minor", "6.5"), ("t2_sd_pct", "minor", "30.8"),
                   ("txt_sd_pct", "minor", "30.8"), ("t4_age_ge55_pct", "minor", "65.4"),
                   ("disc_dose_reduction_pct", "major", "69.2")}


def test_zhujiang_adverse_event_rate_fits_no_count(zhujiang):
    # 93.1 % of 31: 28/31 = 90.3 %, 29/31 = 93.5 %
    r = _one(zhujiang, "percent_of_population", "disc_ae_rate_pct")
    assert (r["severity"], r["consistent_alternative"]) == ("major", "93.5")


def test_zhujiang_same_fraction_printed_differently(zhujiang):
    # 2/31 as 6.4 (Table 1) and 6.5 (Table 5); 17/26 as 65.3 (age) and 65.4 (PTC), both Table 4
    assert _one(zhujiang, "same_fraction_printed_alike", "t5_liver_g34_pct")["printed"] == "6.4 / 6.5"
    assert _one(zhujiang, "same_fraction_printed_alike", "t4_histology_ptc_pct")["printed"] == "65.3 / 65.4"


def test_zhujiang_table3_p_values_are_fisher_exact(zhujiang):
    # all 26 DCR/ORR p-values of Table 3 are two-sided Fisher exact on the counts the rates imply
    rows = zhujiang[(zhujiang["check"] == "p_value_recomputed") & zhujiang["ids"].str.match(r"t3_\w+_p;")]
    assert len(rows) == 26
    assert (rows["severity"] == "ok").all()
    assert rows["note"].str.contains(r"reproduced by .*Fisher exact \(two-sided\)").all()
    # e.g. sex/DCR: 41.7 % of 12 = 5, 71.4 % of 14 = 10; 5 + 10 = 15 with disease control (Table 2)
    assert "[male: 5/7; female: 10/4]" in _one(zhujiang, "p_value_recomputed", "t3_sex_dcr_p")["note"]
    assert _one(zhujiang, "subgroup_counts_vs_total", "t3_sex_male_dcr_pct")["printed"] == "5 + 10 = 15"


def test_zhujiang_log_rank_p_values_are_not_recomputable(zhujiang):
    r = _one(zhujiang, "p_value_recomputed", "t4_sex_p")
    assert r["severity"] == "info" and "log-rank test cannot be recomputed" in r["note"]


def test_zhujiang_same_quantity_printed_differently(zhujiang):
    # PFS by hand-foot skin syndrome: 0.035 in the abstract, 0.007 in the text; Cheng et al.'s follow-up 17.6 in
    # Table 6, 25.1 in the Discussion
    r = _one(zhujiang, "same_quantity_printed_alike", "abs_pfs_hfs_p")
    assert r["severity"] == "major" and set(r["ids"].split(";")) == {"abs_pfs_hfs_p", "txt_pfs_hfs_p"}
    assert _one(zhujiang, "same_quantity_printed_alike", "disc_cheng_followup_median")["severity"] == "major"
    # the DCR of 15/26 = 57.7 % is printed alike in abstract, text, Tables 2 and 4 and the discussion
    assert _one(zhujiang, "same_quantity_printed_alike", "disc_dcr_pct")["severity"] == "ok"


def test_zhujiang_adverse_event_grades_add_up(zhujiang):
    # Table 5, hand-foot skin syndrome: 26 (grades 1–2) + 3 (grades 3–4) = 29 (any grade)
    assert _one(zhujiang, "row_total", "t5_hfs_any_n")["severity"] == "ok"


@pytest.mark.parametrize("study", ["zhujiang_2023", "tehran"])
def test_every_recorded_conflict_is_a_finding(study):
    conflicts = yaml.safe_load((STUDY_FOLDERS / study / "published.yaml").read_text(encoding="utf-8"))["conflicts"]
    findings = A.audit_file(STUDY_FOLDERS / study / "published.yaml")
    rec = findings[findings["origin"] == "recorded"]
    assert list(rec["checks"]) == [f"recorded:{c['kind']}" for c in conflicts]
    assert list(rec["ids"]) == [";".join(c["ids"]) for c in conflicts]
    for (_, row), c in zip(rec.iterrows(), conflicts, strict=True):
        # conflicts of these kinds are arithmetic on the printed numbers of one population: the checks see them
        if c["kind"] in ("rounding", "arithmetic", "text_vs_table", "not_reproducible"):
            assert row["related"], c["ids"]


def test_zhujiang_nesting_conflicts(zhujiang):
    # 11 vs 12 without uptake: the evaluable patients are declared within the treated ones, so the audit sees it
    uptake = _one(zhujiang, "subset_within_set", "t4_rai_uptake_no_n")
    assert (uptake["severity"], uptake["printed"]) == ("major", "11 / 12")
    findings = A.audit_file(STUDY_FOLDERS / "zhujiang_2023" / "published.yaml")
    recorded = findings[findings["checks"] == "recorded:subset_exceeds_set"].set_index("ids")["related"]
    seen = findings.set_index("finding").loc[recorded["t1_rai_uptake_no_n;t4_rai_uptake_no_n"], "checks"]
    assert seen == "subset_within_set"
    # 7 lung-only among the treated with distant metastases vs 8 among the evaluable: seeing it needs to know that
    # lung-only implies distant metastasis, which is not in the numbers
    assert recorded["t1_site_lung_only_n;t4_lung_only_yes_n"] == ""
    # counts that do nest pass: 17 evaluable of the 19 treated aged 55 or more
    assert _one(zhujiang, "subset_within_set", "t4_age_ge55_n")["severity"] == "ok"


# ------------------------------------------------------------------------------------------------ nested populations


def _nested(*numbers, evaluable_n=26, within="treated"):
    pops = {"treated": {"n": 31, "description": "t"}, "evaluable": {"n": evaluable_n, "description": "e",
                                                                    "within": within}}
    return A.Publication.from_dict({"study": "x", "populations": pops, "numbers": list(numbers)})


def test_part_may_not_hold_more_of_a_subset_than_the_whole():
    whole = num("t1_male_n", "n", "10", "treated", subset="sex == 'M'")
    ok = A.check_subset_within_set(_nested(whole, num("t4_male_n", "n", "10", "evaluable", subset="sex == 'M'")))
    assert [r["severity"] for r in ok] == ["ok"]
    bad = A.check_subset_within_set(_nested(whole, num("t4_male_n", "n", "11", "evaluable", subset="sex == 'M'")))
    assert [(r["severity"], r["printed"], r["ids"]) for r in bad] == [("major", "10 / 11", "t1_male_n;t4_male_n")]


def test_nesting_is_only_what_the_file_declares():
    # without within, or with another subset, the two counts are not compared
    whole = num("t1_male_n", "n", "10", "treated", subset="sex == 'M'")
    part = num("t4_male_n", "n", "11", "evaluable", subset="sex == 'M'")
    assert A.check_subset_within_set(_nested(whole, part, within=[])) == []
    other = num("t4_female_n", "n", "20", "evaluable", subset="sex == 'F'")
    assert A.check_subset_within_set(_nested(whole, other)) == []


def test_nesting_is_transitive_and_population_sizes_are_checked():
    pops = {"treated": {"n": 31, "description": "t"},
            "evaluable": {"n": 26, "description": "e", "within": "treated"},
            "lung": {"n": 30, "description": "l", "within": ["evaluable"]}}
    doc = {"study": "x", "populations": pops, "numbers": [
        num("t1_bone_n", "n", "4", "treated", subset="met_bone == 1"),
        num("t9_bone_n", "n", "5", "lung", subset="met_bone == 1")]}
    rows = A.check_subset_within_set(A.Publication.from_dict(doc))
    assert {r["severity"] for r in rows} == {"major"}
    sizes = [r for r in rows if r["location"].startswith("populations:")]
    assert [r["printed"] for r in sizes] == ["30 / 26"]  # lung (30) is larger than evaluable (26); 30 ≤ 31 treated
    counts = [r for r in rows if r["ids"]]
    assert [(r["printed"], r["ids"]) for r in counts] == [("4 / 5", "t1_bone_n;t9_bone_n")]  # via evaluable


def test_tehran_bone_only_percentage(tehran):
    # 1/22 = 4.545 % → 4.5 (as printed in Table 1 for '>6' RAI courses); 4.7 is 0.155 away → major
    r = _one(tehran, "percent_vs_count", "txt_met_bone_only_sorafenib_pct")
    assert (r["severity"], r["consistent_alternative"]) == ("major", "4.5")
    assert _one(tehran, "same_fraction_printed_alike", "t1_rai_courses_gt6_sorafenib_pct")["printed"] == "4.7 / 4.5"


def test_tehran_p_values(tehran):
    # sex: 10/12 vs 8/15 → Pearson 0.465, Yates 0.670, Fisher 0.550; printed 0.335, chi-square named
    sex = _one(tehran, "p_value_recomputed", "t1_sex_p")
    assert (sex["severity"], sex["consistent_alternative"]) == ("minor", "0.465 (Pearson chi-square)")
    # clinical benefit: Pearson 0.0417 reproduces 0.042; the named Mann-Whitney U gives 0.044
    cbr = _one(tehran, "p_value_recomputed", "t2_cbr_p")
    assert cbr["severity"] == "minor" and cbr["note"].endswith("reproduced by Pearson chi-square")
    # ATA risk 14/8 vs 16/7 (chi-square named): Pearson 0.673 as printed
    assert _one(tehran, "p_value_recomputed", "t1_risk_p")["severity"] == "ok"
    # PFS and QoL compare medians: not recomputable
    for id_ in ("t2_pfs_p", "t3_symptom_p"):
        r = _one(tehran, "p_value_recomputed", id_)
        assert r["severity"] == "info" and "cannot be recomputed from medians" in r["note"]
    # age: no test named, t tests ≈ 0.18 against the printed 0.280
    assert _one(tehran, "p_value_recomputed", "t1_age_p")["severity"] == "info"
    # no p printed as 0.000
    zero = tehran[tehran["check"] == "p_printed_as_zero"]
    assert list(zero["severity"]) == ["ok"]


def test_tehran_qol_table(tehran):
    # emotional function: 4 items → maximum 16, printed 14; the sorafenib range reaches 15
    assert tuple(_one(tehran, "qol_scale_maximum", "t3_emotional_scale_max")[["severity", "consistent_alternative"]]) \
        == ("major", "16")
    assert _one(tehran, "qol_value_in_range", "t3_emotional_sorafenib_max")["severity"] == "major"
    # financial: one item (1–4), the control range reaches 8
    assert _one(tehran, "qol_value_in_range", "t3_financial_control_max")["severity"] == "major"
    # 20 + 8 + 48 + 8 + 14 + 8 + 4 + 14 = 124, the printed total maximum is 126
    r = _one(tehran, "qol_total_of_subscales", "t3_sum_scale_max")
    assert r["severity"] == "major" and r["printed"].endswith("= 124 vs 126")
    # physical function within 5–20 in both arms
    assert _one(tehran, "qol_value_in_range", "t3_physical_control_max")["severity"] == "ok"
    # global function: two 7-point items → 14 as printed; the total: 28·4 + 2·7 = 126 as printed
    assert _one(tehran, "qol_scale_maximum", "t3_global_scale_max")["severity"] == "ok"
    assert _one(tehran, "qol_scale_maximum", "t3_sum_scale_max")["severity"] == "ok"
