"""Dose status from doses.csv, or from patients.csv where given there (which wins).

From the dose records of a patient, in day order (the first record is the starting dose):

- ``discontinued``: the treatment was stopped for good. doses.csv says so with its ``stopped`` column: a row with
  ``stopped = 1`` (dose 0, the patient's last row; ingestion checks both). A file whose ``stopped`` column is
  absent or entirely blank keeps the older convention: the last row has dose 0 and a reason mentioning
  discontinuation or stopping (``discontinu``, ``stop``, any case);
- ``interrupted``: a 0-dose row that is not a permanent stop, whether or not a positive dose follows (a final 0
  without ``stopped = 1`` is read as a pause: ingestion warns about such patients);
- ``reduced``: a positive dose below the starting dose;
- ``standard``: none of these.

Precedence: discontinued > interrupted > reduced > standard, so a patient reduced and later paused is
``interrupted``, and one reduced and then stopped is ``discontinued``. A patient with no dose record and no status in
patients.csv has a missing status.

Dose status depends on follow-up: a status other than standard is known from the **day the dose was first
modified** (``dose_status_day``: the first record below the starting dose, 0 included). It needs dose records: where
only patients.csv gives a non-standard status, or the records show no change, the day is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ingest.contract import LEGACY_STOP_REASON

STATUSES = ("standard", "reduced", "interrupted", "discontinued")


def permanent_stops(d: pd.DataFrame) -> pd.Series:
    """Which rows of ``d`` (sorted by patient and day) stop the treatment for good."""
    if "stopped" in d.columns and d["stopped"].notna().any():
        return (d["stopped"] == 1).fillna(False).astype(bool)
    is_last = ~d["patient_id"].duplicated(keep="last")
    stop_reason = d["reason"].fillna("").str.contains(LEGACY_STOP_REASON, case=False, regex=True)
    return is_last & (d["dose_mg_per_day"] == 0) & stop_reason


def derive_dose_status(doses: pd.DataFrame, patients: pd.DataFrame) -> pd.Series:
    d = doses.sort_values(["patient_id", "day"], kind="stable")
    g = d.groupby("patient_id", sort=False)
    start = g["dose_mg_per_day"].transform("first")
    dose = d["dose_mg_per_day"]
    stop = permanent_stops(d)
    flags = pd.DataFrame({
        "patient_id": d["patient_id"],
        "discontinued": stop,
        "zero": (dose == 0) & ~stop,
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
