"""The contract files of the reconstructed Tehran cohort, from a fitted design (see tehran.py).

Deterministic given the design. Patients TH01–TH22 received sorafenib, TH23–TH45 are the controls. Choices the
publication leaves open, stated here: attributes are combined within patients by fixed shuffles; imaging every six
months (days 183, 366, 549, 731) as the Methods say, two target lesions in the organ of the metastasis pattern; a
patient with response PD had no evaluable imaging before the progression (the six-monthly scans before it are
recorded with the targets not measured, so RECIST reads them as NE); Tg and TgAb are measured once, on day −7;
sorafenib starts at 400 mg/day and is reduced to 200 mg/day for a fixed third of the arm (the publication prints
the dose range only); one QLQ-C30 questionnaire per patient on day 183; no adverse-event counts are printed, so
none are reconstructed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.qol import ITEM_MAX, TEHRAN_RAW_SUBSCALES
from .lesions import BASELINE_DAY, measurements
from .tehran import ARMS, FOLLOWUP_DAY, QOL_SCALES, Design, N

# Printed counts per arm (Table 1 and Results text).
SEX = {"sorafenib": {"M": 10, "F": 12}, "control": {"M": 8, "F": 15}}
ATA_RISK = {"sorafenib": {"intermediate": 14, "high": 8}, "control": {"intermediate": 16, "high": 7}}
RAI_COURSES = {"sorafenib": {"<3": 3, "3-6": 18, ">6": 1}, "control": {"<3": 4, "3-6": 14, ">6": 5}}
PATTERNS = {"sorafenib": {"lung_only": 17, "lung_bone": 4, "bone_only": 1},
            "control": {"lung_only": 17, "lung_bone": 2, "lymph_node": 2, "bone_only": 2}}
RESPONSES = {"sorafenib": {"PR": 2, "SD": 15, "PD": 5}, "control": {"PR": 2, "SD": 9, "PD": 12}}
PATTERN_SITES = {"lung_only": ("met_lung",), "lung_bone": ("met_lung", "met_bone"), "bone_only": ("met_bone",),
                 "lymph_node": ("met_lymph_node",)}
PATTERN_ORGAN = {"lung_only": "lung", "lung_bone": "lung", "bone_only": "bone", "lymph_node": "lymph_node"}
SITES = ("met_lung", "met_bone", "met_pleura", "met_lymph_node", "met_liver", "met_brain", "met_other")
VISIT_EVERY = 183
QOL_DAY = 183


def _counts(spec: dict[str, int], rng: np.random.Generator) -> np.ndarray:
    values = np.concatenate([[k] * n for k, n in spec.items()])
    return rng.permutation(values)


def _courses(band: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Number of RAI courses within each patient's band, more courses for a larger cumulative activity."""
    out = np.empty(len(band), dtype=int)
    choices = {"<3": (1, 2), "3-6": (3, 4, 5, 6), ">6": (7, 8)}
    for name, values in choices.items():
        idx = np.flatnonzero(band == name)
        ranked = idx[np.argsort(cumulative[idx], kind="stable")]
        out[ranked] = np.asarray(values)[np.arange(len(idx)) * len(values) // max(len(idx), 1)]
    return out


def arm_frame(design: Design, arm: str, offset: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N[arm]
    frame = pd.DataFrame({"patient_id": [f"TH{offset + i + 1:02d}" for i in range(n)], "arm": arm,
                          "sex": _counts(SEX[arm], rng), "ata_risk": _counts(ATA_RISK[arm], rng),
                          "pattern": _counts(PATTERNS[arm], rng), "response": _counts(RESPONSES[arm], rng)})
    frame["age_years"] = rng.permutation(design.baseline["age_years"][arm]).astype(int)
    frame["cumulative_rai_mci"] = rng.permutation(design.baseline["cumulative_rai_mci"][arm]).astype(int)
    frame["tg_baseline"] = rng.permutation(design.baseline["tg_baseline"][arm]).astype(int)
    band = _counts(RAI_COURSES[arm], rng)
    frame["rai_treatments"] = _courses(band, frame["cumulative_rai_mci"].to_numpy())
    pd_rows = np.flatnonzero(frame["response"] == "PD")
    frame["pfs_day"] = FOLLOWUP_DAY
    frame.loc[pd_rows, "pfs_day"] = rng.permutation(design.pfs_days[arm])
    frame["progressed"] = (frame["response"] == "PD").astype(int)
    return frame


def design_frame(design: Design) -> pd.DataFrame:
    return pd.concat([arm_frame(design, "sorafenib", 0, 22), arm_frame(design, "control", N["sorafenib"], 23)],
                     ignore_index=True)


def patients_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["patient_id", "arm", "age_years", "sex"]].copy()
    out["followup_days"] = FOLLOWUP_DAY
    out["death"] = 0
    out["death_day"] = ""
    out["ata_risk"] = frame["ata_risk"]
    out["rai_treatments"] = frame["rai_treatments"]
    out["cumulative_rai_mci"] = frame["cumulative_rai_mci"]
    for site in SITES:
        out[site] = frame["pattern"].map(lambda p, s=site: int(s in PATTERN_SITES[p]))
    return out


def tumor_measurements_csv(frame: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(45)
    n = len(frame)
    course = frame["response"].to_numpy()
    best = np.select([course == "PR", course == "SD"], [rng.uniform(-60, -40, n), rng.uniform(-15, 10, n)],
                     rng.uniform(30, 50, n))
    organ = frame["pattern"].map(PATTERN_ORGAN).to_numpy()
    plan = pd.DataFrame({"patient_id": frame["patient_id"], "organ": organ, "pfs_day": frame["pfs_day"],
                         "course": course, "best_pct": best, "progressed": frame["progressed"],
                         "new_lesion": False, "short_sd": False, "base_a": rng.integers(16, 30, n),
                         "base_b": rng.integers(11, 20, n)})
    plan.loc[plan["organ"] == "lymph_node", ["base_a", "base_b"]] = [21, 16]
    rows = measurements(plan, every=VISIT_EVERY)
    # six-monthly scans before a first-assessment progression: targets not measured (NE)
    baseline = rows[rows["day"] == BASELINE_DAY]
    pd_ids = frame.loc[frame["response"] == "PD", ["patient_id", "pfs_day"]]
    scans = pd_ids.merge(pd.DataFrame({"day": np.arange(VISIT_EVERY, FOLLOWUP_DAY, VISIT_EVERY)}), how="cross")
    scans = scans[scans["day"] < scans["pfs_day"]].drop(columns="pfs_day")
    missing = scans.merge(baseline.drop(columns="day"), on="patient_id").assign(diameter_mm="")
    out = pd.concat([rows, missing[rows.columns]], ignore_index=True)
    return out.sort_values(["patient_id", "day", "lesion_id"], kind="mergesort").reset_index(drop=True)


def labs_csv(frame: pd.DataFrame) -> pd.DataFrame:
    tg = pd.DataFrame({"patient_id": frame["patient_id"], "day": BASELINE_DAY, "analyte": "tg",
                       "value": frame["tg_baseline"], "unit": "ng/mL"})
    tgab = tg.assign(analyte="tgab", value=0.9, unit="IU/mL")
    return pd.concat([tg, tgab]).sort_values(["patient_id", "analyte"], kind="mergesort").reset_index(drop=True)


def doses_csv(frame: pd.DataFrame) -> pd.DataFrame:
    treated = frame.loc[frame["arm"] == "sorafenib", "patient_id"].to_numpy()
    start = pd.DataFrame({"patient_id": treated, "day": 0, "dose_mg_per_day": 400, "reason": ""})
    reduced = treated[::3]
    step = pd.DataFrame({"patient_id": reduced, "day": 28 + 14 * (np.arange(len(reduced)) % 4),
                         "dose_mg_per_day": 200, "reason": "intolerable adverse effects"})
    return pd.concat([start, step]).sort_values(["patient_id", "day"], kind="mergesort").reset_index(drop=True)


def spread(total: int, n_items: int, item_max: int) -> np.ndarray:
    """``n_items`` item scores in 1..item_max adding up to ``total``, as even as possible (larger first)."""
    base, extra = divmod(total, n_items)
    items = np.full(n_items, base)
    items[:extra] += 1
    return np.clip(items, 1, item_max)


def qol_csv(design: Design, frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for arm in ARMS:
        ids = frame.loc[frame["arm"] == arm, "patient_id"].to_numpy()
        for pid, sums in zip(ids, design.qol[arm], strict=True):  # 45 questionnaires of 8 subscales each
            answers = {"patient_id": pid, "day": QOL_DAY}
            for scale, total in zip(QOL_SCALES, sums, strict=True):
                items = TEHRAN_RAW_SUBSCALES[scale]
                values = spread(int(total), len(items), ITEM_MAX[items[0]])
                answers |= {f"q{i}": int(v) for i, v in zip(items, values, strict=True)}
            rows.append(answers)
    return pd.DataFrame(rows)[["patient_id", "day", *[f"q{i}" for i in range(1, 31)]]]


def cohort_files(design: Design) -> dict[str, pd.DataFrame]:
    frame = design_frame(design)
    return {"patients.csv": patients_csv(frame), "tumor_measurements.csv": tumor_measurements_csv(frame),
            "labs.csv": labs_csv(frame), "doses.csv": doses_csv(frame), "qol.csv": qol_csv(design, frame)}
