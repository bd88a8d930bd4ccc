"""Values of a continuous variable drawn from a distribution *given* the summaries a publication prints.

Two samplers, both for many cohorts at once (members × patients):

- :func:`order_statistic_draw` — exact conditioning on order statistics. When a paper prints a median and a range
  (and counts in bands such as "age ≥ 55: 19"), the sample is drawn from the parametric distribution conditioned on
  them: the extreme values are the printed ones, the median rank holds the printed median, and every other rank is
  drawn from the distribution truncated to the interval its rank and band allow. For a continuous distribution
  this *is* the conditional distribution (the values within such an interval are independent draws from the
  truncated law); values are then put on the recording grid (1 year, 0.1 GBq, ...), so ties occur as they do in
  recorded data.
- :func:`condition_on_summaries` — conditioning on summaries that are not order statistics (mean ± SD, a
  Mann–Whitney p between two groups, printed at their precision). A search first moves each sample into the set of
  samples whose summaries print as published (simulated annealing on the distance beyond half a printed unit,
  as in SPRITE, Heathers et al. 2018); a Metropolis chain then walks *inside* that set with the parametric density
  as its stationary law, so the sample no longer carries the search's traces (values piled at the bounds, runs).
  Where the printed summaries cannot all hold, the chain keeps the nearest printed values the search reached, and
  the caller reports them.

Distributions (``distribution:`` of a covariate): ``normal`` (mean, sd), ``lognormal`` (median, sigma) and
``uniform``; parameters not given are derived from the printed summaries: mean = printed mean, else median; SD =
printed SD, else range / 4; a lognormal's median = printed median (else the mean), its sigma from the printed mean
and SD (moment matching), else from the range (log range / 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..printing import printed
from .batch import mann_whitney_p


@dataclass(frozen=True)
class Printed:
    """A printed summary: its value and decimals; order statistics of recorded data are exact."""

    value: float
    decimals: int = 0
    exact: bool = False

    def distance(self, got: np.ndarray) -> np.ndarray:
        """0 when ``got`` prints as the value; otherwise how far beyond half a printed unit, in printed units — a
        hundred times that for an order statistic, which the search must not give up for another summary."""
        unit = 10.0 ** -self.decimals
        slack = 0.0 if self.exact else 0.4999 * unit
        return np.maximum(0.0, np.abs(got - self.value) - slack) / unit * (100.0 if self.exact else 1.0)

    def met(self, got: float) -> bool:
        if self.exact:
            return bool(np.isclose(got, self.value))
        return printed(got, self.decimals) == printed(self.value, self.decimals)


def distribution(spec: dict | str, summaries: dict[str, Printed]):
    """A frozen scipy distribution from a covariate's ``distribution`` entry and its printed summaries."""
    if isinstance(spec, str):
        spec = {spec: {}}
    (family, params), = spec.items()
    params = dict(params or {})
    s = {k: v.value for k, v in summaries.items()}
    centre = s.get("mean", s.get("median"))
    spread = s.get("sd")
    if spread is None and "range_min" in s and "range_max" in s:
        spread = (s["range_max"] - s["range_min"]) / 4
    if family == "normal":
        return stats.norm(params.get("mean", centre), params.get("sd", spread))
    if family == "lognormal":
        median = params.get("median", s.get("median", centre))
        if "sigma" in params:
            sigma = params["sigma"]
        elif "mean" in s and "sd" in s:
            sigma = np.sqrt(np.log(1 + (s["sd"] / s["mean"]) ** 2))
        else:
            sigma = np.log(max(s["range_max"], 1e-9) / max(s["range_min"], 1e-9)) / 4
        return stats.lognorm(sigma, scale=median)
    if family == "uniform":
        lo, hi = params.get("low", s.get("range_min")), params.get("high", s.get("range_max"))
        return stats.uniform(lo, hi - lo)
    raise ValueError(f"unknown distribution '{family}'")


def _on_grid(x: np.ndarray, step: float, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.round(np.round(x / step) * step, 10), lo, hi)


