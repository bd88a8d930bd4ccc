"""Thyroglobulin (Tg) response.

- Baseline Tg: the last Tg on or before day 0 in labs.csv; when there is none, ``baseline_tg_ng_ml`` of patients.csv.
- Nadir: the smallest Tg on treatment (day > 0) and strictly before the day of progression when there is one (values
  measured on or after PD reflect progression, not response).
- Best change: 100 · (nadir − baseline) / baseline. A decrease of at least the threshold (e.g. 60 %) is compared
  exactly: 100 · (baseline − nadir) ≥ threshold · baseline, in integer micro-units of ng/mL.
- TgAb interferes with Tg assays: a patient with any TgAb value above ``tgab_positive_above`` (IU/mL) on or before
  day 0 is excluded from the Tg response by default, with the reason recorded.
- Exclusion reasons: 'TgAb positive', 'no baseline Tg', 'baseline Tg is 0', 'no on-treatment Tg'; excluded patients
  have a missing response, not 0.
- Known from (``tg_response_day``): the first on-treatment day (before PD) on which the decrease from baseline reaches
  the threshold, by the same exact comparison; responders only (NaN for non-responders and excluded patients). A
  patient becomes a responder on that day, not at the nadir: the nadir can come later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def derive_tg_response(labs: pd.DataFrame, patients: pd.DataFrame, best: pd.DataFrame, threshold_pct: float = 60,
                       exclude_tgab_positive: bool = True, tgab_positive_above: float = 4.0) -> pd.DataFrame:
    ids = patients["patient_id"]
    tg = labs[labs["analyte"] == "tg"]
    pre = tg[tg["day"] <= 0].sort_values(["patient_id", "day"], kind="stable").drop_duplicates("patient_id", keep="last")
    baseline = ids.map(pre.set_index("patient_id")["value"])
    if "baseline_tg_ng_ml" in patients.columns:
        baseline = baseline.fillna(patients["baseline_tg_ng_ml"])
    pd_day = tg["patient_id"].map(best.set_index("patient_id")["pd_day"])
    on_treatment = tg[(tg["day"] > 0) & ~(tg["day"] >= pd_day)]
    nadir = ids.map(on_treatment.groupby("patient_id")["value"].min())
    tgab = labs[(labs["analyte"] == "tgab") & (labs["day"] <= 0)]
    positive = ids.isin(tgab.loc[tgab["value"] > tgab_positive_above, "patient_id"])

    b = baseline.to_numpy(dtype=float)
    n = nadir.to_numpy(dtype=float)
    reason = np.select(
        [positive.to_numpy() & exclude_tgab_positive, np.isnan(b), b == 0, np.isnan(n)],
        ["TgAb positive", "no baseline Tg", "baseline Tg is 0", "no on-treatment Tg"], default="")
    ok = reason == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(ok, 100 * (n - b) / b, np.nan)
    micro_b = np.rint(np.nan_to_num(b) * 1e6).astype(np.int64)
    micro_n = np.rint(np.nan_to_num(n) * 1e6).astype(np.int64)
    # Exact: 100·(b − n) ≥ threshold·b, with the threshold in hundredths of a percent.
    thr = int(round(threshold_pct * 100))
    responded = 10_000 * (micro_b - micro_n) >= thr * micro_b
    # The first day the decrease reached the threshold: each on-treatment value against its patient's baseline.
    row_b = np.rint(np.nan_to_num(on_treatment["patient_id"].map(dict(zip(ids, b, strict=True))).to_numpy(
        dtype=float)) * 1e6).astype(np.int64)
    row_v = np.rint(on_treatment["value"].to_numpy(dtype=float) * 1e6).astype(np.int64)
    reached = on_treatment.loc[(10_000 * (row_b - row_v) >= thr * row_b) & (row_b > 0), ["patient_id", "day"]]
    first_day = ids.map(reached.groupby("patient_id")["day"].min()).to_numpy(dtype=float)
    is_responder = ok & responded
    return pd.DataFrame({
        "patient_id": ids.to_numpy(), "tg_baseline": b, "tg_nadir": n, "tg_best_pct_change": change,
        "tg_response": pd.array(np.where(ok, responded.astype(int), pd.NA), dtype="Int8"),
        "tg_excluded_reason": np.where(ok, None, reason),
        "tg_response_day": np.where(is_responder, first_day, np.nan),
    })
