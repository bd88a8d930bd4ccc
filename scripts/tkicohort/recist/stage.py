"""The RECIST stage as one call: normalised tables in, visits and best responses out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .assessment import classify, visits_from_responses
from .best_overall_response import best_response_of_visits, derive_best_response
from .progression_free_survival import derive_pfs

BEST_RESPONSE_COLUMNS = [
    "patient_id", "bor", "bor_confirmed", "best_pct_change", "first_response_day", "first_response_day_unconfirmed",
    "pd_day", "pfs_days", "pfs_event", "pfs_censor_reason", "last_assessment_day", "evaluable", "not_evaluable_reason",
    "confirmed_response_day", "control_day", "confirmed_control_day",
]
#: Why a patient of a cohort without tumour data (a survival-only cohort) has no response and no PFS.
NO_TUMOUR_DATA = "no tumour assessments in the cohort (neither tumor_measurements.csv nor responses.csv)"


def choose_source(source: str, has_measurements: bool, has_responses: bool) -> str:
    """``auto`` takes lesion measurements when the cohort supplies them, else investigator responses."""
    if source == "auto":
        return "measurements" if has_measurements else "responses"
    return source


def run_recist(patients: pd.DataFrame, measurements: pd.DataFrame, responses: pd.DataFrame,
               recist_plan: dict, tumour_data: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-visit responses and the per-patient best response with PFS, following the plan's ``recist`` settings.

    ``tumour_data``: whether the cohort has tumour assessments (decided when the workflow starts, from the files of
    the cohort folder). Without them there is neither a response nor a PFS: every patient is not evaluable, with
    the reason :data:`NO_TUMOUR_DATA`, and PFS is missing (a PFS censored at day 0, or ending at the death, would be
    meaningless)."""
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
    if not tumour_data:
        best["evaluable"] = 0
        best["not_evaluable_reason"] = NO_TUMOUR_DATA
        best["pfs_days"] = np.nan
        best["pfs_event"] = np.nan
        best["pfs_censor_reason"] = f"no PFS: {NO_TUMOUR_DATA}"
    return visits, best[BEST_RESPONSE_COLUMNS]
