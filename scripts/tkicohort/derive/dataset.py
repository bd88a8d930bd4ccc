"""The analysis dataset: one row per patient, the single input of every table and figure.

Column order: the patients.csv columns as given; then the plan's derived variables in plan order; then
evaluable, not_evaluable_reason, bor, bor_confirmed, best_pct_change, dcr, orr, pfs_days, pfs_event, pfs_months,
os_days, os_event, os_months, duration of response and of disease control (dor_days, dor_event, dor_months,
dcd_days, dcd_event, dcd_months), for a plan in weeks pfs_weeks, os_weeks, dor_weeks and dcd_weeks, the
thyroglobulin columns (tg_baseline, tg_nadir, tg_best_pct_change, tg_response, tg_excluded_reason) and dose_status;
last, the day each post-baseline variable became known (orr_day, dcr_day, tg_response_day, dose_status_day, then
``<name>_day`` for each dated derived variable in plan order; rules in ``derive/post_baseline.py``).
PFS is missing for every patient of a cohort without tumour assessments (see tkicohort.recist.stage).
Rows are sorted by patient_id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ae_flags import ae_flag, ae_flag_day
from .dose_status import derive_dose_status, dose_modified_day
from .outcomes import derive_durations, derive_os, derive_response_flags, to_months
from .plan_variables import derive_variables
from .post_baseline import BUILT_IN, expression_day, post_baseline_variables, response_days
from .tg_response import derive_tg_response

ENDPOINT_COLUMNS = ["evaluable", "not_evaluable_reason", "bor", "bor_confirmed", "best_pct_change", "dcr", "orr",
                    "pfs_days", "pfs_event", "pfs_months", "os_days", "os_event", "os_months"]


def build_analysis_dataset(patients: pd.DataFrame, best_response: pd.DataFrame, plan: dict,
                           labs: pd.DataFrame | None = None, adverse_events: pd.DataFrame | None = None,
                           doses: pd.DataFrame | None = None) -> pd.DataFrame:
    dpm = plan.get("time", {}).get("days_per_month", 30.4375)
    recist = plan.get("recist", {})
    tg_plan = plan.get("tg", {})
    pts = patients.sort_values("patient_id", kind="stable").reset_index(drop=True)
    best = pts[["patient_id"]].merge(best_response, on="patient_id", how="left", validate="one_to_one")

    labs = labs if labs is not None else pd.DataFrame(columns=["patient_id", "day", "analyte", "value"])
    adverse_events = adverse_events if adverse_events is not None else pd.DataFrame(
        columns=["patient_id", "term", "grade"])
    doses = doses if doses is not None else pd.DataFrame(columns=["patient_id", "day", "dose_mg_per_day", "reason"])

    tg = derive_tg_response(labs, pts, best, tg_plan.get("decrease_threshold_pct", 60),
                            tg_plan.get("exclude_tgab_positive", True), tg_plan.get("tgab_positive_above", 4.0))
    dose = derive_dose_status(doses, pts)
    context = {
        "ae_flag": lambda terms, min_grade: ae_flag(adverse_events, pts, terms, min_grade),
        "tg_response": tg["tg_response"],
        "dose_status": dose,
    }
    out = derive_variables(pts, plan.get("derived"), context)

    flags = derive_response_flags(best, recist.get("require_confirmation", False),
                                  recist.get("clinical_benefit_sd_months"), dpm)
    os_ = derive_os(pts, dpm)
    for col in ("evaluable", "not_evaluable_reason", "bor", "bor_confirmed", "best_pct_change"):
        out[col] = best[col].to_numpy()
    out["dcr"] = flags["dcr"].array
    out["orr"] = flags["orr"].array
    out["pfs_days"] = best["pfs_days"].to_numpy()
    out["pfs_event"] = best["pfs_event"].to_numpy()
    out["pfs_months"] = to_months(best["pfs_days"], dpm)
    for col in ("os_days", "os_event", "os_months"):
        out[col] = os_[col].to_numpy()
    durations = derive_durations(best, flags, dpm, recist.get("require_confirmation", False))
    for col in durations.columns.drop("patient_id"):
        out[col] = durations[col].to_numpy()
    if plan.get("time", {}).get("unit") == "weeks":  # the plan's analysis time scale; days and months are above
        for endpoint in ("pfs", "os", "dor", "dcd"):
            out[f"{endpoint}_weeks"] = out[f"{endpoint}_days"].astype(float) / 7
    for col in ("tg_baseline", "tg_nadir", "tg_best_pct_change", "tg_response", "tg_excluded_reason"):
        if col not in out.columns:
            out[col] = tg[col].array
    if "dose_status" not in out.columns or "dose_status" not in (plan.get("derived") or {}):
        out["dose_status"] = dose.to_numpy()
    days = response_days(best, flags, recist, dpm)
    days["tg_response_day"] = tg["tg_response_day"].to_numpy(dtype=float)
    days["dose_status_day"] = dose_modified_day(doses, pts, out["dose_status"]).to_numpy(dtype=float)
    for name, values in days.items():
        out[name] = values
    registry = post_baseline_variables(plan)
    for name, spec in (plan.get("derived") or {}).items():
        info = registry.get(name)
        if info is None or info.day_column is None or name in BUILT_IN:
            continue
        rule = spec["rule"]
        if rule == "adverse_event":
            day = ae_flag_day(adverse_events, pts, spec["terms"], spec.get("min_grade", 1)).to_numpy(dtype=float)
        elif rule == "tg_response":
            day = days["tg_response_day"]
        elif rule == "dose_status":
            day = dose_modified_day(doses, pts, out[name]).to_numpy(dtype=float)
        else:
            day = expression_day(out, spec, registry)
        present = out[name].notna().to_numpy()
        flagged = present & (out[name].astype(object).where(present, info.before).to_numpy() != info.before)
        out[info.day_column] = day if info.before is None else np.where(flagged, day, np.nan)
    return out
