"""Response statistics against R (stored reference values) and against Zhujiang Table 3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tkicohort.stats.response import (
    chisq_test,
    clopper_pearson,
    compare_table,
    fisher_exact_2xk,
    outcome_table,
    response_by_subgroup,
    response_rate,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "response"
CONTINGENCY = pd.read_csv(REF / "contingency.csv")


def _parse(s: str) -> np.ndarray:
    return np.array([[int(x) for x in row.split(",")] for row in s.split(";")])


@pytest.mark.parametrize("row", CONTINGENCY.to_dict("records"), ids=CONTINGENCY["table"].tolist())
def test_against_r(row):
    t = _parse(row["table"])
    assert fisher_exact_2xk(t) == pytest.approx(row["fisher_p"], rel=1e-9)
    stat, df, p = chisq_test(t)
    assert (stat, df) == (pytest.approx(row["chisq_stat"], rel=1e-9), row["chisq_df"])
    assert p == pytest.approx(row["chisq_p"], rel=1e-9)
    stat, _, p = chisq_test(t, correct=True)
    assert stat == pytest.approx(row["chisq_corrected_stat"], rel=1e-9, abs=1e-12)
    assert p == pytest.approx(row["chisq_corrected_p"], rel=1e-9)


@pytest.mark.parametrize("row", CONTINGENCY.to_dict("records"), ids=CONTINGENCY["table"].tolist())
def test_chisq_note_exactly_when_r_warns(row):
    t = _parse(row["table"])
    note = compare_table(t, "chisq")["note"]
    assert bool(note) == row["chisq_warns"]
    if row["chisq_warns"]:
        cells = t.size
        assert f"{row['expected_below_5']} of {cells} expected counts below 5" in note
        assert f"smallest {row['expected_min']:.2f}" in note
        assert (f"{row['expected_below_1']} below 1" in note) == (row["expected_below_1"] > 0)
        assert note.startswith("χ² approximation unreliable" if row["expected_below_1"] else "χ² approximation may")
    assert compare_table(t, "fisher")["note"] == ""
    auto = compare_table(t, "auto")
    assert auto["test"] == ("fisher" if row["chisq_warns"] else "chisq")
    assert bool(auto["note"]) == row["chisq_warns"]  # says that it chose Fisher, and why


def test_small_expected_counts_reach_the_tables():
    from tkicohort.stats.baseline import baseline_table

    ds = pd.DataFrame({"arm": ["a"] * 10 + ["b"] * 32, "x": [1] * 0 + [0] * 10 + [1] * 2 + [0] * 30})
    table = baseline_table(ds, [{"variable": "x", "type": "categorical", "levels": [1, 0], "test": "chisq"}],
                           arm="arm", arms=["a", "b"])
    assert table["test_note"].str.startswith("χ² approximation unreliable: 2 of 4 expected counts below 5").all()
    levels = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 32, "dcr": [0] * 10 + [1] * 2 + [0] * 30,
                           "orr": [1, 0] * 21})
    out = response_by_subgroup(levels, [{"variable": "g", "levels": ["a", "b"]}], test="chisq")
    assert out["dcr_note"].str.contains("below 1").all() and (out["orr_note"] == "").all()


def test_clopper_pearson_against_r():
    ref = pd.read_csv(REF / "clopper_pearson.csv")
    low, high = clopper_pearson(ref["k"], ref["n"])
    np.testing.assert_allclose(low, ref["low"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(high, ref["high"], rtol=1e-9)


def test_auto_rule_uses_fisher_when_an_expected_count_is_small():
    # Expected counts of [[7, 0], [8, 11]]: row totals 7, 19; column totals 15, 11; n = 26 → 7·11/26 = 2.96 < 5.
    assert compare_table([[7, 0], [8, 11]], "auto")["test"] == "fisher"
    # [[20, 30], [30, 20]]: every expected count is 25.
    assert compare_table([[20, 30], [30, 20]], "auto")["test"] == "chisq"


def test_outcome_table_and_rate():
    y = pd.Series([1, 0, 1, None, 1, 0])
    g = pd.Series(["a", "a", "b", "b", None, "c"])
    # a: 1 of 2; b: 1 of 1 (the None outcome is dropped); c: 0 of 1; the None group is dropped.
    assert outcome_table(y, g, ["a", "b", "c"]).tolist() == [[1, 1, 0], [1, 0, 1]]
    r = response_rate(y)
    assert (r["n"], r["events"]) == (5, 3) and r["pct"] == pytest.approx(60.0)


# Zhujiang Table 3 (Ling et al. 2023): DCR % and ORR % per level, and the printed Fisher p-values.
# Evaluable n = 26, 15 with disease control, 7 with objective response (Table 2).
ZHUJIANG_T3 = {
    "age ≥55 / <55": (58.8, 55.6, "1.000", 23.5, 33.3, "0.661"),
    "male / female": (41.7, 71.4, "0.233", 25.0, 28.6, "1.000"),
    "FTC / PTC": (55.6, 58.8, "1.000", 33.3, 23.5, "0.661"),
    "RAI uptake yes / no": (57.1, 58.3, "1.000", 21.4, 33.3, "0.665"),
    "distant metastases yes / no": (57.9, 57.1, "1.000", 36.8, 0.0, "0.134"),
    "lung metastasis yes / no": (60.0, 54.5, "1.000", 46.7, 0.0, "0.010"),
    "lung-only yes / no": (87.5, 44.4, "0.084", 75.0, 5.6, "0.001"),
    "bone metastasis yes / no": (40.0, 68.8, "0.228", 10.0, 37.5, "0.190"),
    "RAI-only / other therapy": (58.3, 57.1, "1.000", 25.0, 28.6, "1.000"),
    "residual lesions yes / no": (57.1, 57.9, "1.000", 14.3, 31.6, "0.629"),
    "HFS yes / no": (60.0, 0.0, "0.423", 28.0, 0.0, "1.000"),
    "Tg decrease ≥60 % / <60 %": (85.7, 25.0, "0.004", 42.9, 8.3, "0.081"),
    "reduced / standard dose": (61.1, 50.0, "0.683", 22.2, 37.5, "0.635"),
}


def _counts_from_percentages(d1, d2, o1, o2):
    """Every (n1, n2, dcr1, dcr2, orr1, orr2) with n1 + n2 = 26, dcr1 + dcr2 = 15, orr1 + orr2 = 7, orr ≤ dcr
    per level, whose percentages print as given (one decimal)."""
    def fits(a, n, pct):
        return abs(100 * a / n - pct) < 0.051
    out = []
    for n1 in range(1, 26):
        n2 = 26 - n1
        for a1 in range(max(0, 15 - n2), min(n1, 15) + 1):
            a2 = 15 - a1
            for b1 in range(max(0, 7 - a2), min(a1, 7) + 1):
                if fits(a1, n1, d1) and fits(a2, n2, d2) and fits(b1, n1, o1) and fits(7 - b1, n2, o2):
                    out.append((n1, n2, a1, a2, b1, 7 - b1))
    return out


@pytest.mark.parametrize("variable", list(ZHUJIANG_T3))
def test_zhujiang_table3_p_values_recomputed_from_printed_percentages(variable):
    d1, d2, p_dcr, o1, o2, p_orr = ZHUJIANG_T3[variable]
    solutions = _counts_from_percentages(d1, d2, o1, o2)
    assert len(solutions) == 1, f"the printed percentages should determine the counts: {solutions}"
    n1, n2, a1, a2, b1, b2 = solutions[0]
    assert f"{compare_table([[a1, a2], [n1 - a1, n2 - a2]], 'fisher')['p']:.3f}" == p_dcr
    assert f"{compare_table([[b1, b2], [n1 - b1, n2 - b2]], 'fisher')['p']:.3f}" == p_orr


def test_response_by_subgroup_population_and_adjustment():
    ds = pd.DataFrame({
        "sex": ["F"] * 6 + ["M"] * 6,
        "met": [1, 1, 1, 0, 0, 0] * 2,
        "dcr": [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, None],
        "orr": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, None],
    })
    table = response_by_subgroup(ds, [
        {"variable": "sex", "levels": ["F", "M"], "labels": {"F": "Female", "M": "Male"}},
        {"variable": "sex", "label": "sex (met)", "levels": ["F", "M"], "population": "met == 1"},
    ])
    first = table.iloc[0]
    # Female: dcr 4/6; male: 1/5 (one missing). Fisher on [[4, 1], [2, 4]] by hand: P(X ≥ 4 or as extreme).
    assert (first["n_dcr"], first["dcr_events"], table.iloc[1]["n_dcr"]) == (6, 4, 5)
    assert first["dcr_p"] == pytest.approx(fisher_exact_2xk([[4, 1], [2, 4]]))
    # The population filter keeps the 6 patients with met == 1.
    assert table.iloc[2]["n_dcr"] + table.iloc[3]["n_dcr"] == 6
    ref = pd.read_csv(REF / "p_adjust.csv")
    from tkicohort.stats.response import adjust_per_subgroup

    frame = pd.DataFrame({"subgroup": [f"s{i}" for i in range(len(ref))], "p": ref["p"]})
    np.testing.assert_allclose(adjust_per_subgroup(frame, "p", "holm"), ref["holm"], rtol=1e-12)
    np.testing.assert_allclose(adjust_per_subgroup(frame, "p", "fdr_bh"), ref["bh"], rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=2, max_size=4))
def test_fisher_2xk_is_a_probability_and_invariant_to_column_order(cols):
    t = np.array(cols).T
    p = fisher_exact_2xk(t)
    assert 0.0 <= p <= 1.0
    assert fisher_exact_2xk(t[:, ::-1]) == pytest.approx(p, rel=1e-9)
    assert fisher_exact_2xk(t[::-1]) == pytest.approx(p, rel=1e-9)
