"""Log-rank test and Cox proportional-hazards models, with the conventions stated.

- **Log-rank**: lifelines' k-sample test (equal to R's ``survdiff`` to ~1e-13); χ² with k − 1 df.
- **Cox**: lifelines ``CoxPHFitter`` — Efron ties (R's default), Wald CIs ``exp(coef ± z·se)``, Wald p per term and
  the model's likelihood-ratio test. Fitted with a tight Newton–Raphson stopping rule (step 1, precision 1e-12): with
  lifelines' defaults coefficients differ from R by up to 1e-5, with these options by ~1e-12. ``batch_mode`` is forced
  on: with integer-day times (many ties) lifelines' automatic choice picks a per-row path ten times slower.
- **Not estimable**: a model whose Newton–Raphson does not converge, or converges to |coef| > 15 (HR beyond 3·10⁶:
  monotone likelihood, e.g. no events in one level), is reported as not estimable with the reason, not as a number.
- **Firth** (optional): the penalised partial likelihood l(β) + ½ log det I(β) of Heinze & Schemper (2001), maximised
  numerically over statsmodels' Efron log-likelihood and information; SE from the penalised information; the p-value
  is the penalised likelihood-ratio test against β = 0 (coxphf's test). Finite even under separation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import multivariate_logrank_test
from scipy.optimize import minimize
from scipy.stats import chi2, norm, rankdata
from statsmodels.duration.hazard_regression import PHReg

FIT_OPTIONS = {"step_size": 1.0, "precision": 1e-12, "r_precision": 1e-15, "max_steps": 100}
MAX_ABS_COEF = 15.0


class NotEstimable(Exception):
    """A hazard ratio that has no finite maximum-likelihood estimate; the message is the reason."""


def logrank_test(time, event, group) -> dict:
    """k-sample log-rank test: chisq, df, p (NaN with a reason when fewer than two groups have patients)."""
    frame = pd.DataFrame({"t": time, "e": event, "g": group}).dropna()
    k = frame["g"].nunique()
    if k < 2:
        return {"chisq": np.nan, "df": np.nan, "p": np.nan, "note": "fewer than two groups with patients"}
    if frame["e"].sum() == 0:
        return {"chisq": np.nan, "df": k - 1, "p": np.nan, "note": "no events"}
    res = multivariate_logrank_test(frame["t"].to_numpy(float), frame["g"].astype(str).to_numpy(),
                                    frame["e"].to_numpy(int))
    return {"chisq": float(res.test_statistic), "df": int(res.degrees_of_freedom), "p": float(res.p_value),
            "note": ""}


@dataclass
class CoxResult:
    """A fitted Cox model: one row per term, and the model-level figures."""

    terms: pd.DataFrame
    n: int
    events: int
    loglik: float
    loglik_null: float
    lr_chisq: float
    lr_df: int
    lr_p: float
    method: str = "efron"
    notes: list[str] = field(default_factory=list)


def fit_cox(frame: pd.DataFrame, duration: str, event: str, covariates: list[str],
            conf_level: float = 0.95) -> CoxResult:
    """Maximum-likelihood Cox model (Efron ties) on the complete cases of ``covariates`` (numeric columns)."""
    data = frame[[duration, event, *covariates]].dropna().astype(float)
    _check_model_data(data, duration, event, covariates)
    fitter = _newton_raphson(data, duration, event, 1 - conf_level)
    s = fitter.summary
    if not np.all(np.isfinite(s["coef"])) or (s["coef"].abs() > MAX_ABS_COEF).any():
        raise NotEstimable("monotone likelihood: the hazard ratio diverges (an event-free or separated group)")
    z = norm.ppf(1 - (1 - conf_level) / 2)
    terms = pd.DataFrame({
        "term": list(s.index), "coef": s["coef"].to_numpy(), "se": s["se(coef)"].to_numpy(),
        "hr": np.exp(s["coef"].to_numpy()),
        "hr_ci_low": np.exp(s["coef"].to_numpy() - z * s["se(coef)"].to_numpy()),
        "hr_ci_high": np.exp(s["coef"].to_numpy() + z * s["se(coef)"].to_numpy()),
        "z": s["z"].to_numpy(), "p": s["p"].to_numpy()})
    lr = fitter.log_likelihood_ratio_test()
    loglik = float(fitter.log_likelihood_)
    return CoxResult(terms, len(data), int(data[event].sum()), loglik, loglik - float(lr.test_statistic) / 2,
                     float(lr.test_statistic), int(lr.degrees_freedom), float(lr.p_value))


def _newton_raphson(data: pd.DataFrame, duration: str, event: str, alpha: float) -> CoxPHFitter:
    """lifelines' Newton–Raphson with full steps (as R's coxph), then with half steps when full steps overshoot
    into overflow: in small samples with near-separated covariates a full first step can leave the region where
    exp(xβ) is finite although the likelihood has a finite maximum (R's coxph halves the step in that case too)."""
    error = None
    for step in (FIT_OPTIONS["step_size"], 0.5):
        fitter = CoxPHFitter(alpha=alpha)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow on the way to a divergence, reported below
            try:
                return fitter.fit(data, duration_col=duration, event_col=event, batch_mode=True,
                                  fit_options={**FIT_OPTIONS, "step_size": step})
            except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError) as err:
                error = err
    raise NotEstimable(f"Cox model did not converge ({_first_line(error)}): monotone likelihood or "
                       "separation suspected")


