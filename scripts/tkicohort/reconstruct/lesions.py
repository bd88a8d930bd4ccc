"""Lesion-level RECIST measurements that give each reconstructed patient an intended course.

Each patient gets two target lesions in one organ (a nodal pair, measured on the short axis, for lymph nodes),
a baseline assessment on day −7 and assessments every 91 days (a parameter), the last one on the patient's PFS
day. The sum of diameters follows the intended best response with margins far from the RECIST thresholds, so that rounding can
never flip a category:

- ``PR``: −40 % at the first assessment (confirmed at the next one, ≥ 28 days later), then the intended best change;
- ``SD``: between −20 % and +10 %; when it must stay SD for a short time the first assessment is on day 63
  (after the 42-day minimum);
- ``PD``: a single assessment on the PFS day, with +30 % growth or, for ``new_lesion`` courses, a new lesion;
- progression of a PR/SD course on its PFS day: +35 % and at least +8 mm over the nadir, or a new lesion;
- a censored course's last assessment keeps its response.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VISIT_EVERY = 91
BASELINE_DAY = -7


def visit_days(pfs_day: int, course: str, short_sd: bool, every: int = VISIT_EVERY) -> list[int]:
    if course == "PD":
        return [pfs_day]
    if short_sd:
        return [63, pfs_day]
    days = list(range(every, pfs_day - 30, every))
    return [*days, pfs_day] if days else [min(every, pfs_day), pfs_day][-1:]


def sum_fractions(n_visits: int, course: str, best_pct: float, progressed: bool, base_sum: float) -> np.ndarray:
    """Target sum at each assessment as a fraction of baseline."""
    best = 1 + best_pct / 100
    if course == "PD":
        return np.array([best])
    if course == "PR":
        path = np.r_[0.60, np.linspace(0.60, best, max(n_visits - 1, 1))][:n_visits]
        path[1:] = np.minimum(path[1:], 0.60)
    else:
        path = np.full(n_visits, best)
        path[0] = min(1.0, best + 0.05) if n_visits > 1 else best
    if progressed:
        nadir = path[:-1].min() if n_visits > 1 else 1.0
        path[-1] = max(nadir * 1.35, nadir + 8 / base_sum)  # ≥ 20 % and ≥ 5 mm over the nadir, with margin
    return path


def patient_measurements(pid: str, organ: str, pfs_day: int, course: str, best_pct: float, progressed: bool,
                         new_lesion: bool, short_sd: bool, base_mm: tuple[int, int],
                         every: int = VISIT_EVERY) -> list[dict]:
    nodal = int(organ == "lymph_node")
    rows = [{"patient_id": pid, "day": BASELINE_DAY, "lesion_id": f"T{k + 1}", "lesion_type": "target",
             "organ": organ, "nodal": nodal, "diameter_mm": d, "status": ""} for k, d in enumerate(base_mm)]
    days = visit_days(pfs_day, course, short_sd, every)
    fractions = sum_fractions(len(days), course, best_pct, progressed and not new_lesion, sum(base_mm))
    for day, frac in zip(days, fractions, strict=True):
        for k, d in enumerate(base_mm):
            rows.append({"patient_id": pid, "day": day, "lesion_id": f"T{k + 1}", "lesion_type": "target",
                         "organ": organ, "nodal": nodal, "diameter_mm": int(round(d * frac)), "status": ""})
    if progressed and new_lesion:
        rows.append({"patient_id": pid, "day": days[-1], "lesion_id": "N1", "lesion_type": "new",
                     "organ": "lung" if organ != "lung" else "bone", "nodal": 0, "diameter_mm": "",
                     "status": "present"})
    return rows


def measurements(plan: pd.DataFrame, every: int = VISIT_EVERY) -> pd.DataFrame:
    """``plan``: one row per patient with patient_id, organ, pfs_day, course, best_pct, progressed, new_lesion,
    short_sd, base_a, base_b; assessments every ``every`` days."""
    rows = []
    for r in plan.itertuples(index=False):  # one patient's few rows each; the cohort is tens of patients
        rows += patient_measurements(r.patient_id, r.organ, int(r.pfs_day), r.course, float(r.best_pct),
                                     bool(r.progressed), bool(r.new_lesion), bool(r.short_sd),
                                     (int(r.base_a), int(r.base_b)), every)
    return pd.DataFrame(rows)
