"""The Cox engine (tkicohort.stats.coxph) against R's coxph (tests/reference/survival/, made by
make_survival_reference.R) and against its own derivatives; tolerances stated per test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.stats import coxph

REF = Path(__file__).parents[1] / "reference" / "survival"


def _lung() -> pd.DataFrame:
    return pd.read_csv(REF / "lung.csv").dropna()


def test_lung_efron_fit_matches_r():
    # R: coxph(Surv(time, status) ~ age + sex + ph.ecog, lung); relative tolerance 1e-9.
    ref = pd.read_csv(REF / "cox_coefficients.csv", float_precision="round_trip")
    ref = ref[(ref.dataset == "lung") & (ref.covariates == "age sex ph_ecog") & (ref.ties == "efron")]
    lung = _lung()
    fit = coxph.fit(lung.time, lung.status, lung[["age", "sex", "ph_ecog"]].to_numpy())
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-9)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_score_and_information_are_the_derivatives_of_the_log_likelihood(ties):
    # Central differences with h = 1e-6 agree with the analytic score, information and ∂I/∂β to ~1e-8 relative.
    lung = _lung()
    x = lung[["age", "sex", "ph_ecog"]].to_numpy()
    rs = coxph.risk_sets(lung.time, lung.status, x, ties=ties)
    beta, h = np.array([0.02, -0.4, 0.5]), 1e-6
    at = coxph.evaluate(rs, beta, third=True)
    steps = np.eye(3) * h
    score = [(coxph.evaluate(rs, beta + e).loglik - coxph.evaluate(rs, beta - e).loglik) / (2 * h) for e in steps]
    info = [-(coxph.evaluate(rs, beta + e).score - coxph.evaluate(rs, beta - e).score) / (2 * h) for e in steps]
    dinfo = [(coxph.evaluate(rs, beta + e).info - coxph.evaluate(rs, beta - e).info) / (2 * h) for e in steps]
    np.testing.assert_allclose(at.score, score, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(at.info, np.array(info), rtol=1e-6)
    np.testing.assert_allclose(np.moveaxis(at.dinfo, 2, 0), np.array(dinfo), rtol=1e-6)


def test_merged_identical_rows_give_the_fit_of_the_expanded_rows():
    # Efron's tie terms count patients, not rows: a row standing for 3 tied deaths is 3 terms.
    rng = np.random.default_rng(7)
    n = 2000
    time = rng.integers(1, 30, n).astype(float)
    event = (rng.random(n) < 0.7).astype(float)
    x = rng.integers(0, 2, (n, 2)).astype(float)
    strata = rng.integers(0, 2, n)
    plain = coxph.newton_raphson(coxph.risk_sets(time, event, x, strata=strata))
    merged = coxph.fit(time, event, x, strata=strata)
    assert len(merged.risk.x) < n / 2
    np.testing.assert_allclose(merged.coef, plain.coef, rtol=1e-12)
    np.testing.assert_allclose(merged.var, plain.var, rtol=1e-10)
    assert merged.loglik == pytest.approx(plain.loglik, rel=1e-13)
    assert (merged.n, merged.events) == (plain.n, plain.events)


def test_splitting_follow_up_into_start_stop_pieces_changes_nothing():
    # A patient followed to t is the same as pieces (0, s] and (s, t] with the event on the last piece only.
    lung = _lung()
    x = lung[["age", "sex", "ph_ecog"]].to_numpy()
    whole = coxph.fit(lung.time, lung.status, x, counts=np.ones(len(lung)))
    cut = np.floor(lung.time.to_numpy() / 2)
    split = cut > 0
    start = np.concatenate([np.zeros(len(lung)), cut[split]])
    stop = np.concatenate([np.where(split, cut, lung.time), lung.time.to_numpy()[split]])
    event = np.concatenate([np.where(split, 0, lung.status), lung.status.to_numpy()[split]])
    pieces = coxph.fit(stop, event, np.vstack([x, x[split]]), start=start)
    np.testing.assert_allclose(pieces.coef, whole.coef, rtol=1e-10)
    np.testing.assert_allclose(pieces.var, whole.var, rtol=1e-9)
    assert pieces.loglik == pytest.approx(whole.loglik, rel=1e-12)


def test_the_one_covariate_at_a_time_path_gives_the_same_evaluation(monkeypatch):
    # Above PRODUCT_LIMIT (rows × p^order, ~160 MB of products) the moment sums are formed one covariate at a time;
    # forced here on small data (with strata and late entry), the evaluation agrees with the all-rows path to 1e-12.
    rng = np.random.default_rng(3)
    n = 400
    stop = rng.integers(2, 40, n).astype(float)
    start = np.maximum(stop - rng.integers(1, 20, n), 0) - 0.5
    rs = coxph.risk_sets(stop, (rng.random(n) < 0.6).astype(float), rng.normal(size=(n, 3)), start=start,
                         strata=rng.integers(0, 2, n))
    beta = np.array([0.3, -0.2, 0.1])
    together = coxph.evaluate(rs, beta, third=True)
    monkeypatch.setattr(coxph, "PRODUCT_LIMIT", -1)
    apart = coxph.evaluate(rs, beta, third=True)
    assert apart.loglik == pytest.approx(together.loglik, rel=1e-12)
    for name in ("score", "info", "dinfo"):
        np.testing.assert_allclose(getattr(apart, name), getattr(together, name), rtol=1e-12, atol=1e-12)