def fit_cox_firth(frame: pd.DataFrame, duration: str, event: str, covariates: list[str],
                  conf_level: float = 0.95) -> CoxResult:
    """Firth-penalised Cox model (Efron ties); see the module docstring for the test and the SE."""
    data = frame[[duration, event, *covariates]].dropna().astype(float)
    _check_model_data(data, duration, event, covariates)
    model = PHReg(data[duration].to_numpy(), data[covariates].to_numpy(), status=data[event].to_numpy(),
                  ties="efron")

    def penalised(beta):
        info = -model.hessian(beta)
        sign, logdet = np.linalg.slogdet(info)
        return model.loglike(beta) + 0.5 * logdet if sign > 0 else -np.inf

    def gradient(beta, h=1e-6):
        # Central differences: the penalty's derivative needs third derivatives of l(β) that no library exposes.
        steps = np.eye(len(beta)) * h
        return np.array([(penalised(beta + e) - penalised(beta - e)) / (2 * h) for e in steps])

    start = np.zeros(len(covariates))
    opt = minimize(lambda b: -penalised(b), start, jac=lambda b: -gradient(b), method="BFGS",
                   options={"gtol": 1e-9, "maxiter": 500})
    beta = opt.x
    cov = np.linalg.inv(-model.hessian(beta))
    se = np.sqrt(np.diag(cov))
    z = norm.ppf(1 - (1 - conf_level) / 2)
    pl, pl0 = penalised(beta), penalised(start)
    lr = max(2 * (pl - pl0), 0.0)
    terms = pd.DataFrame({"term": covariates, "coef": beta, "se": se, "hr": np.exp(beta),
                          "hr_ci_low": np.exp(beta - z * se), "hr_ci_high": np.exp(beta + z * se),
                          "z": beta / se, "p": chi2.sf(lr, len(covariates)) if len(covariates) == 1
                          else 2 * norm.sf(np.abs(beta / se))})
    return CoxResult(terms, len(data), int(data[event].sum()), pl, pl0, lr, len(covariates),
                     float(chi2.sf(lr, len(covariates))), method="firth")


