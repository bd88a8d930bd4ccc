"""Fitting reconstructed event times to published survival summaries.

The inverse problem behind a reconstruction: given the patients' group memberships, choose event/censoring times so
that each group's Kaplan–Meier mean and each split's log-rank p come out as published. This module evaluates all
splits at once (one sort, cumulative sums over a patients × splits matrix) so that a simulated-annealing search can
afford tens of thousands of evaluations in seconds; the pipeline's own estimators (tkicohort.stats) check the result.

Conventions equal to the pipeline's: KM mean restricted to the group's largest observed time (SPSS), log-rank χ²
with the hypergeometric variance (ties handled by grouping equal times), months = days / 30.4375.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2


def split_statistics(time: np.ndarray, event: np.ndarray, level: np.ndarray, member: np.ndarray):
    """For k two-level splits at once: KM means of level 1 and level 0 and the log-rank p.

    ``time``, ``event``: (n,); ``level``: (n, k) 0/1 — the patient's level in split j; ``member``: (n, k) 0/1 —
    whether the patient belongs to split j's population. Returns (mean1, mean0, p), each (k,).
    """
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order].astype(float)
    g1 = (level[order] * member[order]).astype(float)
    g0 = ((1 - level[order]) * member[order]).astype(float)
    starts = np.flatnonzero(np.r_[True, np.diff(t) != 0])
    u = t[starts]

    def at_risk(g):
        return np.cumsum(g[::-1], axis=0)[::-1][starts]

    def deaths(g):
        return np.add.reduceat(g * e[:, None], starts, axis=0)

    n1, n0, d1, d0 = at_risk(g1), at_risk(g0), deaths(g1), deaths(g0)
    n, d = n1 + n0, d1 + d0
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(n > 0, d * n1 / n, 0.0)
        var = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
        stat = (d1 - expected).sum(axis=0) ** 2 / var.sum(axis=0)
    # As the pipeline's log-rank test: NaN without events or with an empty level; p = 1 when the variance is 0
    # (every event at a time when one level alone was at risk).
    testable = (g1.sum(axis=0) > 0) & (g0.sum(axis=0) > 0) & (d.sum(axis=0) > 0)
    p = np.where(var.sum(axis=0) > 0, chi2.sf(stat, 1), np.where(testable, 1.0, np.nan))
    widths = np.diff(np.r_[0.0, u])[:, None]

    def km_mean(nr, dr, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(nr > 0, 1 - dr / nr, 1.0)
        surv = np.cumprod(factor, axis=0)
        before = np.vstack([np.ones((1, surv.shape[1])), surv[:-1]])
        last = np.where(g.any(axis=0), np.max(np.where(g > 0, t[:, None], -np.inf), axis=0), np.nan)
        inside = u[:, None] <= last[None, :]
        return np.where(np.isnan(last), np.nan, (widths * before * inside).sum(axis=0))

    return km_mean(n1, d1, g1), km_mean(n0, d0, g0), p


def anneal(state, propose, loss, iterations: int, rng: np.random.Generator, t_start: float = 2.0,
           t_end: float = 1e-3, progress=None):
    """Minimise ``loss(state)`` by simulated annealing; ``propose(state, rng)`` returns a modified copy.
    Deterministic for a given generator. Returns (best state, best loss)."""
    current, current_loss = state, loss(state)
    best, best_loss = current, current_loss
    for i in range(iterations):
        temp = t_start * (t_end / t_start) ** (i / max(iterations - 1, 1))
        candidate = propose(current, rng)
        cand_loss = loss(candidate)
        if cand_loss <= current_loss or rng.random() < np.exp((current_loss - cand_loss) / temp):
            current, current_loss = candidate, cand_loss
            if cand_loss < best_loss:
                best, best_loss = candidate, cand_loss
        if progress is not None and (i + 1) % max(iterations // 50, 1) == 0:
            progress(i + 1, iterations, best_loss)
    return best, best_loss
