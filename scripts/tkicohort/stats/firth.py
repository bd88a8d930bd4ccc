"""Firth-penalised Cox regression (Heinze & Schemper, Stat Med 2001) with profile penalised-likelihood intervals,
as R's ``coxphf`` (Heinze, Ploner et al.) computes them by default.

- **Estimate**: the maximum of l*(β) = l(β) + ½ log det I(β), l the log partial likelihood and I its information.
  Finite even under monotone likelihood (a level without events, separation). Found as coxphf does: steps
  I(β)⁻¹ U*(β) with the penalised score U*_r = U_r + ½ tr(I⁻¹ ∂I/∂β_r), each component capped at 0.5, halved while
  l* decreases; converged when every |step| and |U*| are below 1e-10 (coxphf's defaults are 1e-6 and 1e-4).
- **Confidence interval**: the profile penalised-likelihood interval {b : 2 (l*(β̂) − max l*(β | β_j = b)) ≤ χ²₁,₁₋α}
  (coxphf ``pl = TRUE``), its limits found by root search on the profile; a limit that does not exist within
  |β_j| ≤ 50 is reported as infinite.
- **p-value per coefficient**: the penalised likelihood-ratio test 2 (l*(β̂) − max l*(β | β_j = 0)), χ² with 1 df;
  the model's test is 2 (l*(β̂) − l*(0)) with p df (coxphf's "likelihood ratio test").
- **Standard error** (reported, used for nothing else): the square root of the diagonal of I(β̂)⁻¹, the unpenalised
  information at the penalised estimate, as coxphf's ``se(coef)``; there is no Wald test.
- **Ties**: Efron by default, like every other Cox model of the project, so that the penalty is the only difference
  between the penalised and the standard fit. coxphf itself uses Breslow's (and merges times less than 1e-4 apart);
  ``ties="breslow"`` reproduces coxphf. Strata and (start, stop] rows are accepted as in ``coxph.fit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2

from .coxph import RiskSets, SingularInformation, evaluate, risk_sets

MAX_STEP = 0.5
TOLERANCE = 1e-10
MAX_ITER = 200
LIMIT = 50.0


@dataclass(frozen=True)
class FirthFit:
    coef: np.ndarray
    var: np.ndarray            # I(β̂)⁻¹ at the penalised estimate
    ci_low: np.ndarray         # profile limits on the coefficient scale (±inf when not reached)
    ci_high: np.ndarray
    chisq: np.ndarray          # penalised likelihood-ratio statistic per coefficient (β_j = 0)
    p: np.ndarray
    penalized_loglik: float
    penalized_loglik_null: float
    n: int
    events: int

    @property
    def lr_chisq(self) -> float:
        return max(2 * (self.penalized_loglik - self.penalized_loglik_null), 0.0)

    @property
    def lr_p(self) -> float:
        return float(chi2.sf(self.lr_chisq, len(self.coef)))

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))


def fit_firth(time, event, x, *, start=None, strata=None, ties: str = "efron", conf_level: float = 0.95,
              counts=None) -> FirthFit:
    """Penalised fit, profile intervals at ``conf_level`` and penalised likelihood-ratio p per coefficient."""
    rs = risk_sets(time, event, x, start=start, strata=strata, ties=ties, counts=counts)
    p = rs.x.shape[1]
    if rs.events == 0:
        raise SingularInformation("no events")
    beta, top = maximise(rs, np.zeros(p), np.ones(p, dtype=bool))
    info = evaluate(rs, beta).info
    var = np.linalg.inv(info)
    null = penalized(rs, np.zeros(p))
    critical = chi2.ppf(conf_level, 1)
    low, high, stat = np.empty(p), np.empty(p), np.empty(p)
    for j in range(p):  # each search warm-starts from the estimate, then from its own previous point
        stat[j] = max(2 * (top - _Profile(rs, j, beta)(0.0)), 0.0)
        width = max(np.sqrt(var[j, j]), 0.1)
        low[j] = _limit(_Profile(rs, j, beta), beta[j], -width, top - critical / 2)
        high[j] = _limit(_Profile(rs, j, beta), beta[j], width, top - critical / 2)
    return FirthFit(beta, var, low, high, stat, chi2.sf(stat, 1), top, null, rs.n, rs.events)


def penalized(rs: RiskSets, beta: np.ndarray) -> float:
    """l*(β) = l(β) + ½ log det I(β) (−inf where I is not positive definite)."""
    ev = evaluate(rs, beta)
    sign, logdet = np.linalg.slogdet(ev.info)
    return ev.loglik + 0.5 * logdet if sign > 0 and np.isfinite(ev.loglik) else -np.inf


def _penalized_score(rs: RiskSets, beta: np.ndarray):
    ev = evaluate(rs, beta, third=True)
    sign, logdet = np.linalg.slogdet(ev.info)
    if sign <= 0 or not np.isfinite(ev.loglik):
        return -np.inf, None, None
    inverse = np.linalg.inv(ev.info)
    score = ev.score + 0.5 * np.einsum("jk,kjr->r", inverse, ev.dinfo)
    return ev.loglik + 0.5 * logdet, score, ev.info


def maximise(rs: RiskSets, beta: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, float]:
    """Maximise l* over the coefficients marked ``free`` (the others stay at their values in ``beta``)."""
    beta = beta.astype(float).copy()
    value, score, info = _penalized_score(rs, beta)
    if score is None:
        raise SingularInformation("information matrix not positive definite at the start")
    idx = np.flatnonzero(free)
    for _ in range(MAX_ITER):
        step = np.zeros_like(beta)
        step[idx] = np.linalg.solve(info[np.ix_(idx, idx)], score[idx])
        step = np.clip(step, -MAX_STEP, MAX_STEP)
        if np.abs(step).max(initial=0) <= TOLERANCE and np.abs(score[idx]).max(initial=0) <= TOLERANCE:
            return beta, value
        for _halving in range(30):
            new_value, new_score, new_info = _penalized_score(rs, beta + step)
            if new_score is not None and new_value >= value - 1e-12 * abs(value):
                break
            step = step / 2
        else:
            raise SingularInformation("penalised likelihood could not be increased")
        beta, value, score, info = beta + step, new_value, new_score, new_info
    raise SingularInformation(f"penalised likelihood did not converge in {MAX_ITER} iterations")


class _Profile:
    """max over the other coefficients of l*(β) with β_j fixed at b; warm-started from the nearest solution."""

    def __init__(self, rs: RiskSets, j: int, beta: np.ndarray):
        self.rs, self.j, self.start = rs, j, beta.copy()
        self.free = np.ones(len(beta), dtype=bool)
        self.free[j] = False

    def __call__(self, b: float) -> float:
        beta = self.start.copy()
        beta[self.j] = b
        if not self.free.any():
            return penalized(self.rs, beta)
        solution, value = maximise(self.rs, beta, self.free)
        self.start = solution
        return value


def _limit(profile: _Profile, centre: float, step: float, level: float) -> float:
    """The b beyond ``centre`` (in the direction of ``step``) where the profile falls to ``level``."""
    inside = centre
    outside = centre + step
    while profile(outside) > level:
        inside, outside = outside, centre + 2 * (outside - centre)
        if abs(outside) > LIMIT:
            return np.inf if step > 0 else -np.inf
    return brentq(lambda b: profile(b) - level, min(inside, outside), max(inside, outside), xtol=1e-12,
                  rtol=4 * np.finfo(float).eps)
