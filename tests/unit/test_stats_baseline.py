"""Baseline table statistics against R (stored reference values) and hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tkicohort.stats.baseline import baseline_table, compare_continuous, continuous_summary

REF = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "baseline" / "two_sample.csv")


@pytest.mark.parametrize("row", REF.to_dict("records"), ids=[f"case{c}" for c in REF["case"]])
def test_two_sample_tests_against_r(row):
    a = np.array(row["a"].split(), dtype=float)
    b = np.array(row["b"].split(), dtype=float)
    s = compare_continuous(a, b, "t_test")
    assert (s["statistic"], s["p"]) == (pytest.approx(row["student_t"], rel=1e-9), pytest.approx(row["student_p"], rel=1e-9))
    w = compare_continuous(a, b, "welch")
    assert (w["statistic"], w["p"]) == (pytest.approx(row["welch_t"], rel=1e-9), pytest.approx(row["welch_p"], rel=1e-9))
    m = compare_continuous(a, b, "mann_whitney")
    assert (m["statistic"], m["p"]) == (pytest.approx(row["wilcox_W"], rel=1e-12), pytest.approx(row["wilcox_p"], rel=1e-9))
    summary = continuous_summary(pd.Series(a))
    assert summary["sd"] == pytest.approx(row["sd_a"], rel=1e-12)
    assert (summary["q1"], summary["q3"]) == (pytest.approx(row["q1_a"]), pytest.approx(row["q3_a"]))


def test_baseline_table_two_arms():
    ds = pd.DataFrame({
        "arm": ["tki"] * 4 + ["control"] * 4,
        "age_years": [50.0, 60.0, 70.0, np.nan, 40.0, 45.0, 55.0, 65.0],
        "sex": ["F", "F", "M", "F", "M", "M", "F", "M"],
    })
    table = baseline_table(ds, [
        {"variable": "age_years", "type": "continuous", "test": "welch"},
        {"variable": "sex", "type": "categorical", "levels": ["F", "M"], "test": "fisher"},
    ], arm="arm", arms=["tki", "control"])
    age_tki = table[(table["variable"] == "age_years") & (table["arm"] == "tki")].iloc[0]
    # tki ages 50, 60, 70 (one missing): mean 60, SD 10, median 60.
    assert (age_tki["n"], age_tki["missing"], age_tki["mean"], age_tki["sd"]) == (3, 1, 60.0, 10.0)
    sex = table[table["variable"] == "sex"].set_index(["arm", "level"])
    # tki: F 3/4 = 75 %; control: F 1/4 = 25 %. Fisher on [[3, 1], [1, 3]]: 2·(P(3) + P(4)) = 2·(16 + 1)/70 = 0.486.
    assert sex.loc[("tki", "F"), "pct"] == 75.0 and sex.loc[("control", "F"), "pct"] == 25.0
    assert sex.loc[("tki", "F"), "p"] == pytest.approx(34 / 70)


def test_single_arm_table_has_no_test():
    ds = pd.DataFrame({"sex": ["F", "M", "F"], "age_years": [1.0, 2.0, 3.0]})
    table = baseline_table(ds, [{"variable": "sex"}, {"variable": "age_years"}])
    assert set(table["arm"]) == {"all"} and table["p"].isna().all()
    assert table.loc[table["level"] == "F", "n"].item() == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=6), st.lists(st.integers(1, 4), min_size=2, max_size=6))
def test_exact_rank_sum_p_with_ties_equals_full_enumeration(a, b):
    import itertools

    from scipy.stats import rankdata
    from tkicohort.stats.baseline import exact_rank_sum_p

    x = np.array(a + b, dtype=float)
    r = rankdata(x)
    centre, observed = len(a) * r.sum() / len(x), r[: len(a)].sum()
    subsets = list(itertools.combinations(range(len(x)), len(a)))
    hits = sum(abs(r[list(c)].sum() - centre) >= abs(observed - centre) - 1e-9 for c in subsets)
    assert exact_rank_sum_p(np.array(a, float), np.array(b, float)) == pytest.approx(hits / len(subsets), abs=1e-12)


def test_mann_whitney_method_option():
    from tkicohort.stats.baseline import mann_whitney

    # 1,2,2,3 vs 3,4,5,5: of the 70 ways to pick 4 of the 8 mid-ranks, 4 are as extreme as observed.
    exact = mann_whitney([1, 2, 2, 3], [3, 4, 5, 5], method="exact")
    assert exact["method"] == "exact conditional (ties)" and exact["p"] == pytest.approx(4 / 70)
    assert mann_whitney([1, 2, 2, 3], [3, 4, 5, 5])["method"].startswith("normal approximation")
    no_ties = mann_whitney([1, 3, 5, 8], [2, 4, 9, 10, 11], method="asymptotic")
    assert no_ties["method"].startswith("normal approximation")


def test_baseline_mann_whitney_follows_the_plan_method():
    """tests.mann_whitney reaches the baseline table: with ties, ``auto`` is R's normal approximation and ``exact``
    the exact conditional distribution (here counted over all C(8, 4) = 70 ways to pick the first arm's ranks)."""
    import itertools

    from scipy.stats import mannwhitneyu, rankdata

    tki, control = [1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 4.0, 4.0]
    ds = pd.DataFrame({"arm": ["tki"] * 4 + ["control"] * 4, "rai": tki + control})
    spec = [{"variable": "rai", "type": "continuous", "test": "mann_whitney"}]
    r = rankdata(tki + control)
    centre, observed = 4 * r.sum() / 8, r[:4].sum()
    hits = sum(abs(r[list(c)].sum() - centre) >= abs(observed - centre) - 1e-9
               for c in itertools.combinations(range(8), 4))
    exact = baseline_table(ds, spec, arm="arm", arms=["tki", "control"], mann_whitney_method="exact")
    auto = baseline_table(ds, spec, arm="arm", arms=["tki", "control"])
    assert exact["p"].iloc[0] == pytest.approx(hits / 70)
    assert auto["p"].iloc[0] == pytest.approx(mannwhitneyu(tki, control, method="asymptotic").pvalue)
    assert exact["p"].iloc[0] != pytest.approx(auto["p"].iloc[0])

    from tkicohort.stats.tables import TableInputs, make_table

    plan = {"design": "two_arm", "arms": {"reference": "control", "treatment": "tki"}, "baseline": spec,
            "tests": {"mann_whitney": "exact"}}
    assert make_table("baseline", TableInputs(ds), plan)["p"].iloc[0] == pytest.approx(hits / 70)
