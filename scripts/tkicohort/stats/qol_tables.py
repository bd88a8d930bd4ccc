"""Quality of life by arm (Tehran Table 3): one questionnaire per patient, scores summarised per arm and compared.

Which questionnaire: the plan's ``qol.assessment`` — ``last`` (default: each patient's latest questionnaire),
``baseline`` (latest on or before day 0) or ``nearest`` (closest to ``qol.day``, the earlier one on a tie).
Scores: the manual's 0–100 scale scores and summary score, and with ``qol.raw_subscales: tehran`` also the raw-sum
subscales that publication prints. Per arm: n, median, minimum, maximum, mean, SD; Mann–Whitney between arms (exact
when both arms have < 50 values and no ties, else the normal approximation with continuity correction, as R's
``wilcox.test``), with Holm and Benjamini–Hochberg adjustment across the scales. Scores are exact (see
:mod:`tkicohort.stats.qol`), so questionnaires with equal scores on paper are ties in the rank test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .baseline import mann_whitney
from .multiplicity import p_adjust
from .qol import TEHRAN_RAW_SUBSCALES, raw_sum_subscales, score_qlq_c30

RAW_SUBSCALES = {"tehran": TEHRAN_RAW_SUBSCALES}


def select_assessment(qol: pd.DataFrame, how: str = "last", day: int | None = None) -> pd.DataFrame:
    """One questionnaire per patient (see the module docstring)."""
    q = qol.sort_values(["patient_id", "day"], kind="mergesort")
    if how == "baseline":
        return q[q["day"] <= 0].groupby("patient_id", sort=True).tail(1)
    if how == "nearest":
        q = q.assign(_distance=(q["day"] - day).abs())
        q = q.sort_values(["patient_id", "_distance", "day"], kind="mergesort")
        return q.groupby("patient_id", sort=True).head(1).drop(columns="_distance")
    return q.groupby("patient_id", sort=True).tail(1)


def qol_by_arm(qol: pd.DataFrame, dataset: pd.DataFrame, arm: str, arms: list, plan: dict) -> pd.DataFrame:
    spec = plan.get("qol", {})
    chosen = select_assessment(qol, spec.get("assessment", "last"), spec.get("day"))
    scores = score_qlq_c30(chosen)
    if spec.get("raw_subscales"):
        raw = raw_sum_subscales(chosen, RAW_SUBSCALES[spec["raw_subscales"]]).drop(columns=["patient_id", "day"])
        raw.columns = [f"raw_{c}" for c in raw.columns]
        scores = pd.concat([scores, raw], axis=1)
    scores = scores.merge(dataset[["patient_id", arm]], on="patient_id", how="inner")
    rows = []
    for scale in [c for c in scores.columns if c not in ("patient_id", "day", arm)]:
        values = [scores.loc[scores[arm] == a, scale].dropna() for a in arms]
        test = mann_whitney(*values, method=plan.get("tests", {}).get("mann_whitney", "auto"))
        for a, v in zip(arms, values, strict=True):
            rows.append({"scale": scale, "arm": a, "n": len(v), "median": v.median(), "min": v.min(),
                         "max": v.max(), "mean": v.mean(), "sd": v.std(ddof=1), "test": test["test"],
                         "method": test["method"], "statistic": test["statistic"], "p": test["p"]})
    table = pd.DataFrame(rows)
    first = table.drop_duplicates("scale")
    ok = first["p"].notna().to_numpy()
    for method, col in (("holm", "p_holm"), ("fdr_bh", "p_bh")):
        adjusted = np.full(len(first), np.nan)
        if ok.any():
            adjusted[ok] = p_adjust(first["p"].to_numpy()[ok], method)
        table[col] = table["scale"].map(dict(zip(first["scale"], adjusted, strict=True)))
    return table
