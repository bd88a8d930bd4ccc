"""Test of proportional hazards as R's current ``cox.zph(fit, transform, terms = TRUE)`` (survival ≥ 3.0).

For a fitted Cox model with coefficients β̂, the test asks whether adding g(t)·x to the model would improve it: the
score test, at (β̂, 0), of the 2p-parameter model with covariates x and g(t)·x. Its pieces, per event time t of
each stratum (with Efron's or Breslow's weighting as the fit used):

- the score of the added terms, U_g = Σ_t g(t) (Σ_events x − Σ_terms of the risk-set mean of x);
- the 2p × 2p information [[Σ I_t, Σ g I_t], [Σ g I_t, Σ g² I_t]], I_t the fit's information contribution at t.

The first p entries of the score are set to 0 (they are 0 at β̂), and a term with columns J (a factor with k levels
has k − 1 columns) gets χ² = uᵀ A⁻¹ u over the rows and columns {1..p} ∪ (p + J), with |J| degrees of freedom;
the global test uses all 2p (p df). g is the time transform centred at its mean over the events:

- ``km`` (R's default): 1 − the left-continuous Kaplan–Meier estimate of all rows (strata ignored) at t;
- ``rank``: the average rank of t among all rows' times; ``identity``: t; ``log``: log t.

The formula used before survival 3.0 (and by lifelines' ``proportional_hazard_test``), which scales Schoenfeld
residuals by the average information, is an approximation of this test and can differ from it several-fold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .coxph import CoxFit, RiskSets

TRANSFORMS = ("km", "rank", "identity", "log")


def cox_zph(fit: CoxFit, terms: dict[str, list[int]] | None = None, transform: str = "km") -> pd.DataFrame:
    """One row per term (``terms``: name → column indices of the fit; default one term per column) and ``GLOBAL``:
    term, chisq, df, p."""
    p = len(fit.coef)
    terms = terms or {str(j): [j] for j in range(p)}
    rs = fit.risk
    g = _time_transform(rs, transform)
    g = g - np.sum(rs.deaths * g) / rs.events
    info, score = fit.final.info_blocks, fit.final.score_blocks
    weighted = np.einsum("b,bjk->jk", g, info)
    full = np.block([[info.sum(axis=0), weighted], [weighted, np.einsum("b,bjk->jk", g * g, info)]])
    u = np.concatenate([np.zeros(p), g @ score])
    rows = []
    for name, cols in [*terms.items(), ("GLOBAL", list(range(p)))]:
        keep = np.concatenate([np.arange(p), p + np.asarray(cols, dtype=int)])
        stat = float(u[keep] @ np.linalg.solve(full[np.ix_(keep, keep)], u[keep]))
        df = p if name == "GLOBAL" else len(cols)
        rows.append({"term": name, "chisq": stat, "df": df, "p": float(chi2.sf(stat, df))})
    return pd.DataFrame(rows)


def _time_transform(rs: RiskSets, transform: str) -> np.ndarray:
    """g at each block's event time."""
    t = rs.block_time
    if transform == "identity":
        return t.copy()
    if transform == "log":
        return np.log(t)
    rows = rs.rows
    stop, counts = rows["time"], rows["counts"]
    order = np.argsort(stop, kind="stable")
    sorted_stop, cum = stop[order], np.concatenate([[0], np.cumsum(counts[order])])
    if transform == "rank":
        below = cum[np.searchsorted(sorted_stop, t, side="left")]
        at = cum[np.searchsorted(sorted_stop, t, side="right")] - below
        return below + (at + 1) / 2
    if transform == "km":
        return 1 - _left_km(rows, t)
    raise ValueError(f"transform must be one of {TRANSFORMS}, not {transform!r}")


def _left_km(rows: dict, at: np.ndarray) -> np.ndarray:
    """Kaplan–Meier of all rows (strata ignored; counting-process rows at risk on (start, stop]) just before each
    time in ``at``."""
    stop, event, start, counts = rows["time"], rows["event"], rows["start"], rows["counts"]
    dead = event == 1
    times, inverse = np.unique(stop[dead], return_inverse=True)
    deaths = np.bincount(inverse, weights=counts[dead], minlength=len(times))
    at_risk = _count_at_least(stop, counts, times)
    if start is not None:
        at_risk = at_risk - _count_at_least(start, counts, times)
    surv = np.cumprod(1 - deaths / at_risk)
    before = np.searchsorted(times, at, side="left")  # event times strictly before each t
    return np.concatenate([[1.0], surv])[before]


def _count_at_least(values: np.ndarray, counts: np.ndarray, times: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    cum = np.concatenate([[0], np.cumsum(counts[order])])
    return cum[-1] - cum[np.searchsorted(values[order], times, side="left")]
