"""Permutation log-rank test against R's coin::logrank_test (tests/reference/postbaseline/, made by
make_postbaseline_reference.R): the scores, the exact p-value to 1e-6, Monte Carlo p-values within their error,
and a brute-force enumeration of every split by hand."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.stats.permutation_logrank import MAX_PATIENTS, logrank_scores, permutation_logrank

REF = Path(__file__).parents[1] / "reference" / "postbaseline"
CASES = pd.read_csv(REF / "permutation_cases.csv")
COIN = pd.read_csv(REF / "permutation.csv", dtype={"p": str})


def _case(name):
    return CASES[CASES["case"] == name]


def _coin(name, distribution):
    return COIN[(COIN["case"] == name) & (COIN["distribution"] == distribution)]["p"].iloc[0]


@pytest.mark.parametrize("name", sorted(CASES["case"].unique()))
def test_scores_are_coins_logrank_scores(name):
    d = _case(name)
    expected = np.array(_coin(name, "scores").split(";"), dtype=float)
    np.testing.assert_allclose(logrank_scores(d["time"], d["event"]), expected, atol=1e-12)


@pytest.mark.parametrize("name", ["ties_small", "single", "n26_8"])
def test_exact_p_equals_coin_exact(name):
    d = _case(name)
    res = permutation_logrank(d["time"], d["event"], d["group"])
    assert res["method"] == "exact"
    assert res["p"] == pytest.approx(float(_coin(name, "exact")), abs=1e-6)


@pytest.mark.parametrize("name,forced", [("n26_8", True), ("three_groups", False)])
def test_monte_carlo_p_within_error_of_coin(name, forced):
    d = _case(name)
    res = permutation_logrank(d["time"], d["event"], d["group"], max_exact=0 if forced else 200_000)
    assert res["method"] == "monte_carlo"
    # coin's p: exact when it has one, else its own 10^5 resamples (then both p-values carry Monte Carlo error)
    exact = COIN[(COIN["case"] == name) & (COIN["distribution"] == "exact")]
    p_ref = float(exact["p"].iloc[0]) if len(exact) else float(_coin(name, "approximate"))
    se = np.sqrt(p_ref * (1 - p_ref) / 100_000) * (1 if len(exact) else np.sqrt(2))
    assert abs(res["p"] - p_ref) < 4 * se
    assert res["se"] == pytest.approx(np.sqrt(res["p"] * (1 - res["p"]) / 100_000))


def test_exact_enumeration_by_hand():
    time = np.array([2, 3, 3, 5, 6, 8, 9, 9, 11, 12], dtype=float)
    event = np.array([1, 1, 0, 1, 0, 1, 1, 1, 0, 1])
    group = np.array([0, 1, 0, 0, 1, 1, 0, 1, 1, 0])
    a = logrank_scores(time, event)
    # Nelson–Aalen by hand at t = 2, 3: 1/10, 1/10 + 1/9
    assert a[0] == pytest.approx(1 / 10 - 1)
    assert a[2] == pytest.approx(1 / 10 + 1 / 9)
    observed = abs(a[group == 1].sum() - 5 * a.mean())
    splits = [abs(a[list(ix)].sum() - 5 * a.mean()) for ix in itertools.combinations(range(10), 5)]
    p_hand = np.mean(np.array(splits) >= observed - 1e-12)
    res = permutation_logrank(time, event, group)
    assert res["method"] == "exact" and res["p"] == pytest.approx(p_hand, abs=1e-12)


def test_fixed_seed_is_deterministic_and_seed_changes_draws():
    d = _case("three_groups")
    a = permutation_logrank(d["time"], d["event"], d["group"], n_resample=2000, seed=1)
    b = permutation_logrank(d["time"], d["event"], d["group"], n_resample=2000, seed=1)
    c = permutation_logrank(d["time"], d["event"], d["group"], n_resample=2000, seed=2)
    assert a == b and a["p"] != c["p"]


def test_not_computed_cases_say_why():
    assert permutation_logrank([1, 2, 3], [0, 0, 0], [0, 1, 1])["note"] == "no events"
    assert permutation_logrank([1, 2, 3], [1, 0, 1], [0, 0, 0])["note"] == "fewer than two groups with patients"
    assert np.isnan(permutation_logrank([1, 2, 3], [1, 0, 1], [0, 0, 0])["p"])


def test_above_the_patient_limit_only_the_asymptotic_test_is_given():
    rng = np.random.default_rng(3)
    n = MAX_PATIENTS + 1
    result = permutation_logrank(rng.exponential(10, n), rng.random(n) < 0.7, np.arange(n) % 2)
    assert np.isnan(result["p"]) and "asymptotic" in result["note"]
    small = permutation_logrank(rng.exponential(10, 40), rng.random(40) < 0.7, np.arange(40) % 2)
    assert 0 < small["p"] <= 1