def schoenfeld_residuals(time, event, X, beta) -> tuple[np.ndarray, np.ndarray]:
    """Unscaled Schoenfeld residuals (Efron ties: each tied death's expected covariate is the average of the d
    Efron-weighted risk-set means, as R's ``residuals(fit, "schoenfeld")``), one row per event sorted by time.
    Returns (event times, residuals).

    Vectorised here because lifelines computes them with a Python loop over event times (17 s at 10⁵ patients).
    """
    order = np.argsort(time, kind="stable")
    t, e, X = np.asarray(time, float)[order], np.asarray(event, float)[order], np.asarray(X, float)[order]
    X = X - X.mean(axis=0)  # centring leaves the residuals unchanged and keeps exp() in range
    w = np.exp(X @ beta)
    distinct, first, idx = np.unique(t, return_index=True, return_inverse=True)
    s0 = np.cumsum(w[::-1])[::-1][first]
    s1 = np.cumsum((w[:, None] * X)[::-1], axis=0)[::-1][first]
    d = np.bincount(idx, weights=e, minlength=len(distinct)).astype(int)
    d0 = np.bincount(idx, weights=w * e, minlength=len(distinct))
    d1 = np.column_stack([np.bincount(idx, weights=w * e * X[:, j], minlength=len(distinct))
                          for j in range(X.shape[1])])
    at = np.flatnonzero(d > 0)
    reps = d[at]
    g = np.repeat(at, reps)
    k = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    frac = k / d[g]
    means = (s1[g] - frac[:, None] * d1[g]) / (s0[g] - frac * d0[g])[:, None]
    starts = np.concatenate([[0], np.cumsum(reps)[:-1]])
    expected = np.add.reduceat(means, starts, axis=0) / reps[:, None]
    deaths = e == 1
    return t[deaths], X[deaths] - np.repeat(expected, reps, axis=0)


def ph_test(frame: pd.DataFrame, duration: str, event: str, covariates: list[str],
            transform: str = "km") -> pd.DataFrame:
    """Grambsch–Therneau test of proportional hazards per term and globally, from scaled Schoenfeld residuals —
    the formula of R's ``cox.zph`` before survival 3.0 (and lifelines'). Time transform ``km`` (R's default:
    1 − the left-continuous KM at each event), ``rank`` (average ranks of the event times) or ``identity``.
    Survival ≥ 3.0 replaced this by a score test, so its p-values differ slightly."""
    data = frame[[duration, event, *covariates]].dropna().astype(float)
    fitter = _newton_raphson(data, duration, event, 0.05)
    beta = fitter.params_.loc[covariates].to_numpy()
    var = fitter.variance_matrix_.loc[covariates, covariates].to_numpy()
    times, resid = schoenfeld_residuals(data[duration], data[event], data[covariates].to_numpy(), beta)
    g = _transform_times(times, data[duration].to_numpy(), data[event].to_numpy(), transform)
    xx = g - g.mean()
    deaths = len(times)
    scaled = resid @ var * deaths
    per_term = (xx @ scaled) ** 2 / (np.diag(var) * deaths * np.sum(xx ** 2))
    score = xx @ resid
    global_chisq = float(score @ var @ score * deaths / np.sum(xx ** 2))
    return pd.DataFrame({"term": [*covariates, "GLOBAL"], "ph_chisq": [*per_term, global_chisq],
                         "ph_df": [1] * len(covariates) + [len(covariates)],
                         "ph_p": [*chi2.sf(per_term, 1), chi2.sf(global_chisq, len(covariates))]})


def _transform_times(event_times: np.ndarray, time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return event_times
    if transform == "rank":
        return rankdata(event_times)
    if transform == "km":
        from .kaplan_meier import kaplan_meier

        km = kaplan_meier(time, event)
        with_deaths = km.n_event > 0
        left = np.concatenate([[1.0], km.surv[with_deaths][:-1]])  # S just before each event time
        return 1 - np.repeat(left, km.n_event[with_deaths])
    raise ValueError(f"unknown time transform {transform!r}")


def _check_model_data(data: pd.DataFrame, duration: str, event: str, covariates: list[str]) -> None:
    if len(data) < 2:
        raise NotEstimable("fewer than two patients")
    if data[event].sum() == 0:
        raise NotEstimable("no events")
    constant = [c for c in covariates if data[c].nunique() < 2]
    if constant:
        raise NotEstimable(f"no variation in {', '.join(constant)}")


def _first_line(err: Exception) -> str:
    """The first sentence of a library's message (lifelines appends code suggestions after it)."""
    text = str(err).strip()
    return text.split(". ")[0].rstrip(".") if text else type(err).__name__
