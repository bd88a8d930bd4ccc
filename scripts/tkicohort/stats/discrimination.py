"""Discrimination of the multivariable Cox model: how well its risk score orders the patients' event times.

- **Risk score**: the linear predictor xβ̂ of the fitted model (Efron ties, as the Cox table); a higher score
  predicts an earlier event.
- **Harrell's C** (Harrell, Lee & Mark, Stat Med 1996): the share of comparable pairs (the shorter time an event)
  ordered by the score, tied scores counting ½; scikit-survival's ``concordance_index_censored``, equal to R's
  ``survival::concordance(Surv(time, event) ~ lp, reverse = TRUE)``.
- **Uno's C** (Uno, Cai, Pencina, D'Agostino & Wei, Stat Med 2011): the same with each pair weighted by 1/G(t)², G
  the Kaplan–Meier estimate of the censoring distribution, which removes Harrell's C's dependence on the censoring;
  scikit-survival's ``concordance_index_ipcw`` up to the largest event time. R's ``concordance(..., timewt =
  "n/G2")`` evaluates G slightly differently at the observed times (2·10⁻⁴ apart on R's lung data).
- **Optimism correction** (Harrell's bootstrap, Harrell, Lee & Mark 1996; Steyerberg, Clinical Prediction Models):
  the model is refitted on ``n_boot`` bootstrap resamples of the patients (numpy PCG64 with a fixed seed; 200 by
  default, plan ``tests.bootstrap``); optimism = mean over resamples of C of the refit on its resample minus C of
  the refit on the original data; corrected C = apparent C − optimism. A covariate constant in a resample (a level
  of one patient left out by the draw) gets coefficient 0 in that refit; a resample whose refit has no finite
  estimate (no events, collinearity) is left out and counted.
- **Time-dependent AUC** at each landmark t (cumulative/dynamic, Uno et al. 2007; scikit-survival's
  ``cumulative_dynamic_auc``): cases are patients with an event by t, controls those still event-free after t,
  weighted by inverse probability of censoring; NaN when t lies outside the observed follow-up.

scikit-survival is imported inside :func:`discrimination` only: importing it costs ~1.7 s per pipeline job. Computed
for at most ``MAX_PATIENTS`` patients (the pairwise statistics grow as n²) and bootstrapped for at most
``MAX_BOOTSTRAP_PATIENTS``; beyond that the rows say so.

Harrell's and Uno's C are computed here, not by scikit-survival's functions, for a measured need: its functions
validate their inputs through scikit-learn and loop over the events in Python, which took 1.1 s of the 1.8 s of the
200 bootstrap resamples of the Zhujiang cohort (``benchmarks/bench_tables.py``). :func:`_comparable` and
:func:`_concordance` do the same arithmetic as scikit-survival 0.24 (the same order of the patients, the same
tolerance 1e-8 for tied scores, the same running sums over the events in that order, the censoring distribution's
Kaplan–Meier estimate from the same counts), so that the numbers are identical to the last bit; the tests check
this against scikit-survival. The structures that do not depend on the score (order, comparable pairs, weights)
are built once per sample: once for the original data, not once per resample. Where scikit-survival raises because
no pair is comparable, C is NaN here (and a resample with such a C is left out, as for Uno's C).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import coxph

N_BOOT = 200
SEED = 20240101
MAX_PATIENTS = 20_000
MAX_BOOTSTRAP_PATIENTS = 2_000
TIED_TOL = 1e-8  # scores this close count as tied (scikit-survival's default)
COLUMNS = ["statistic", "time", "value", "optimism", "corrected", "n", "events", "resamples", "note"]


def _risk(time, event, x) -> np.ndarray | None:
    """Coefficients of the Cox model (0 for a covariate constant in these rows, which cannot be estimated from them
    and adds nothing to the score), or None when the model has no finite estimate."""
    varies = ~(x == x[0]).all(axis=0)
    if event.sum() == 0 or not varies.any():
        return None
    try:
        fit = coxph.fit(time, event, x[:, varies])
    except (coxph.SingularInformation, np.linalg.LinAlgError):
        return None
    coef = np.zeros(x.shape[1])
    coef[varies] = fit.coef
    return coef if np.all(np.isfinite(coef)) else None


@dataclass(frozen=True)
class _Sample:
    """What Harrell's and Uno's C of one sample need besides the score: the patients in time order (numpy's default
    argsort, as scikit-survival), for each event that has comparable patients its position in that order and the
    range of positions sharing its time, and the weight of each such event in Uno's C (None: Uno's C undefined)."""

    order: np.ndarray
    events: np.ndarray        # positions (in time order) of the events that open a comparison
    tie_start: np.ndarray     # first position with the same time as each of those events
    tie_end: np.ndarray       # one past the last such position
    censored: np.ndarray      # (n,) censored, in time order
    uno_weight: np.ndarray | None


def _sample(time: np.ndarray, event: np.ndarray, tau: float) -> _Sample:
    """scikit-survival's ``_iter_comparable``: the patients sorted by time; an event is compared with every patient
    with a later time and with the censored patients at its own time; a group of tied times that starts at the last
    position opens no comparison."""
    order = np.argsort(time)
    t, e = time[order], event[order].astype(bool)
    start, end = np.searchsorted(t, t, side="left"), np.searchsorted(t, t, side="right")
    events = np.flatnonzero(e & (start < len(t) - 1))
    weight = _uno_weights(time, event.astype(bool), tau)
    return _Sample(order, events, start[events], end[events], ~e,
                   None if weight is None else weight[order][events])


def _uno_weights(time: np.ndarray, event: np.ndarray, tau: float) -> np.ndarray | None:
    """1/G(t)² for the events before ``tau`` (0 for every other patient), G the Kaplan–Meier estimate of the
    censoring distribution from the same sample (scikit-survival's ``CensoringDistributionEstimator``: at a tied
    time the events leave the risk set before the censorings count); None where scikit-survival raises (a negative
    time, no event before tau, G = 0 at an event time)."""
    before = time < tau
    if (time < 0).any() or not event[before].any():
        return None
    uniq, inverse, counts = np.unique(time, return_inverse=True, return_counts=True)
    if event.all():
        survival = np.ones(len(uniq))
    else:
        deaths = np.bincount(inverse[event], minlength=len(uniq))
        at_risk = len(time) - np.cumsum(np.r_[0, counts])[:-1] - deaths
        censored = counts - deaths
        survival = np.cumprod(1.0 - np.divide(censored, at_risk, out=np.zeros(len(uniq)), where=censored != 0))
    at = survival[inverse[before & event]]
    if (at == 0.0).any():
        return None
    ipcw = np.zeros(len(time))
    ipcw[before & event] = 1.0 / at
    return np.square(ipcw)


def _concordance(sample: _Sample, score: np.ndarray, weight: np.ndarray | None) -> float:
    """Σ w·(concordant + ½ tied) / Σ w·comparable over the comparing events (w = 1: Harrell's C), summed in time
    order as scikit-survival does; NaN without comparable pairs. Blocks of events keep the pair matrices small."""
    if len(sample.events) == 0:
        return np.nan
    s = score[sample.order]
    n = len(s)
    con, tie, comparable = [], [], []
    columns = np.arange(n)
    step = max(1, 2 ** 22 // max(n, 1))
    for lo in range(0, len(sample.events), step):
        rows = slice(lo, lo + step)
        own = s[sample.events[rows]][:, None]
        pairs = (columns >= sample.tie_end[rows, None]) | (
            (columns >= sample.tie_start[rows, None]) & (columns < sample.tie_end[rows, None]) & sample.censored)
        tied = pairs & (np.absolute(s - own) <= TIED_TOL)
        con.append((pairs & (s < own) & ~tied).sum(axis=1))
        tie.append(tied.sum(axis=1))
        comparable.append(pairs.sum(axis=1))
    con, tie, comparable = np.concatenate(con), np.concatenate(tie), np.concatenate(comparable)
    w = np.ones(len(con)) if weight is None else weight
    numerator = np.cumsum(w * con + 0.5 * w * tie)[-1]   # running sums, in scikit-survival's order
    denominator = np.cumsum(w * comparable)[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(numerator / denominator)


def _c_indices(sample: _Sample, score: np.ndarray) -> tuple[float, float]:
    """Harrell's C and Uno's C (NaN where undefined) of ``score`` on ``sample``."""
    uno = np.nan if sample.uno_weight is None else _concordance(sample, score, sample.uno_weight)
    return _concordance(sample, score, None), uno


def discrimination(time, event, x, landmarks=(), n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """Harrell's and Uno's C (apparent, optimism, corrected) and the time-dependent AUC at ``landmarks`` of the
    Cox model of ``x`` (n × p, complete cases) for ``(time, event)``; tidy rows (:data:`COLUMNS`)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    x = np.asarray(x, dtype=float).reshape(len(time), -1)
    n, events = len(time), int(event.sum())
    base = {"n": n, "events": events, "optimism": np.nan, "corrected": np.nan, "resamples": 0, "note": ""}
    names = [("harrell_c", np.nan), ("uno_c", np.nan)] + [("auc", float(t)) for t in landmarks]
    if n > MAX_PATIENTS:
        note = f"not computed: more than {MAX_PATIENTS} patients (pairwise statistics grow as n²)"
        return pd.DataFrame([{**base, "statistic": s, "time": t, "value": np.nan, "note": note} for s, t in names],
                            columns=COLUMNS)
    coef = _risk(time, event, x)
    if coef is None:
        return pd.DataFrame([{**base, "statistic": s, "time": t, "value": np.nan,
                              "note": "the Cox model has no finite estimate"} for s, t in names], columns=COLUMNS)
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.util import Surv

    y = Surv.from_arrays(event.astype(bool), time)
    tau = float(time[event == 1].max())
    score = x @ coef
    harrell, uno = _c_indices(_sample(time, event, tau), score)
    rows = [{**base, "statistic": "harrell_c", "time": np.nan, "value": harrell},
            {**base, "statistic": "uno_c", "time": tau, "value": uno,
             "note": "truncated at the largest event time"}]
    inside = [t for t in landmarks if time.min() <= t < time.max()]
    auc = dict(zip(inside, cumulative_dynamic_auc(y, y, score, inside)[0], strict=True)) if inside else {}
    for t in landmarks:
        rows.append({**base, "statistic": "auc", "time": float(t), "value": float(auc.get(t, np.nan)),
                     "note": "" if t in auc else "landmark outside the observed follow-up"})
    if n > MAX_BOOTSTRAP_PATIENTS:
        rows[0]["note"] = rows[1]["note"] = f"no bootstrap above {MAX_BOOTSTRAP_PATIENTS} patients"
        return pd.DataFrame(rows, columns=COLUMNS)
    optimism = bootstrap_optimism(time, event, x, np.random.Generator(np.random.PCG64(seed)).integers(
        0, n, size=(n_boot, n)))
    for row, key in ((rows[0], "harrell"), (rows[1], "uno")):
        row["optimism"] = optimism[key]
        row["corrected"] = row["value"] - optimism[key]
        row["resamples"] = optimism[f"{key}_resamples"]
        if optimism["failed"]:
            row["note"] = "; ".join(x for x in (row["note"], f"{optimism['failed']} of {n_boot} resamples without "
                                                             "a finite fit left out") if x)
    return pd.DataFrame(rows, columns=COLUMNS)


def bootstrap_optimism(time, event, x, indices: np.ndarray) -> dict:
    """Harrell's optimism of Harrell's and Uno's C over the bootstrap resamples ``indices`` (B × n row numbers):
    mean of C(refit, resample) − C(refit, original data), over the resamples with a finite refit."""
    tau = float(time[event == 1].max())
    original = _sample(time, event, tau)
    diffs = {"harrell": [], "uno": []}
    failed = 0
    for idx in indices:  # one Cox fit per resample: a few hundred small fits, not a loop over patients
        coef = _risk(time[idx], event[idx], x[idx])
        if coef is None:
            failed += 1
            continue
        time_b, event_b = time[idx], event[idx]
        h_boot, u_boot = _c_indices(_sample(time_b, event_b, float(time_b[event_b == 1].max())), x[idx] @ coef)
        h_orig, u_orig = _c_indices(original, x @ coef)
        if np.isfinite(h_boot) and np.isfinite(h_orig):
            diffs["harrell"].append(h_boot - h_orig)
        if np.isfinite(u_boot) and np.isfinite(u_orig):
            diffs["uno"].append(u_boot - u_orig)
    return {"harrell": float(np.mean(diffs["harrell"])) if diffs["harrell"] else np.nan,
            "uno": float(np.mean(diffs["uno"])) if diffs["uno"] else np.nan,
            "harrell_resamples": len(diffs["harrell"]), "uno_resamples": len(diffs["uno"]), "failed": failed}