def truncated(dist, lo: np.ndarray, hi: np.ndarray, step: float, rng: np.random.Generator) -> np.ndarray:
    """Draws from ``dist`` truncated to [lo, hi] (on the grid of ``step``; arrays broadcast)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    a, b = dist.cdf(lo - step / 2), dist.cdf(hi + step / 2)
    u = a + rng.random(lo.shape) * np.maximum(b - a, 0)
    x = np.where(b > a, dist.ppf(np.clip(u, 1e-12, 1 - 1e-12)), (lo + hi) / 2)
    return np.clip(np.round(np.round(x / step) * step, 10), lo, hi)


def order_statistic_draw(dist, n: int, members: int, step: float, bounds: tuple[float, float],
                         anchors: dict[str, float], band_counts: list[tuple[float, float, int]] | None,
                         rng: np.random.Generator) -> np.ndarray:
    """Sorted samples (members × n) conditioned on the ``anchors`` (median, range_min, range_max) and on the
    number of values in each band ``(low, high, count)`` (bands in increasing order, covering all n values)."""
    lo_all, hi_all = bounds
    if "range_min" in anchors:
        lo_all = max(lo_all, anchors["range_min"])
    if "range_max" in anchors:
        hi_all = min(hi_all, anchors["range_max"])
    bands = band_counts or [(lo_all, hi_all, n)]
    if sum(k for _, _, k in bands) != n:
        raise ValueError(f"band counts add up to {sum(k for _, _, k in bands)}, not {n}")
    low = np.concatenate([np.full(k, max(a, lo_all)) for a, _, k in bands])
    high = np.concatenate([np.full(k, min(b, hi_all)) for _, b, k in bands])
    fixed = np.full(n, np.nan)
    if "range_min" in anchors:
        fixed[0] = anchors["range_min"]
    if "range_max" in anchors:
        fixed[-1] = anchors["range_max"]
    pair = None
    if "median" in anchors:
        m = anchors["median"]
        if n % 2:
            r = n // 2
            fixed[r] = m
            high[:r] = np.minimum(high[:r], m)
            low[r + 1:] = np.maximum(low[r + 1:], m)
        else:  # the two middle values average to the median: draw the lower one, the upper one follows
            r = n // 2 - 1
            pair = (r, r + 1, m)
            high[: r + 1] = np.minimum(high[: r + 1], m)
            low[r + 1:] = np.maximum(low[r + 1:], m)
    for i in np.flatnonzero(~np.isnan(fixed)):
        if not low[i] - 1e-9 <= fixed[i] <= high[i] + 1e-9:
            raise ValueError(f"a printed value {fixed[i]} lies outside the band its rank must fall in "
                             f"[{low[i]}, {high[i]}]")
    if (low > high + 1e-9).any():
        raise ValueError("the printed median, range and band counts cannot hold together")
    low_m = np.broadcast_to(low, (members, n)).copy()
    high_m = np.broadcast_to(high, (members, n)).copy()
    if pair is not None:
        r0, r1, m = pair
        lo_pair = max(low[r0], 2 * m - high[r1])
        below = truncated(dist, np.full(members, lo_pair), np.full(members, np.floor(m / step) * step), step, rng)
        upper = np.round(2 * m - below, 10)
        high_m[:, :r0] = np.minimum(high_m[:, :r0], below[:, None])  # the lower half lies below the pair
        low_m[:, r1 + 1:] = np.maximum(low_m[:, r1 + 1:], upper[:, None])
    x = truncated(dist, low_m, high_m, step, rng)
    x[:, ~np.isnan(fixed)] = fixed[~np.isnan(fixed)]
    if pair is not None:
        x[:, r0], x[:, r1] = below, upper
    return np.sort(x, axis=1)


SUMMARY_STATISTICS = ("mean", "sd", "median", "range_min", "range_max")


def summarise(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"mean": x.mean(axis=1), "sd": x.std(axis=1, ddof=1), "median": np.median(x, axis=1),
            "range_min": x.min(axis=1), "range_max": x.max(axis=1)}


def grid_mann_whitney_p(index: np.ndarray, label: np.ndarray, size: int) -> np.ndarray:
    """:func:`.batch.mann_whitney_p` (group 1 against group 0) for values on a grid, from counts per grid value:
    ``index`` holds each value's grid position (members × patients). Equal to the general function (tested); rows
    without ties take the exact distribution as R does."""
    members, n = index.shape
    flat = (np.arange(members)[:, None] * size + index).ravel()
    one = np.broadcast_to(label == 1, index.shape).ravel().astype(float)
    count = np.bincount(flat, minlength=members * size).reshape(members, size).astype(float)
    count1 = np.bincount(flat, weights=one, minlength=members * size).reshape(members, size)
    below = np.cumsum(count, axis=1) - count
    n1 = count1.sum(axis=1)
    n0 = n - n1
    r1 = (count1 * (below + (count + 1) / 2)).sum(axis=1)
    u = r1 - n1 * (n1 + 1) / 2
    tie = (count ** 3 - count).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(n1 * n0 / 12 * ((n + 1) - tie / (n * (n - 1))))
        z = (np.abs(u - n1 * n0 / 2) - 0.5) / sigma
    p = np.where(sigma > 0, np.minimum(2 * stats.norm.sf(z), 1.0), 1.0)
    exact = np.flatnonzero((tie == 0) & (n1 < 50) & (n0 < 50))
    if len(exact):
        p[exact] = mann_whitney_p(index[exact].astype(float), np.broadcast_to(label, (len(exact), n)),
                                  np.ones((len(exact), n), dtype=bool))
    return p


def _loss(x: np.ndarray, groups: list[np.ndarray], targets: list[dict[str, Printed]], p_target: Printed | None,
          label: np.ndarray, grid: tuple[float, float, int] | None = None) -> np.ndarray:
    total = np.zeros(x.shape[0])
    for cols, tg in zip(groups, targets, strict=True):
        got = summarise(x[:, cols]) if tg else {}
        for stat, t in tg.items():
            total += t.distance(got[stat])
    if p_target is not None:
        if grid is not None:
            start, step, size = grid
            index = np.clip(np.rint((x - start) / step).astype(np.int64), 0, size - 1)
            p = grid_mann_whitney_p(index, label, size)
        else:
            p = mann_whitney_p(x, np.broadcast_to(label, x.shape), np.ones(x.shape, dtype=bool))
        total += p_target.distance(np.nan_to_num(p, nan=1.0))
    return total


def condition_on_summaries(x0: np.ndarray, label: np.ndarray, dists: list, targets: list[dict[str, Printed]],
                           p_target: Printed | None, step: float, bounds: list[tuple[float, float]],
                           rng: np.random.Generator, search_steps: int = 6000, chain_steps: int = 1500):
    """Samples (members × n; columns of group g where ``label == g``) whose summaries print as ``targets`` and whose
    Mann–Whitney p (group 1 vs group 0) prints as ``p_target``, starting from ``x0``. Returns (samples, loss per
    member: 0 when every printed summary holds)."""
    x = x0.astype(float).copy()
    members, n = x.shape
    groups = [np.flatnonzero(label == g) for g in range(len(targets))]
    lo = np.array([bounds[g][0] for g in label])
    hi = np.array([bounds[g][1] for g in label])
    start = float(min(b[0] for b in bounds))
    size = int(round((max(b[1] for b in bounds) - start) / step)) + 1
    grid = (start, step, size)
    # log density of every grid value per group (the chain's stationary law), looked up instead of recomputed
    values = start + step * np.arange(size)
    table = np.stack([d.logpdf(values) for d in dists])
    loss = _loss(x, groups, targets, p_target, label, grid)
    best, best_loss = x.copy(), loss.copy()
    rows = np.arange(members)

    sizes = np.array([len(c) for c in groups], dtype=float)

    def within(g):
        """A random column of group g[m] for every member m."""
        out = np.empty(members, dtype=int)
        for k, cols in enumerate(groups):
            sel = g == k
            out[sel] = cols[rng.integers(len(cols), size=int(sel.sum()))]
        return out

    def propose(x):
        y = x.copy()
        g = rng.choice(len(groups), size=members, p=sizes / sizes.sum())
        i, j = within(g), within(g)
        span = (hi[i] - lo[i]) / step
        reach = np.where(rng.random(members) < 0.7, 3, np.maximum(3, span // 5))
        delta = step * np.ceil(rng.random(members) * reach) * np.where(rng.random(members) < 0.5, 1, -1)
        y[rows, i] = np.clip(y[rows, i] + delta, lo[i], hi[i])
        moved = y[rows, i] - x[rows, i]
        yj = y[rows, j] - moved  # a second value moved back: the sum (and mean) stays
        pair = (rng.random(members) < 0.5) & (i != j) & (yj >= lo[j] - 1e-9) & (yj <= hi[j] + 1e-9)
        y[rows[pair], j[pair]] = yj[pair]
        return np.round(y, 10), i, j, pair

    def log_density(v, cols):
        return table[label[cols], np.clip(np.rint((v - start) / step).astype(np.int64), 0, size - 1)]

    stalled, last_total = 0, best_loss.sum()
    for s in range(search_steps):
        if not best_loss.any() or stalled > search_steps // 6:  # all met, or no progress for a while
            break
        temp = 1.0 * (1e-3 / 1.0) ** (s / max(search_steps - 1, 1))
        y, _, _, _ = propose(x)
        new = _loss(y, groups, targets, p_target, label, grid)
        accept = (new <= loss) | (rng.random(members) < np.exp(-np.maximum(new - loss, 0) / temp))
        x[accept], loss[accept] = y[accept], new[accept]
        better = loss < best_loss
        best[better], best_loss[better] = x[better], loss[better]
        total = best_loss.sum()
        stalled = 0 if total < last_total - 1e-9 else stalled + 1
        last_total = min(total, last_total)
    x, loss = best.copy(), best_loss.copy()
    for _ in range(chain_steps):  # Metropolis within the set of samples that print alike
        y, i, j, pair = propose(x)
        new = _loss(y, groups, targets, p_target, label, grid)
        ratio = (log_density(y[rows, i], i) - log_density(x[rows, i], i)
                 + np.where(pair, log_density(y[rows, j], j) - log_density(x[rows, j], j), 0.0))
        accept = (new <= loss + 1e-12) & (np.log(rng.random(members)) < ratio)
        x[accept] = y[accept]
    return x, loss
