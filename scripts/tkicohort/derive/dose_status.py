"""Dose status from doses.csv, or from patients.csv where given there (which wins).

From the dose records of a patient, in day order (the first record is the starting dose):
- ``discontinued``: the last record has dose 0 and a reason mentioning discontinuation or stopping;
- ``interrupted``: a 0-dose record followed later by a positive dose (or a final 0 without such a reason);
- ``reduced``: a positive dose below the starting dose;
- ``standard``: none of these. Precedence: discontinued > interrupted > reduced > standard.
A patient with no dose record and no status in patients.csv has a missing status.

Dose status depends on follow-up: a status other than standard is known from the **day the dose was first
modified** (``dose_status_day``: the first record below the starting dose, 0 included). It needs dose records: where
only patients.csv gives a non-standard status, or the records show no change, the day is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUSES = ("standard", "reduced", "interrupted", "discontinued")


def derive_dose_status(doses: pd.DataFrame, patients: pd.DataFrame) -> pd.Series:
    d = doses.sort_values(["patient_id", "day"], kind="stable")
    g = d.groupby("patient_id", sort=False)
    start = g["dose_mg_per_day"].transform("first")
    dose = d["dose_mg_per_day"]
    is_last = ~d["patient_id"].duplicated(keep="last")
    stop_reason = d["reason"].fillna("").str.contains(r"discontinu|stop", case=False, regex=True)
    flags = pd.DataFrame({
        "patient_id": d["patient_id"],
        "discontinued": is_last & (dose == 0) & stop_reason,
        "zero": dose == 0,
        "reduced": (dose > 0) & (dose < start),
    })
    per = flags.groupby("patient_id", sort=False).agg(discontinued=("discontinued", "any"), zero=("zero", "any"),
                                                      reduced=("reduced", "any"))
    status = pd.Series(np.select([per["discontinued"], per["zero"], per["reduced"]],
                                 ["discontinued", "interrupted", "reduced"], default="standard"), index=per.index)
    out = patients["patient_id"].map(status)
    if "dose_status" in patients.columns:
        out = patients["dose_status"].where(patients["dose_status"].notna(), out)
    return out.astype(object).where(out.notna(), None)


def dose_modified_day(doses: pd.DataFrame, patients: pd.DataFrame, status: pd.Series) -> pd.Series:
    """The day the dose was first modified (first record below the starting dose) for patients whose ``status`` is
    not standard; NaN otherwise."""
    d = doses.sort_values(["patient_id", "day"], kind="stable")
    start = d.groupby("patient_id", sort=False)["dose_mg_per_day"].transform("first")
    below = d[d["dose_mg_per_day"] < start]
    first = below.groupby("patient_id")["day"].min()
    day = patients["patient_id"].map(first).astype(float)
    modified = status.notna().to_numpy() & (status.to_numpy() != "standard")
    return day.where(modified, np.nan)
