"""Kaplan–Meier estimation with R survival's conventions.

Written with numpy rather than taken from lifelines or scikit-survival because the published and R-printed numbers
this project must reproduce depend on conventions those libraries do not offer (see LIBRARY-NOTES in the docs):

- **Curve**: the product-limit estimate at every distinct observed time (events and censorings), ties of events and
  censorings at the same time counted as events first (the usual convention: censored patients are still at risk at
  their own time).
- **Standard error**: Greenwood's, on the cumulative-hazard scale as R reports it,
  ``se(t) = sqrt(sum d / (n (n - d)))``; infinite once a risk set is exhausted (``n == d``).
- **Confidence band** (R's ``conf.type``): ``"log-log"`` (the default here, as SAS and lifelines), ``"log"`` (R's default)
  or ``"plain"``; limits where R reports NA (log-log at S = 1 or 0, log at S = 0) are NaN. At a landmark before the
  first observed time S = 1 with limits 1–1 whatever the transform (R's ``summary(fit, times)`` row for time 0).
- **Median** (R's ``print.survfit``): the first time S ≤ 0.5; if S equals 0.5 exactly (within 1.5e-8) on a flat stretch,
  the midpoint of that stretch and the next drop; NaN if S never reaches 0.5. The median's CI limits apply the same
  rule to the lower and upper band.
- **Restricted mean** (R's ``rmean``): the area under S from 0 to an end time; ``end = largest observed time`` is the
  SPSS "mean survival time" (estimation limited to the largest time when it is censored). Its standard error is
  R's ``sqrt(sum_k A_k^2 d_k / (n_k (n_k - d_k)))`` with ``A_k`` the area beyond event time k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

CONF_TYPES = ("log-log", "log", "plain")
_TOLERANCE = np.sqrt(np.finfo(float).eps)


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted curve: arrays over the distinct observed times (sorted)."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float

    @property
    def n(self) -> int:
        return int(self.n_risk[0]) if len(self.n_risk) else 0

    @property
    def events(self) -> int:
        return int(self.n_event.sum())

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"time": self.time, "n_risk": self.n_risk, "n_event": self.n_event,
                             "n_censor": self.n_censor, "surv": self.surv, "std_err": self.std_err,
                             "lower": self.lower, "upper": self.upper})

    def median(self) -> tuple[float, float, float]:
        """(median, ci_low, ci_high) by R's rule (see the module docstring)."""
        return (_first_below_half(self.surv, self.time), _first_below_half(self.lower, self.time),
                _first_below_half(self.upper, self.time))

    def restricted_mean(self, end_time: float | None = None) -> tuple[float, float]:
        """Area under the curve from 0 to ``end_time`` (default: the largest observed time), and its SE."""
        return _restricted_mean(self, self.time[-1] if end_time is None else float(end_time))

    def at(self, times) -> pd.DataFrame:
        """S, its band and the number at risk at the given times (R's ``summary(fit, times, extend = TRUE)``):
        the curve is a right-continuous step function; the number at risk at t counts patients with time ≥ t."""
        times = np.asarray(times, dtype=float)
        idx = np.searchsorted(self.time, times, side="right") - 1
        before = idx < 0
        safe = np.clip(idx, 0, None)
        # Before the first observed time R reports its time-0 row, S = 1 with limits 1–1 for every transform
        # (within the observed times a log-log limit at S = 1 stays undefined, as in R).
        surv = np.where(before, 1.0, self.surv[safe])
        lower = np.where(before, 1.0, self.lower[safe])
        upper = np.where(before, 1.0, self.upper[safe])
        after_end = times > self.time[-1]
        # Beyond the last time R extends S but the band keeps its last value; number at risk is 0 there.
        at_or_after = np.searchsorted(self.time, times, side="left")
        cum_removed = np.concatenate([[0], np.cumsum(self.n_event + self.n_censor)])
        n_risk = self.n - cum_removed[at_or_after]
        return pd.DataFrame({"time": times, "surv": surv, "lower": lower, "upper": upper,
                             "n_risk": np.where(after_end, 0, n_risk).astype(int)})


