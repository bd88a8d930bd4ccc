"""The RECIST stage as one call: normalised tables in, visits and best responses out."""

from __future__ import annotations

import pandas as pd

from .assessment import classify, visits_from_responses
from .best_overall_response import best_response_of_visits, derive_best_response
from .progression_free_survival import derive_pfs

BEST_RESPONSE_COLUMNS = [
    "patient_id", "bor", "bor_confirmed", "best_pct_change", "first_response_day", "pd_day", "pfs_days",
    "pfs_event", "pfs_censor_reason", "last_assessment_day", "evaluable", "not_evaluable_reason", "response_day",
    "confirmed_response_day", "control_day", "confirmed_control_day",
]


def choose_source(source: str, has_measurements: bool, has_responses: bool) -> str:
    """``auto`` takes lesion measurements when the cohort supplies them, else investigator responses."""
    if source == "auto":
        return "measurements" if has_measurements else "responses"
    return source


def run_recist(patients: pd.DataFrame, measurements: pd.DataFrame, responses: pd.DataFrame,
               recist_plan: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-visit responses and the per-patient best response with PFS, following the plan's ``recist`` settings."""
    source = choose_source(recist_plan.get("source", "auto"), len(measurements) > 0, len(responses) > 0)
    settings = {"min_sd_days": recist_plan.get("min_sd_days", 42),
                "confirmation_days": recist_plan.get("confirmation_days", 28),
                "max_ne_between": recist_plan.get("max_ne_between", 1)}
    if source == "measurements":
        classified = classify(measurements)
        visits = classified.frame()
        best = best_response_of_visits(classified, patients, **settings)
        del classified
    else:
        visits = visits_from_responses(responses)
        best = derive_best_response(visits, patients, **settings)
    pfs = derive_pfs(best, patients, max_gap_days=recist_plan.get("pfs_max_gap_days"))
    # Both tables hold one row per patient, sorted by patient_id: the columns are placed side by side.
    if not pfs["patient_id"].equals(best["patient_id"]):  # pragma: no cover - derive_pfs keeps the row order
        raise AssertionError("PFS rows out of step with the best-response rows")
    for column in pfs.columns.drop("patient_id"):
        best[column] = pfs[column].to_numpy()
    return visits, best[BEST_RESPONSE_COLUMNS]
