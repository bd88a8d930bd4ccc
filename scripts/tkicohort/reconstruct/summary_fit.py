"""Integer samples whose summaries print as published: a SPRITE-style search (Heathers et al. 2018).

A publication prints, per group, some of mean ± SD, median and range, and a p-value comparing two groups. The
search below looks for two integer samples (values on a grid of ``step`` within instrument bounds) whose summaries,
formatted at the printed precision, equal the printed ones, and whose p-value under the pipeline's own test equals
the printed p at its precision. It minimises a loss that is zero exactly when every target is met: each target
contributes its distance beyond half a unit of the last printed digit, in those units, so the landscape slopes
towards feasibility instead of being flat. Where targets are mutually infeasible the search ends at the nearest
values it found; callers record which targets were met (:func:`sample_report`).

Conventions equal to the pipeline's: SD with n − 1 denominator; the median of an even sample is the mean of the two
middle values; p from ``tkicohort.stats.baseline.mann_whitney`` (R's ``wilcox.test``: exact without ties and
n < 50, otherwise the normal approximation with continuity correction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..printing import printed
from .survival_fit import anneal


@dataclass(frozen=True)
class Target:
    """A printed number: its value and the number of decimals it was printed with."""

    value: float
    decimals: int = 0
    exact: bool = False  # order statistics of integer data (median, minimum, maximum) are printed exactly

    def distance(self, got: float) -> float:
        """0 when ``got`` prints as the target; otherwise how far beyond half a printed unit, in printed units."""
        unit = 10.0 ** -self.decimals
        return max(0.0, abs(got - self.value) - (0 if self.exact else 0.4999 * unit)) / unit

    def met(self, got: float) -> bool:
        if self.exact:
            return got == self.value
        return printed(got, self.decimals) == printed(self.value, self.decimals)


@dataclass(frozen=True)
class SampleSpec:
    """One group's sample: size, allowed values (``lo``..``hi`` on a grid of ``step``) and the printed targets."""

    n: int
    lo: int
    hi: int
    step: int = 1
    mean: Target | None = None
    sd: Target | None = None
    median: Target | None = None
    minimum: Target | None = None
    maximum: Target | None = None


def summaries(x: np.ndarray) -> dict[str, float]:
    return {"mean": float(x.mean()), "sd": float(x.std(ddof=1)), "median": float(np.median(x)),
            "minimum": float(x.min()), "maximum": float(x.max())}


def sample_loss(x: np.ndarray, spec: SampleSpec) -> float:
    got = summaries(x)
    return sum(t.distance(got[k]) for k in ("mean", "sd", "median", "minimum", "maximum")
               if (t := getattr(spec, k)) is not None)


def bounds(spec: SampleSpec) -> tuple[int, int]:
    """The values a sample may take: the printed range where there is one (within the instrument's bounds)."""
    lo = max(int(np.ceil(spec.minimum.value)) if spec.minimum else spec.lo, spec.lo)
    hi = min(int(np.floor(spec.maximum.value)) if spec.maximum else spec.hi, spec.hi)
    return lo, hi


def _start(spec: SampleSpec, rng: np.random.Generator) -> np.ndarray:
    """A first sample that already has the printed minimum, maximum and median: the lower half drawn between the
    minimum and the median, the upper half between the median and the maximum, on the value grid."""
    lo, hi = bounds(spec)
    mid = spec.median.value if spec.median else (lo + hi) / 2

    def draw(a, b, k):
        grid = np.arange(np.ceil(a / spec.step) * spec.step, b + 1e-9, spec.step)
        return rng.choice(grid if len(grid) else np.array([a]), k)

    half = spec.n // 2
    x = np.r_[draw(lo, mid, half), draw(mid, hi, spec.n - half)]
    x[0], x[-1] = lo, hi
    if spec.median is not None and spec.n % 2 == 1:
        x[half] = mid
    return np.sort(x.astype(float))


def fit_two_samples(spec_a: SampleSpec, spec_b: SampleSpec, p_target: Target | None,
                    p_value: Callable[[np.ndarray, np.ndarray], float], seed: int,
                    iterations: int = 20000) -> tuple[np.ndarray, np.ndarray, float]:
    """Search two samples meeting their specs and, when ``p_target`` is given, the p-value between them.
    Returns the two samples (sorted) and the final loss (0 = every target met)."""
    rng = np.random.default_rng(seed)
    specs = (spec_a, spec_b)
    limits = (bounds(spec_a), bounds(spec_b))
    sizes = np.array([spec_a.n, spec_b.n])

    def loss(state):
        a, b = state
        total = sample_loss(a, spec_a) + sample_loss(b, spec_b)
        if p_target is not None:
            total += p_target.distance(p_value(a, b))
        return total

    def propose(state, rng):
        which = int(rng.random() < sizes[1] / sizes.sum())
        spec, x = specs[which], state[which].copy()
        lo, hi = limits[which]
        i = rng.integers(len(x))
        reach = 3 if rng.random() < 0.7 else max(3, (hi - lo) // (5 * spec.step))  # small or large moves
        delta = spec.step * rng.integers(1, reach + 1) * (1 if rng.random() < 0.5 else -1)
        if rng.random() < 0.5:  # shift one value up and another down: keeps the mean
            j = rng.integers(len(x))
            if i != j and lo <= x[j] - delta <= hi:
                x[j] -= delta
        x[i] = np.clip(x[i] + delta, lo, hi)
        out = list(state)
        out[which] = np.sort(x)
        return tuple(out)

    start = (_start(spec_a, rng), _start(spec_b, rng))
    (a, b), best = anneal(start, propose, loss, iterations, rng, t_start=1.0, t_end=1e-3)
    return a, b, float(best)


def sample_report(name: str, samples: dict[str, np.ndarray], specs: dict[str, SampleSpec],
                  p_target: Target | None = None, p_got: float | None = None) -> list[dict]:
    """One row per printed target: variable, group, statistic, target, achieved, met."""
    rows = []
    for group, x in samples.items():
        got = summaries(x)
        for stat in ("mean", "sd", "median", "minimum", "maximum"):
            target = getattr(specs[group], stat)
            if target is not None:
                rows.append({"variable": name, "group": group, "statistic": stat, "target": target.value,
                             "achieved": got[stat], "met": target.met(got[stat])})
    if p_target is not None:
        rows.append({"variable": name, "group": "both", "statistic": "p_value", "target": p_target.value,
                     "achieved": p_got, "met": p_target.met(p_got)})
    return rows
