"""k-sample log-rank test, as R's ``survdiff(Surv(time, event) ~ group + strata(s))`` (rho = 0).

Per distinct event time t of each stratum, with n_g(t) at risk and d_g(t) events in group g (n, d their totals):
observed O_g = Σ d_g, expected E_g = Σ d n_g / n, and the hypergeometric covariance
V_gh = Σ d (n − d) / (n − 1) · (n_g / n) (δ_gh − n_h / n), summed over times and strata. As in R, groups with
E_g = 0 are left out, the first remaining group is dropped and χ² = (O − E)ᵀ V⁻¹ (O − E) on the others, with
(number of groups with E > 0) − 1 degrees of freedom; with fewer than two such groups χ² = 0 on 0 df and p = 1, as R
prints it.

Where V is singular (every event of a group falls at a time when all patients at risk fail, so that time adds no
variance: e.g. the only two patients at risk die on the same day), R's ``survdiff`` stops with "system is exactly
singular". Here χ² uses the Moore–Penrose inverse and its degrees of freedom are the rank of V, as SAS's PROC
LIFETEST does; O − E lies in V's column space (at such a time each group's observed equals its expected), so the
statistic is the same whichever generalised inverse is used. With V = 0, χ² = 0 on 0 df and p = 1.

Written with numpy (one hash-based pass over the rows and arrays of distinct times × groups) instead of lifelines'
``multivariate_logrank_test``, which took ~0.8 s per subgroup at a million patients (here ~0.05 s) and made every
table job import lifelines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .kaplan_meier import distinct_times


@dataclass(frozen=True)
class LogRank:
    groups: np.ndarray       # group labels, sorted
    n: np.ndarray            # patients per group
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray     # k × k
    chisq: float
    df: int
    p: float


def logrank(time, event, group, strata=None) -> LogRank:
    """The test over rows with time, event, group (and stratum) all present; other rows are dropped."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    group = np.asarray(group)
    if group.dtype.kind in "iu" and len(group) and 0 <= group.min() and group.max() < 1024:
        codes, labels = group.astype(np.int64), np.arange(group.max() + 1)  # already codes: no hash pass
    else:
        codes, labels = pd.factorize(pd.Series(group), sort=True)
    keep = ~(np.isnan(time) | np.isnan(event)) & (codes >= 0)
    if strata is not None:
        stratum = pd.factorize(pd.Series(strata), sort=True)[0]
        keep &= stratum >= 0
        stratum = stratum[keep]
    else:
        stratum = np.zeros(int(keep.sum()), dtype=np.int64)
    time, event, codes = time[keep], event[keep], codes[keep]
    k = len(labels)
    # rows and events per (stratum, time) cell and group; the cells sorted by stratum, then time
    times, t_index = distinct_times(time)
    if stratum.max(initial=0) == 0:
        cells, cell = np.arange(len(times)), t_index
    else:
        cells, cell = distinct_times(stratum.astype(np.int64) * len(times) + t_index)
    key = cell * k + codes
    rows = np.bincount(key, minlength=len(cells) * k).reshape(len(cells), k)
    dead = np.bincount(key, weights=event, minlength=len(cells) * k).reshape(len(cells), k)
    # at risk: rows of the same stratum at this time or later (integer sums, so the difference is exact)
    later = np.cumsum(rows[::-1], axis=0)[::-1]
    cell_stratum = cells // len(times)
    next_stratum = np.searchsorted(cell_stratum, cell_stratum, side="right")
    later = np.vstack([later, np.zeros((1, k), dtype=later.dtype)])
    at_risk = (later[:-1] - later[next_stratum]).astype(float)
    n_all, d_all = at_risk.sum(axis=1), dead.sum(axis=1)
    used = d_all > 0
    n_g, n_t, d_t = at_risk[used], n_all[used], d_all[used]
    share = n_g / n_t[:, None]
    expected = (d_t[:, None] * share).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    variance = np.diag((factor[:, None] * share).sum(axis=0)) - np.einsum("t,tg,th->gh", factor, share, share)
    observed = dead.sum(axis=0)
    in_test = np.flatnonzero(expected > 0)
    df = len(in_test) - 1
    if df < 1:
        chisq = 0.0
    else:
        rest = in_test[1:]
        diff = (observed - expected)[rest]
        v = variance[np.ix_(rest, rest)]
        try:
            chisq = float(diff @ np.linalg.solve(v, diff))
        except np.linalg.LinAlgError:  # singular V: generalised inverse, df = rank (module docstring)
            df = int(np.linalg.matrix_rank(v))
            chisq = float(diff @ np.linalg.pinv(v) @ diff) if df else 0.0
    return LogRank(np.asarray(labels), np.bincount(codes, minlength=k), observed, expected, variance, chisq,
                   max(df, 0), float(chi2.sf(chisq, df)) if df >= 1 else 1.0)
