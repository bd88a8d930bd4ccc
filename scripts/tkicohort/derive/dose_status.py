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
