"""Statistics of many simulated cohorts at once: arrays of shape (members, patients).

The reconstruction fits its survival model by simulating tens of thousands of cohorts; computing each cohort's
Kaplan–Meier means or log-rank tests one at a time with the pipeline's estimators would take hours. The functions
below compute the same numbers for a whole batch in a few numpy passes (one sort per row, cumulative sums, one
``bincount`` over tie groups). Each agrees with the pipeline's own estimator (``tkicohort.stats``) to rounding error;
the tests check that on random cohorts with ties, censoring and empty groups.

Conventions (those of ``tkicohort.stats.kaplan_meier`` and ``tkicohort.stats.cox.logrank_test``):

- a patient counts where ``mask`` is true; ``time`` is in any unit; ``event`` 1 = event, 0 = censored;
- Kaplan–Meier with events before censorings at tied times; restricted mean up to the group's largest observed
  time (SPSS's "mean"); median by R's rule (first time S ≤ 0.5, the midpoint of a flat stretch at exactly 0.5) and
  its log-log 95 % band limits by the same rule;
- two-group log-rank test with the hypergeometric variance, ties grouped; NaN without events or with an empty
  group; p = 1 when the variance is 0;
- Mann–Whitney (R's ``wilcox.test``): normal approximation with tie and continuity correction; rows without ties
  and both groups under 50 use the exact distribution (scipy), as R does.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats
from scipy.stats import chi2, norm

_TOL = np.sqrt(np.finfo(float).eps)


def _sorted(time: np.ndarray, event: np.ndarray, mask: np.ndarray):
    """Rows sorted by time with events first at ties; patients outside the mask last (time = inf)."""
    t = np.where(mask, time, np.inf).astype(float)
    e = np.where(mask, event, 0).astype(float)
    order = np.lexsort((-e, t), axis=1)
    return np.take_along_axis(t, order, 1), np.take_along_axis(e, order, 1), order


def km_curves(time, event, mask):
    """Sequential product-limit values at every sorted position (events one at a time; equal to the grouped
    estimate at the end of each tie group) with Greenwood's sum, the sorted times and a tie-group end flag."""
    t, e, _ = _sorted(np.asarray(time), np.asarray(event), np.asarray(mask, dtype=bool))
    n = np.isfinite(t).sum(axis=1, keepdims=True)
    at_risk = n - np.arange(t.shape[1])[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where((e > 0) & (at_risk > 0), 1 - 1 / at_risk, 1.0)
        green = np.where((e > 0) & (at_risk > 1), 1 / (at_risk * (at_risk - 1)),
                         np.where((e > 0) & (at_risk == 1), np.inf, 0.0))
    surv = np.cumprod(factor, axis=1)
    var = np.cumsum(green, axis=1)
    nxt = np.concatenate([t[:, 1:], np.full((t.shape[0], 1), np.inf)], axis=1)
    group_end = np.isfinite(t) & (nxt != t)
    return t, surv, var, group_end


def restricted_mean(time, event, mask) -> np.ndarray:
    """Kaplan–Meier mean restricted to each row's largest observed time (NaN for an empty row)."""
    t, surv, _, _ = km_curves(time, event, mask)
    finite = np.isfinite(t)
    prev_t = np.concatenate([np.zeros((t.shape[0], 1)), t[:, :-1]], axis=1)
    prev_s = np.concatenate([np.ones((t.shape[0], 1)), surv[:, :-1]], axis=1)
    with np.errstate(invalid="ignore"):
        area = np.where(finite, (t - np.where(np.isfinite(prev_t), prev_t, 0)) * prev_s, 0.0).sum(axis=1)
    return np.where(finite.any(axis=1), area, np.nan)


def restricted_means(time, event, masks) -> np.ndarray:
    """:func:`restricted_mean` for many masks of the same patients at once (``masks``: k × members × patients);
    one sort serves every mask: a patient outside a mask leaves the curve unchanged, so the area up to the mask's
    largest time is the same sum over all sorted positions. Returns members × k."""
    masks = np.asarray(masks, dtype=bool)
    t, e, order = _sorted(np.asarray(time, float), np.asarray(event, float), np.ones(masks.shape[1:], dtype=bool))
    m = np.take_along_axis(masks, np.broadcast_to(order, masks.shape), 2)
    at_risk = m.sum(axis=2, keepdims=True, dtype=np.int32) - np.cumsum(m, axis=2, dtype=np.int32) + m
    events = m & (e[None] > 0)
    surv = np.cumprod(1.0 - events / np.maximum(at_risk, 1), axis=2)
    prev_s = np.concatenate([np.ones((*m.shape[:2], 1)), surv[..., :-1]], axis=2)
    width = np.diff(np.concatenate([np.zeros((t.shape[0], 1)), t], axis=1), axis=1)
    last = np.max(np.where(m, t[None], -np.inf), axis=2)
    inside = t[None] <= last[..., None]
    area = np.where(inside, width[None] * prev_s, 0.0).sum(axis=2)
    return np.where(np.isfinite(last), area, np.nan).T


def _first_below_half(y: np.ndarray, t: np.ndarray, ok: np.ndarray) -> np.ndarray:
    keep = ok & ~np.isnan(y) & (y < 0.5 + _TOL)
    has = keep.any(axis=1)
    first = np.argmax(keep, axis=1)
    rows = np.arange(len(t))
    y0, t0 = y[rows, first], t[rows, first]
    lower = keep & (y < y0[:, None]) & (np.arange(t.shape[1])[None, :] > first[:, None])
    has_lower = lower.any(axis=1)
    t1 = t[rows, np.argmax(lower, axis=1)]
    flat = has & (np.abs(y0 - 0.5) < _TOL) & has_lower
    return np.where(has, np.where(flat, (t0 + t1) / 2, t0), np.nan)


def median_with_ci(time, event, mask, conf_level: float = 0.95):
    """(median, ci_low, ci_high) per row, log-log band."""
    t, surv, var, end = km_curves(time, event, mask)
    z = norm.ppf(1 - (1 - conf_level) / 2)
    se = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.where((surv == 0) | (surv == 1), np.nan, surv)
        half = z * se / np.log(s)
        lower = np.exp(-np.exp(np.log(-np.log(s)) - half))
        upper = np.exp(-np.exp(np.log(-np.log(s)) + half))
    return (_first_below_half(surv, t, end), _first_below_half(lower, t, end), _first_below_half(upper, t, end))


def logrank_p(time, event, group, mask) -> np.ndarray:
    """Two-group log-rank p per row (``group`` 1/0 within ``mask``); NaN without two groups or an event, and 1 where
    the variance is zero (every patient at risk at each event time has the event: R's survdiff stops there)."""
    time, event, group = np.asarray(time, float), np.asarray(event, float), np.asarray(group, float)
    mask = np.asarray(mask, dtype=bool)
    t, e, order = _sorted(time, event, mask)
    g = np.take_along_axis(np.where(mask, group, 0.0), order, 1)
    rows, cols = t.shape
    finite = np.isfinite(t)
    start = finite & (np.concatenate([np.full((rows, 1), -np.inf), t[:, :-1]], axis=1) != t)
    gid = np.cumsum(start, axis=1) - 1  # tie group index within the row
    flat = (np.arange(rows)[:, None] * cols + np.where(finite, gid, cols - 1)).ravel()
    w = finite.ravel()
    d = np.bincount(flat, (e.ravel() * w), rows * cols).reshape(rows, cols)
    d1 = np.bincount(flat, (e * g).ravel() * w, rows * cols).reshape(rows, cols)
    n_valid = finite.sum(axis=1, keepdims=True)
    pos = np.arange(cols)[None, :]
    n_start = np.where(start, n_valid - pos, 0)  # at risk at each group start
    g1_rev = np.cumsum((g * finite)[:, ::-1], axis=1)[:, ::-1]
    n1_start = np.where(start, g1_rev, 0)
    # move group-start values to the group index
    n = np.zeros((rows, cols))
    n1 = np.zeros((rows, cols))
    r_idx, c_idx = np.nonzero(start)
    n[r_idx, gid[r_idx, c_idx]] = n_start[r_idx, c_idx]
    n1[r_idx, gid[r_idx, c_idx]] = n1_start[r_idx, c_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(n > 0, d * n1 / n, 0.0)
        var = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
        obs_exp = (d1 - expected).sum(axis=1)
        v = var.sum(axis=1)
        stat = obs_exp ** 2 / v
    size1 = (g * finite).sum(axis=1)
    testable = (size1 > 0) & (size1 < finite.sum(axis=1)) & (d.sum(axis=1) > 0)
    return np.where(testable, np.where(v > 0, chi2.sf(stat, 1), 1.0), np.nan)


def mann_whitney_p(values, group, mask) -> np.ndarray:
    """Two-sided Mann–Whitney p per row between group 1 and group 0 of the masked values (R's automatic choice)."""
    values, group = np.asarray(values, float), np.asarray(group, float)
    mask = np.asarray(mask, dtype=bool) & ~np.isnan(values)
    out = np.full(values.shape[0], np.nan)
    v = np.where(mask, values, np.inf)
    order = np.argsort(v, axis=1, kind="stable")
    s = np.take_along_axis(v, order, 1)
    gs = np.take_along_axis(np.where(mask, group, -1), order, 1)
    rows, cols = s.shape
    finite = np.isfinite(s)
    n = finite.sum(axis=1)
    start = finite & (np.concatenate([np.full((rows, 1), -np.inf), s[:, :-1]], axis=1) != s)
    gid = np.cumsum(start, axis=1) - 1
    flat = (np.arange(rows)[:, None] * cols + np.where(finite, gid, cols - 1)).ravel()
    size = np.bincount(flat, finite.ravel().astype(float), rows * cols).reshape(rows, cols)
    first = np.zeros((rows, cols))
    r_idx, c_idx = np.nonzero(start)
    first[r_idx, gid[r_idx, c_idx]] = c_idx
    mid = first + (size + 1) / 2  # mid-rank of each tie group
    rank = np.take_along_axis(mid, np.where(finite, gid, 0), 1)
    n1 = ((gs == 1) & finite).sum(axis=1)
    n0 = ((gs == 0) & finite).sum(axis=1)
    r1 = np.where((gs == 1) & finite, rank, 0).sum(axis=1)
    u = r1 - n1 * (n1 + 1) / 2
    mu = n1 * n0 / 2
    tie = (size ** 3 - size).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(n1 * n0 / 12 * ((n + 1) - tie / (n * (n - 1))))
        z = (np.abs(u - mu) - 0.5) / sigma
    p = np.where(sigma > 0, np.minimum(2 * norm.sf(z), 1.0), 1.0)
    ok = (n1 > 0) & (n0 > 0)
    out = np.where(ok, p, np.nan)
    exact_rows = np.flatnonzero(ok & (tie == 0) & (n1 < 50) & (n0 < 50))
    for r in exact_rows:  # no ties: R's exact distribution (rare with recorded integer values)
        a = values[r][mask[r] & (group[r] == 1)]
        b = values[r][mask[r] & (group[r] == 0)]
        out[r] = float(stats.mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue)
    return out


def masked_summary(values, mask, statistic: str) -> np.ndarray:
    """median / range_min / range_max / mean / sd (n − 1) of the masked values of each row."""
    x = np.where(np.asarray(mask, dtype=bool), np.asarray(values, float), np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-empty row gives NaN, as intended
        how = {"median": lambda: np.nanmedian(x, axis=1), "range_min": lambda: np.nanmin(x, axis=1),
               "range_max": lambda: np.nanmax(x, axis=1), "mean": lambda: np.nanmean(x, axis=1),
               "sd": lambda: np.nanstd(x, axis=1, ddof=1)}
        return how[statistic]()
