"""Exact and Monte Carlo permutation log-rank test, as R's ``coin::logrank_test`` (Hothorn, Hornik, van de Wiel &
Zeileis, J Stat Softw 2008; coin 1.4).

The asymptotic log-rank test is unreliable with a few dozen patients and levels of one to eight: its p-value rests on
a χ² approximation. The permutation test conditions on the observed times and censoring and asks how extreme the
observed split of the log-rank scores between the groups is among all splits that keep the group sizes.

- **Scores** (coin's ``logrank_trafo``, ties by mid-ranks): for each patient of the pooled sample
  a_i = Ĥ(t_i) − δ_i, with Ĥ the Nelson–Aalen cumulative hazard of the pooled sample, Ĥ(t) = Σ_{s ≤ t} d_s / n_s
  (tied times share one risk set). They are computed once and then only permuted.
- **Statistic**: the group sums S_g = Σ_{i in g} a_i against their permutation mean n_g ā and covariance
  (n / (n − 1)) σ² (diag(n_g) − n_g n_gᵀ / n), σ² = Σ (a_i − ā)² / n; the quadratic form
  c = (n − 1) / (n σ²) · Σ_g (S_g − n_g ā)² / n_g (with two groups c = z², so the two-sided p-value of coin's
  scalar statistic is P(c ≥ c_obs)). The p-value is the permutation probability of c ≥ c_obs (1e-9 relative
  tolerance, as coin compares with a tolerance).
- **Exact** (two groups): the permutation distribution is enumerated over the distinct arrangements: patients with
  the same score are interchangeable, so an arrangement is how many of each distinct score fall in the smaller group,
  with probability Π C(n_v, k_v) / C(n, m). Used when there are at most ``MAX_EXACT`` such arrangements; coin's
  ``distribution = "exact"`` computes the same distribution with van de Wiel's split-up algorithm.
- **Monte Carlo** otherwise (and for more than two groups): ``n_resample`` random permutations from a fixed seed
  (numpy's PCG64); p = the share of permutations with c ≥ c_obs (coin's ``approximate``) and its binomial standard
  error √(p(1 − p) / B). Two groups draw the counts per distinct score of the smaller group from the multivariate
  hypergeometric distribution (equivalent to a random permutation, and O(m) per draw); more groups permute the
  scores by sorting random keys.
- Not computed (NaN with the reason) with fewer than two non-empty groups, no events, or more than
  ``MAX_PATIENTS`` patients, where the asymptotic test is accurate and the permutations would cost minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

MAX_EXACT = 200_000
MAX_PATIENTS = 1_000  # 10⁵ permutations of 1,000 patients take ~1 s per comparison on one core
N_RESAMPLE = 100_000
SEED = 20240101
_BATCH = 4_000_000  # draws × columns per batch: memory stays under ~35 MB
_TOL = 1e-9


def logrank_scores(time, event) -> np.ndarray:
    """coin's log-rank scores (mid-ranks ties): Nelson–Aalen cumulative hazard at t_i minus δ_i."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    times, idx = np.unique(time, return_inverse=True)
    at_least = len(time) - np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=len(times)))[:-1]])
    deaths = np.bincount(idx, weights=event, minlength=len(times))
    return np.cumsum(deaths / at_least)[idx] - event


def _quadratic(sums: np.ndarray, sizes: np.ndarray, mean: float, factor: float) -> np.ndarray:
    """c for group sums (…, k)."""
    return factor * (((sums - sizes * mean) ** 2) / sizes).sum(axis=-1)


def _arrangements(counts: np.ndarray, m: int, cap: int) -> int:
    """Number of distinct arrangements, the coefficient of z^m in Π (1 + z + … + z^{n_v}), or ``cap`` when it is
    at least ``cap``. Coefficients are capped at each step: the sums are of non-negative terms, so a capped term
    still reaches the cap and the others stay exact (and every partial sum stays exact in float64)."""
    poly = np.zeros(m + 1)
    poly[0] = 1.0
    j = np.arange(m + 1)
    for c in counts:
        window = np.concatenate([[0.0], np.cumsum(poly)])  # poly times 1 + … + z^c, truncated at z^m
        poly = np.minimum(window[j + 1] - window[np.maximum(j - c, 0)], cap)
    return int(poly[m])


