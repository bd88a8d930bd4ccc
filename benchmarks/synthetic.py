"""Synthetic cohorts in the input contract, of any size, for benchmarks (not for analysis).

Each patient has 3 target lesions (one nodal) and 1 non-target lesion measured at baseline (day −7) and at 7
follow-up visits every 56 days: 1 baseline + 7 visits = 8 assessments × 4 lesions = 32 rows per patient. Diameters
follow a per-patient trend (shrinking, stable or growing) with noise; about 2 % of cells are not evaluated and about
3 % of patients develop a new lesion, so every RECIST branch is exercised. Deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

VISIT_DAYS = np.array([-7, 56, 112, 168, 224, 280, 336, 392])
#: The plan sections that derive the synthetic cohort's analysis dataset (RECIST, Tg response, derived variables),
#: shared by the benchmarks that run the pipeline on it.
DERIVATION_PLAN = {
    "time": {"days_per_month": 30.4375},
    "recist": {"source": "measurements", "min_sd_days": 42, "confirmation_days": 28, "max_ne_between": 1,
               "require_confirmation": False, "clinical_benefit_sd_months": None, "pfs_max_gap_days": None},
    "tg": {"decrease_threshold_pct": 60, "exclude_tgab_positive": True, "tgab_positive_above": 4.0},
    "derived": {
        "age_ge_55": {"rule": "threshold", "variable": "age_years", "ge": 55},
        "distant_metastasis": {"rule": "any", "variables": ["met_lung", "met_bone"]},
        "lung_only": {"rule": "only", "variable": "met_lung", "others": ["met_bone"]},
        "hfs": {"rule": "adverse_event", "terms": ["hand-foot skin reaction"], "min_grade": 1},
        "tg_response_60": {"rule": "tg_response"},
        "dose_status": {"rule": "dose_status"},
    },
}


def write_table(columns: dict, path: Path) -> None:
    pacsv.write_csv(pa.table(columns), path, write_options=pacsv.WriteOptions(quoting_style="none"))


def make_cohort(n_patients: int, folder: Path, seed: int = 20231) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("S", np.char.zfill(np.arange(n_patients).astype(str), 7))
    death = (rng.random(n_patients) < 0.15).astype(np.int8)
    followup = rng.integers(400, 900, n_patients)
    death_day = np.where(death == 1, followup, -1)
    write_table({
        "patient_id": ids, "arm": np.full(n_patients, "sorafenib"),
        "age_years": rng.integers(25, 85, n_patients), "sex": rng.choice(np.array(["F", "M"]), n_patients),
        "followup_days": followup, "death": death,
        "death_day": np.where(death == 1, death_day.astype(str), ""),
        "met_lung": rng.integers(0, 2, n_patients), "met_bone": rng.integers(0, 2, n_patients),
    }, folder / "patients.csv")

    n_visits, n_lesions = len(VISIT_DAYS), 4
    trend = rng.choice(np.array([-0.5, -0.2, 0.0, 0.3, 0.6]), n_patients)  # relative change by the last visit
    baseline = rng.uniform(12, 40, (n_patients, 1, n_lesions))
    frac = np.clip(VISIT_DAYS, 0, None) / VISIT_DAYS[-1]
    diam = baseline * (1 + trend[:, None, None] * frac[None, :, None])
    diam *= rng.normal(1, 0.05, diam.shape)
    diam = np.round(np.clip(diam, 0, None), 1)
    diam[:, 0, 1] = np.maximum(diam[:, 0, 1], 15.0)  # the nodal target is measurable (≥ 15 mm short axis)
    pid = np.repeat(ids, n_visits * n_lesions)
    day = np.tile(np.repeat(VISIT_DAYS, n_lesions), n_patients)
    lesion = np.tile(np.array(["T1", "T2", "T3", "N1"]), n_patients * n_visits)
    ltype = np.tile(np.array(["target", "target", "target", "non_target"]), n_patients * n_visits)
    organ = np.tile(np.array(["lung", "lymph_node", "lung", "bone"]), n_patients * n_visits)
    nodal = np.tile(np.array([0, 1, 0, 0]), n_patients * n_visits)
    d = diam.reshape(-1).astype(str)
    not_evaluated = rng.random(d.shape) < 0.02
    d[not_evaluated] = ""
    d[ltype == "non_target"] = ""
    status = np.where(ltype == "non_target", "present", "").astype(object)
    progressed = np.repeat(trend == 0.6, n_visits * n_lesions) & (day >= 280) & (ltype == "non_target")
    status[progressed] = "progression"
    status[(ltype == "non_target") & not_evaluated] = ""
    # New lesions: ~3 % of patients get one at visit 4 (added rows).
    new_pat = np.flatnonzero(rng.random(n_patients) < 0.03)
    write_table({
        "patient_id": np.concatenate([pid, ids[new_pat]]),
        "day": np.concatenate([day, np.full(len(new_pat), VISIT_DAYS[4])]),
        "lesion_id": np.concatenate([lesion, np.full(len(new_pat), "NEW1")]),
        "lesion_type": np.concatenate([ltype, np.full(len(new_pat), "new")]),
        "organ": np.concatenate([organ, np.full(len(new_pat), "liver")]),
        "nodal": np.concatenate([nodal, np.zeros(len(new_pat), dtype=np.int64)]),
        "diameter_mm": np.concatenate([d, np.full(len(new_pat), "")]),
        "status": np.concatenate([status, np.full(len(new_pat), "present")]),
    }, folder / "tumor_measurements.csv")

    tg_days = np.array([-3, 60, 120])
    tg_base = rng.lognormal(3, 1, n_patients)
    tg = tg_base[:, None] * (1 + trend[:, None] * np.array([0, 0.7, 1.4])[None, :])
    write_table({
        "patient_id": np.repeat(ids, len(tg_days)), "day": np.tile(tg_days, n_patients),
        "analyte": np.full(n_patients * len(tg_days), "tg"), "value": np.round(np.clip(tg, 0, None), 2).reshape(-1),
        "unit": np.full(n_patients * len(tg_days), "ng/mL"),
    }, folder / "labs.csv")
    ae_pat = np.flatnonzero(rng.random(n_patients) < 0.5)
    write_table({
        "patient_id": ids[ae_pat],
        "term": rng.choice(np.array(["Hand-foot skin reaction", "Diarrhea", "Alopecia", "Hypertension"]), len(ae_pat)),
        "grade": rng.integers(1, 4, len(ae_pat)), "onset_day": rng.integers(5, 120, len(ae_pat)),
        "end_day": np.full(len(ae_pat), ""),
    }, folder / "adverse_events.csv")
    write_table({
        "patient_id": ids, "day": np.zeros(n_patients, dtype=np.int64), "dose_mg_per_day": np.full(n_patients, 800),
        "reason": np.full(n_patients, "start"),
    }, folder / "doses.csv")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n_patients", type=int)
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    make_cohort(args.n_patients, args.folder)
