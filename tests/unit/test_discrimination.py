"""Discrimination of the Cox model: Harrell's C and its bootstrap optimism against R's survival::concordance on
R's lung data (tests/reference/postbaseline/, made by make_postbaseline_reference.R, with R's own bootstrap
draws), Uno's C beside R's timewt = "n/G2", and the time-dependent AUC by hand where no one is censored."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.stats import coxph
from tkicohort.stats.discrimination import bootstrap_optimism, discrimination

REF = Path(__file__).parents[1] / "reference" / "postbaseline"


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(REF / "lung_complete.csv")
    return d["time"].to_numpy(float), d["status"].to_numpy(float), d[["age", "sex", "ph_ecog"]].to_numpy(float)


@pytest.fixture(scope="module")
def r_values():
    return pd.read_csv(REF / "concordance.csv").set_index("statistic")["value"]


@pytest.fixture(scope="module")
def table(lung):
    return discrimination(*lung, landmarks=[180, 365], n_boot=20, seed=1).set_index("statistic")


def test_harrell_c_equals_r(table, r_values):
    assert table.loc["harrell_c", "value"] == pytest.approx(r_values["harrell"], abs=1e-9)


def test_uno_c_close_to_r_n_over_g2(table, r_values):
    # scikit-survival and R evaluate the censoring distribution differently at the observed times (2.3e-4 apart
    # here); the tolerance says how close the two implementations of Uno's C are, not a Monte Carlo error
    assert table.loc["uno_c", "value"] == pytest.approx(r_values["uno_n_G2"], abs=1e-3)


def test_optimism_with_rs_bootstrap_draws_equals_r(lung, r_values):
    indices = pd.read_csv(REF / "bootstrap_indices.csv").to_numpy() - 1  # R numbers rows from 1
    result = bootstrap_optimism(*lung, indices)
    assert result["failed"] == 0 and result["harrell_resamples"] == len(indices)
    assert result["harrell"] == pytest.approx(r_values["harrell_optimism"], abs=1e-8)


def test_corrected_is_apparent_minus_optimism(table):
    row = table.loc["harrell_c"]
    assert row["corrected"] == pytest.approx(row["value"] - row["optimism"])
    assert row["resamples"] == 20


def test_auc_without_censoring_is_the_share_of_ordered_case_control_pairs():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 1))
    time = np.round(rng.exponential(np.exp(-x[:, 0]) * 10) + 1)
    event = np.ones(40)
    score = x[:, 0] * coxph.fit(time, event, x).coef[0]
    t = float(np.median(time))
    cases, controls = score[time <= t], score[time > t]
    pairs = (cases[:, None] > controls[None, :]).mean() + 0.5 * (cases[:, None] == controls[None, :]).mean()
    out = discrimination(time, event, x, landmarks=[t], n_boot=0).set_index("statistic")
    assert out.loc["auc", "value"] == pytest.approx(pairs, abs=1e-12)


def test_landmark_outside_follow_up_is_said(lung):
    out = discrimination(*lung, landmarks=[5000], n_boot=0)
    row = out[out["statistic"] == "auc"].iloc[0]
    assert np.isnan(row["value"]) and "outside" in row["note"]


def test_fixed_seed_gives_identical_tables(lung):
    a = discrimination(*lung, n_boot=5, seed=3)
    b = discrimination(*lung, n_boot=5, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_c_indices_equal_scikit_survival_to_the_last_bit():
    """The hand-written Harrell's and Uno's C against scikit-survival's functions, exactly, on samples with tied
    times, tied and near-tied scores (within 1e-8), heavy and no censoring; NaN where scikit-survival raises."""
    import warnings

    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
    from sksurv.util import Surv
    from tkicohort.stats.discrimination import _c_indices, _sample

    def sksurv_or_nan(f, *args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return f(*args, **kwargs)[0]
        except ValueError:  # no comparable pair, G = 0 at an event time, no event before tau
            return np.nan

    rng = np.random.default_rng(11)
    checked = uno_nan = 0
    for trial in range(300):
        n = int(rng.integers(2, 40)) if trial % 10 else int(rng.integers(200, 500))
        time = rng.integers(1, rng.integers(2, 30), n) * rng.choice([1.0, 0.37])
        event = (rng.random(n) < rng.choice([0.2, 0.6, 1.0])).astype(float)
        event[rng.integers(n)] = 1.0
        score = rng.normal(size=n) if trial % 3 else rng.integers(0, 3, n) * 0.7 + rng.choice([0.0, 1e-9], n)
        tau = float(time[event == 1].max())
        y = Surv.from_arrays(event.astype(bool), time)
        harrell = sksurv_or_nan(concordance_index_censored, event.astype(bool), time, score)
        uno = sksurv_or_nan(concordance_index_ipcw, y, y, score, tau=tau)
        mine = _c_indices(_sample(time, event, tau), score)
        np.testing.assert_array_equal(mine, (harrell, uno))  # equal bits (NaN equal to NaN)
        checked += 1
        uno_nan += np.isnan(uno)
    assert checked == 300 and 0 < uno_nan < 150  # the undefined case was met, and is not the rule