def _exact_distribution(values: np.ndarray, counts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct arrangement of m of the patients: (sum of their scores, probability)."""
    n = counts.sum()
    k = np.zeros(1, dtype=np.int64)            # patients taken so far, per state
    total = np.zeros(1)                        # their score sum
    logw = np.zeros(1)                         # log Π C(n_v, k_v)
    remaining = n
    for v, c in zip(values, counts, strict=True):
        remaining -= c
        take = np.arange(c + 1)
        k2 = (k[:, None] + take).ravel()
        ok = (k2 <= m) & (k2 + remaining >= m)  # the rest can still fill the group
        total = (total[:, None] + take * v).ravel()[ok]
        logw = (logw[:, None] + gammaln(c + 1) - gammaln(take + 1) - gammaln(c - take + 1)).ravel()[ok]
        k = k2[ok]
    log_total = gammaln(n + 1) - gammaln(m + 1) - gammaln(n - m + 1)
    return total, np.exp(logw - log_total)


def _monte_carlo_two(values, counts, m, n_resample, rng) -> np.ndarray:
    """Sums of m random patients' scores, n_resample times (multivariate hypergeometric counts per score)."""
    out = np.empty(n_resample)
    step = max(1, _BATCH // len(values))
    for start in range(0, n_resample, step):
        size = min(step, n_resample - start)
        out[start:start + size] = rng.multivariate_hypergeometric(counts, m, size=size, method="count") @ values
    return out


def _monte_carlo_k(scores, sizes, n_resample, rng) -> np.ndarray:
    """Group sums (n_resample, k) of random permutations of the scores (groups as consecutive blocks)."""
    edges = np.concatenate([[0], np.cumsum(sizes)])
    out = np.empty((n_resample, len(sizes)))
    step = max(1, _BATCH // len(scores))
    for start in range(0, n_resample, step):
        size = min(step, n_resample - start)
        shuffled = scores[np.argsort(rng.random((size, len(scores))), axis=1)]
        out[start:start + size] = np.add.reduceat(shuffled, edges[:-1], axis=1)
    return out


def permutation_logrank(time, event, group, *, n_resample: int = N_RESAMPLE, seed: int = SEED,
                        max_exact: int = MAX_EXACT) -> dict:
    """Permutation log-rank test over rows with time, event and group present: p, method (``exact``,
    ``monte_carlo`` or ``not computed``), se (Monte Carlo), statistic c, arrangements (two groups), note."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    codes = pd.factorize(pd.Series(group), sort=True)[0]
    keep = ~(np.isnan(time) | np.isnan(event)) & (codes >= 0)
    time, event, codes = time[keep], event[keep], codes[keep]
    sizes_all = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
    out = {"p": np.nan, "method": "not computed", "se": np.nan, "statistic": np.nan, "arrangements": np.nan,
           "note": ""}
    n = len(time)
    if (sizes_all > 0).sum() < 2:
        return {**out, "note": "fewer than two groups with patients"}
    if event.sum() == 0:
        return {**out, "note": "no events"}
    if n > MAX_PATIENTS:
        return {**out, "note": f"more than {MAX_PATIENTS} patients: the asymptotic test applies"}
    present = np.flatnonzero(sizes_all > 0)
    codes = np.searchsorted(present, codes)
    sizes = sizes_all[present]
    scores = logrank_scores(time, event)
    mean = scores.mean()
    var = ((scores - mean) ** 2).mean()
    if var <= 0:
        return {**out, "note": "the log-rank scores do not vary"}
    factor = (n - 1) / (n * var)
    order = np.argsort(codes, kind="stable")
    observed = _quadratic(np.bincount(codes, weights=scores), sizes, mean, factor)
    threshold = observed * (1 - _TOL) - _TOL
    out["statistic"] = float(observed)
    rng = np.random.Generator(np.random.PCG64(seed))
    if len(sizes) == 2:
        m = int(sizes.min())
        values, counts = np.unique(scores, return_counts=True)
        pair = np.array([m, n - m], dtype=float)
        total = scores.sum()
        arrangements = _arrangements(counts, m, max_exact + 1)
        out["arrangements"] = arrangements if arrangements <= max_exact else np.nan
        if arrangements <= max_exact:
            sums, prob = _exact_distribution(values, counts, m)
            stat = _quadratic(np.column_stack([sums, total - sums]), pair, mean, factor)
            return {**out, "p": float(min(1.0, prob[stat >= threshold].sum())), "method": "exact"}
        sums = _monte_carlo_two(values, counts, m, n_resample, rng)
        stat = _quadratic(np.column_stack([sums, total - sums]), pair, mean, factor)
    else:
        stat = _quadratic(_monte_carlo_k(scores[order], sizes, n_resample, rng), sizes, mean, factor)
    p = float((stat >= threshold).mean())
    return {**out, "p": p, "method": "monte_carlo", "se": float(np.sqrt(p * (1 - p) / n_resample))}
