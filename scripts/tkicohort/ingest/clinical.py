"""Checks that read what rows mean clinically, beyond their types: a permanent dose stop is the last dose row
(refused otherwise), and two warnings that do not stop a run but that the reader of the report should see: target
lesions below the RECIST 1.1 size at baseline, and final zero doses that will be read as pauses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..packing import pack
from .contract import LEGACY_STOP_REASON
from .read import RawTable
from .violations import Violation, grouped_report, row_violations


def check_doses(raw: RawTable, d: pd.DataFrame) -> list[Violation]:
    """A permanent stop (``stopped = 1``) has dose 0 and is the patient's last dose record."""
    if "stopped" not in d or not {"patient_id", "day", "dose_mg_per_day"} <= set(d.columns):
        return []
    out: list[Violation] = []
    stop = (d["stopped"] == 1).fillna(False).to_numpy()
    if not stop.any():
        return out
    dose = d["dose_mg_per_day"].to_numpy(dtype="float64", na_value=np.nan)
    out += row_violations(raw.file, raw.lines, "dose_mg_per_day", raw.columns["dose_mg_per_day"],
                          stop & (dose != 0), "is not 0 on a row with stopped = 1; a permanent stop sets the dose to 0")
    patient = raw.columns["patient_id"]
    day = d["day"].to_numpy(dtype="float64", na_value=np.nan)
    first_stop = np.full(len(patient.levels), np.inf)
    np.minimum.at(first_stop, patient.codes[stop], day[stop])  # over the (few) stop rows only
    after = day > first_stop[patient.codes]
    out += row_violations(raw.file, raw.lines, "day", raw.columns["day"], after,
                          "is after this patient's permanent stop (a row with stopped = 1); a stop is the last "
                          "dose record — record a restart as a new dose and leave stopped blank on the earlier row")
    return out


def baseline_size_warnings(m: pd.DataFrame, raw: RawTable) -> list[str]:
    """RECIST 1.1 §3.1 measurability at baseline: a nodal target ≥ 15 mm in short axis, any other target ≥ 10 mm.

    The baseline of a target lesion is its last measurement on or before day 0. A smaller target is warned about (file, line,
    column), not refused: the investigator's choice stands, but the reader of the report should know."""
    need = {"patient_id", "day", "lesion_id", "lesion_type", "nodal", "diameter_mm"}
    if m.empty or not need <= set(m.columns):
        return []
    day = m["day"].to_numpy(dtype="float64", na_value=np.nan)
    lesion_type = raw.columns["lesion_type"]
    is_target = (lesion_type.levels == "target").to_numpy()[lesion_type.codes]
    lesion = raw.columns["lesion_id"]
    fragment = lesion.levels.str.contains("/", regex=False).to_numpy()[lesion.codes]
    # Each target lesion's baseline row: its last measurement on or before day 0.
    rows = np.flatnonzero(is_target & ~fragment & (day <= 0))
    patient = raw.columns["patient_id"]
    key = pack([patient.codes[rows], lesion.codes[rows]], [len(patient.levels), len(lesion.levels)])
    last_day = pd.Series(day[rows]).groupby(key, sort=False).transform("max").to_numpy()  # hashed, no sort
    at_baseline = np.zeros(len(m), dtype=bool)
    at_baseline[rows[day[rows] == last_day]] = True
    size = m["diameter_mm"].to_numpy(dtype="float64", na_value=np.nan)
    nodal = (m["nodal"] == 1).to_numpy()
    warnings: list[Violation] = []
    for is_nodal, minimum, what in ((True, 15, "a nodal target lesion needs ≥ 15 mm in short axis"),
                                    (False, 10, "a non-nodal target lesion needs ≥ 10 mm in longest diameter")):
        small = at_baseline & (nodal == is_nodal) & (size < minimum)
        warnings += row_violations(raw.file, raw.lines, "diameter_mm", raw.columns["diameter_mm"], small,
                                   f"is below the RECIST 1.1 size for a measurable lesion at baseline ({what}); "
                                   "check the lesion's selection as a target (kept as given)")
    return grouped_report(warnings).replace("\n    ", " ").split("\n") if warnings else []


def final_zero_dose_warnings(d: pd.DataFrame, raw: RawTable) -> list[str]:
    """Patients whose last dose row is 0 but not marked as a permanent stop: their status will read 'interrupted'
    (a pause). Said once, with the count and the first line, so that a cohort meaning 'stopped' can say so."""
    if d.empty or not {"patient_id", "day", "dose_mg_per_day"} <= set(d.columns):
        return []
    patient = raw.columns["patient_id"].codes
    order = np.lexsort((d["day"].to_numpy(dtype="float64", na_value=np.nan), patient))
    last = np.zeros(len(d), dtype=bool)
    is_last_sorted = np.ones(len(order), dtype=bool)
    is_last_sorted[:-1] = patient[order][1:] != patient[order][:-1]
    last[order[is_last_sorted]] = True
    zero = (d["dose_mg_per_day"] == 0).to_numpy()
    if "stopped" in d.columns and d["stopped"].notna().any():
        stop = (d["stopped"] == 1).fillna(False).to_numpy()
    else:
        stop = d["reason"].fillna("").str.contains(LEGACY_STOP_REASON, case=False, regex=True).to_numpy()
    paused = np.flatnonzero(last & zero & ~stop)
    if len(paused) == 0:
        return []
    first = int(raw.lines[paused].min())
    return [f"{raw.file}: the last dose of {len(paused):,} patient(s) is 0 without stopped = 1 (first on line "
            f"{first}); their dose status is 'interrupted' (a pause). Where the treatment was stopped for good, "
            "set stopped = 1 on that row"]