def kaplan_meier(time, event, conf_type: str = "log-log", conf_level: float = 0.95) -> KaplanMeier:
    """Fit the product-limit estimator to right-censored data (``event`` 1 = event, 0 = censored)."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    keep = ~(np.isnan(time) | np.isnan(event))
    time, event = time[keep], event[keep].astype(np.int64)
    if len(time) == 0:
        empty = np.array([], dtype=float)
        return KaplanMeier(empty, empty, empty, empty, empty, empty, empty, empty, conf_type, conf_level)
    distinct, inverse = distinct_times(time)
    n_event = np.bincount(inverse, weights=event, minlength=len(distinct)).astype(np.int64)
    n_total = np.bincount(inverse, minlength=len(distinct)).astype(np.int64)
    n_censor = n_total - n_event
    n_risk = len(time) - np.concatenate([[0], np.cumsum(n_total)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        increment = np.where(n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
        increment = np.where((n_event > 0) & (n_risk == n_event), np.inf, increment)
    std_err = np.sqrt(np.cumsum(increment))
    lower, upper = _band(surv, std_err, conf_type, conf_level)
    return KaplanMeier(distinct, n_risk, n_event, n_censor, surv, std_err, lower, upper, conf_type, conf_level)


def distinct_times(values) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, index of each value among them), as ``np.unique(values, return_inverse=True)``
    but hash-based (pandas.factorize) and sorting only the distinct values: at a million rows with integer-day
    times it takes ~20 ms where the full sort takes ~0.3 s. No missing values."""
    codes, uniques = pd.factorize(np.asarray(values))
    uniques = np.asarray(uniques)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def _band(surv: np.ndarray, se: np.ndarray, conf_type: str, conf_level: float):
    """Pointwise limits exactly as R's ``survfit_confint`` (``se`` on the log-survival scale)."""
    z = norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = np.where(se == 0, 0.0, se * surv * z)
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            s = np.where(surv == 0, np.nan, surv)
            return np.exp(np.log(s) - z * se), np.minimum(np.exp(np.log(s) + z * se), 1.0)
        s = np.where((surv == 0) | (surv == 1), np.nan, surv)
        half = z * se / np.log(s)
        return np.exp(-np.exp(np.log(-np.log(s)) - half)), np.exp(-np.exp(np.log(-np.log(s)) + half))


def _first_below_half(y: np.ndarray, x: np.ndarray) -> float:
    """R's ``minmin``: first x with y < 0.5 + tol; the midpoint to the next drop when y is 0.5 within tol."""
    keep = ~np.isnan(y) & (y < 0.5 + _TOLERANCE)
    if not keep.any():
        return float("nan")
    xs, ys = x[keep], y[keep]
    if abs(ys[0] - 0.5) < _TOLERANCE:
        lower = np.flatnonzero(ys < ys[0])
        if len(lower):
            return float((xs[0] + xs[lower[0]]) / 2)
    return float(xs[0])


def _restricted_mean(km: KaplanMeier, end_time: float) -> tuple[float, float]:
    """R's ``survmean`` with start time 0: rectangles under the step function up to ``end_time``."""
    keep = km.time <= end_time
    if not keep.any():
        return end_time, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(km.n_risk - km.n_event == 0, 0.0, km.n_event / (km.n_risk * (km.n_risk - km.n_event)))
    times = np.concatenate([km.time[keep], [end_time]])
    surv = np.concatenate([km.surv[keep], [km.surv[keep][-1]]])
    hazard_var = np.concatenate([hazard_var[keep], [0.0]])
    rectangles = np.diff(np.concatenate([[0.0], times])) * np.concatenate([[1.0], surv[:-1]])
    beyond = np.cumsum(rectangles[1:][::-1])
    variance = float(np.sum(beyond ** 2 * hazard_var[::-1][1:]))
    return float(rectangles.sum()), float(np.sqrt(variance))


def median_followup(time, event) -> float:
    """Median follow-up by the reverse Kaplan–Meier method (censoring treated as the event; R's median rule)."""
    event = np.asarray(event, dtype=float)
    return kaplan_meier(time, 1 - event).median()[0]
