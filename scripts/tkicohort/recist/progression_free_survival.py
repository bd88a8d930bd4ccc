"""Progression-free survival from the best-response table and patients.csv.

Rule: the event is the first PD or death, whichever comes first (pfs_days = that day, pfs_event = 1). Without an
event the patient is censored at the last adequate tumour assessment (``last_assessment_day``: the last counted
assessment that is not NE); with no adequate post-baseline assessment, at day 0. A death counts whenever it occurs:
the FDA-style rule that censors a death after two or more missed assessments is applied only when ``max_gap_days`` is
given (a death more than that many days after the last adequate assessment, or after day 0 when there is none, is
censored there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PFS_COLUMNS = ["patient_id", "pfs_days", "pfs_event", "pfs_censor_reason"]


def derive_pfs(best_response: pd.DataFrame, patients: pd.DataFrame, max_gap_days: int | None = None) -> pd.DataFrame:
    p = patients.drop_duplicates("patient_id").set_index("patient_id")
    ids = best_response["patient_id"]
    death_day = ids.map(p["death_day"].where(p["death"] == 1)).to_numpy(dtype=float, na_value=np.nan)
    pd_day = best_response["pd_day"].to_numpy(dtype=float)
    last = best_response["last_assessment_day"].to_numpy(dtype=float)
    last_or_zero = np.where(np.isnan(last), 0.0, last)
    if max_gap_days is not None:
        late = ~np.isnan(death_day) & (death_day - last_or_zero > max_gap_days) & np.isnan(pd_day)
        death_day = np.where(late, np.nan, death_day)
    else:
        late = np.zeros(len(ids), dtype=bool)
    event_day = np.fmin(pd_day, death_day)
    event = ~np.isnan(event_day)
    days = np.where(event, event_day, last_or_zero)
    reason = np.select(
        [event & (event_day == pd_day), event, late, np.isnan(last)],
        ["", "", "death after a gap longer than max_gap_days: censored at the last adequate assessment",
         "no adequate post-baseline assessment: censored at day 0"],
        default="censored at the last adequate assessment")
    return pd.DataFrame({"patient_id": ids.to_numpy(), "pfs_days": days.astype(np.int64),
                         "pfs_event": event.astype(np.int8), "pfs_censor_reason": np.where(event, None, reason)})
