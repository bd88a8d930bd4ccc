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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import coxph

N_BOOT = 200
SEED = 20240101
MAX_PATIENTS = 20_000
MAX_BOOTSTRAP_PATIENTS = 2_000
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


def _c_indices(train, test, score, time, event, tau) -> tuple[float, float]:
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw

    harrell = concordance_index_censored(event.astype(bool), time, score)[0]
    try:
        uno = concordance_index_ipcw(train, test, score, tau=tau)[0]
    except ValueError:  # censoring distribution zero before tau in this sample
        uno = np.nan
    return float(harrell), float(uno)


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
    harrell, uno = _c_indices(y, y, score, time, event, tau)
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
    from sksurv.util import Surv

    y = Surv.from_arrays(event.astype(bool), time)
    tau = float(time[event == 1].max())
    diffs = {"harrell": [], "uno": []}
    failed = 0
    for idx in indices:  # one Cox fit per resample: a few hundred small fits, not a loop over patients
        coef = _risk(time[idx], event[idx], x[idx])
        if coef is None:
            failed += 1
            continue
        yb = Surv.from_arrays(event[idx].astype(bool), time[idx])
        tau_b = float(time[idx][event[idx] == 1].max())
        h_boot, u_boot = _c_indices(yb, yb, x[idx] @ coef, time[idx], event[idx], tau_b)
        h_orig, u_orig = _c_indices(y, y, x @ coef, time, event, tau)
        diffs["harrell"].append(h_boot - h_orig)
        if np.isfinite(u_boot) and np.isfinite(u_orig):
            diffs["uno"].append(u_boot - u_orig)
    return {"harrell": float(np.mean(diffs["harrell"])) if diffs["harrell"] else np.nan,
            "uno": float(np.mean(diffs["uno"])) if diffs["uno"] else np.nan,
            "harrell_resamples": len(diffs["harrell"]), "uno_resamples": len(diffs["uno"]), "failed": failed}
