"""The contract files of one simulated cohort: patients, tumour measurements, labs, adverse events, doses, QoL.

Everything is generated from the member's columns and time courses so that the pipeline, reading the files back,
derives the same best responses, PFS, follow-up and flags (the tests check it member by member). Choices, each a
setting of the spec's ``records`` (defaults in brackets):

- **Patient ids**: the prefix and a number, assigned to the patients in a random order.
- **Lesions** [``records.lesions``]: 1–3 target lesions [``targets``] in the patient's target organ (``target_organ``
  column, else ``organ``), measured at baseline and at every scan up to progression or the last scan; baseline
  diameters log-normal [median 20 mm, sigma 0.45], at least 10 mm (15 mm short axis for a lymph node). The sum of
  diameters follows the course with margins from every RECIST threshold: a partial response reaches −35 % to −95 %
  from its first response on, stable disease stays between −25 % and +15 % of baseline, progression is a growth of
  +30 % to +70 % over the nadir and at least 7 mm (or a new lesion, for the patients ``new_lesion`` names); between
  scans the sum moves within 15 % above its nadir. Each lesion follows the sum with its own noise (4 %), values in
  tenths of a millimetre. Patients without a measurable target have non-target lesions only; with
  ``response_category: final_status`` the scans of a progressing patient before its progression are recorded
  without measurement (not evaluable).
- **Thyroglobulin** [``records.thyroglobulin``]: a baseline value (log-normal, median 40 ng/mL, sigma 1.4, or the
  designed ``tg_baseline``), then one value per monthly visit (``protocol.visit_interval_days``): falling to the
  designed best decrease (``tg_decrease_pct``) at a random visit before progression, never below it afterwards, and
  rising after progression.
- **QoL**: one questionnaire at the first scan (see :mod:`.qol`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..ingest.contract import TABLES
from ..printing import printed
from .design import Coded
from .samples import truncated
from .survival import Courses

PATIENT_COLUMNS = [c.name for c in TABLES["patients"].columns]


def _value(column, i):
    if isinstance(column, Coded):
        return column.decoded()[i]
    return np.asarray(column)[i]


def patient_ids(prefix: str, n: int, rng: np.random.Generator) -> np.ndarray:
    width = max(2, len(str(n)))
    order = rng.permutation(n)
    return np.array([f"{prefix}{k + 1:0{width}d}" for k in order], dtype=object)


def patients_frame(study, col: dict, crs: Courses, ids: np.ndarray) -> pd.DataFrame:
    """patients.csv: the contract's columns that the design holds (internal helper columns are not written)."""
    out = {"patient_id": ids}
    for name in PATIENT_COLUMNS[1:]:
        if name in ("followup_days", "death", "death_day", "excluded_reason"):
            continue
        source = "cumulative_rai_mci" if name == "cumulative_rai_gbq" and "cumulative_rai_mci" in col else name
        if source in col:
            values = col[source].decoded() if isinstance(col[source], Coded) else np.asarray(col[source])
            out[source] = values
    out["followup_days"] = crs.followup_day.astype(int)
    out["death"] = crs.death.astype(int)
    out["death_day"] = pd.array(np.where(crs.death == 1, crs.death_day, np.nan), dtype="Float64").astype("Int64")
    reasons = {c: s.get("reason", "") for c, s in (study.spec.get("courses") or {}).items() if s["kind"] == "excluded"}
    out["excluded_reason"] = np.array([reasons.get(c, "") for c in study.course], dtype=object)
    frame = pd.DataFrame(out)
    for c in ("age_years", "rai_treatments", "cumulative_rai_mci"):
        if c in frame:
            frame[c] = frame[c].round().astype(int)
    for c in [c for c in frame.columns if c.startswith("met_")]:
        frame[c] = frame[c].astype(int)
    # sex is optional in the contract: a study that prints none has no column
    order = [c for c in ("patient_id", "arm", "age_years", "sex", "followup_days", "death", "death_day") if c in frame]
    rest = [c for c in frame.columns if c not in order]
    return frame[order + rest].sort_values("patient_id", kind="mergesort").reset_index(drop=True)


def _assessments(study, crs: Courses) -> tuple[np.ndarray, np.ndarray]:
    """Assessment days (patients × k, NaN-padded) and whether each is measured (False: recorded as not evaluable):
    scans before progression and the day progression was found, or every scan within follow-up."""
    scans = crs.scans
    detect = crs.progression_day
    before = np.where(np.isfinite(detect)[:, None], scans < detect[:, None], np.isfinite(scans))
    days = np.where(before, scans, np.nan)
    days = np.concatenate([days, np.where(np.isfinite(detect), detect, np.nan)[:, None]], axis=1)
    days = np.sort(days, axis=1)
    width = max(int(np.isfinite(days).sum(axis=1).max()), 1)
    days = days[:, :width]
    measured = np.isfinite(days)
    if study.spec["model"].get("response_category") == "final_status":
        measured &= ~(np.isfinite(detect)[:, None] & (days < detect[:, None]))
    return days, measured


def _fractions(study, crs: Courses, days: np.ndarray, measured: np.ndarray, new_lesion: np.ndarray,
               base_sum: np.ndarray, rng: np.random.Generator, floor: np.ndarray | None = None) -> np.ndarray:
    """Planned sum of target diameters at each assessment as a fraction of baseline (patients × k).

    Before the nadir the sum falls steadily to its best value; afterwards it stays within 15 % above
    min(baseline, nadir), so no assessment before the progression meets the +20 % rule; a partial response is at
    most −35 % from its first response on (the course's first scan in response) and above −30 % before it; the progression is +30 % to +70 % over min(baseline, nadir) and at least
    7.5 mm."""
    n, k = days.shape
    course = np.asarray(study.course)
    valid = np.isfinite(days) & measured
    count = np.isfinite(days).sum(axis=1)
    progressed = np.isfinite(crs.progression_day)
    last = np.maximum(count - 1, 0)
    before = np.maximum(count - progressed, 1)  # assessments before the progression
    pos = np.arange(k)[None, :]
    pr = course == "PR"
    low = np.maximum(0.05, floor if floor is not None else 0.0)
    best = np.where(pr, low + (0.65 - low) * rng.random(n), rng.uniform(0.75, 1.10, n))
    ref = np.minimum(1.0, best)
    respond_at = np.where(np.isfinite(crs.response_day) & (days[:, 0] != crs.response_day), 1, 0)
    nadir_at = np.maximum(np.floor(rng.random(n) * before).astype(int), respond_at)
    u = rng.random(n)
    start = np.where(pr & (respond_at == 0), best + (np.maximum(best, 0.65) - best) * u,
                     np.where(pr, 0.75 + 0.25 * u, best + (1.10 - best) * u))
    share = np.where(nadir_at[:, None] == 0, 1.0, np.clip(pos / np.maximum(nadir_at, 1)[:, None], 0, 1))
    falling = start[:, None] + (best - start)[:, None] * share
    falling = np.where(pr[:, None] & (pos >= respond_at[:, None]), np.minimum(falling, 0.65), falling)
    after = best[:, None] + (1.15 * ref - best)[:, None] * rng.random((n, k))
    frac = np.where(pos <= nadir_at[:, None], falling, after)
    growth = np.maximum(ref * rng.uniform(1.3, 1.7, n), ref + 7.5 / base_sum)
    first_pd = np.maximum(rng.uniform(1.3, 1.8, n), 1 + 7.5 / base_sum)
    single = np.asarray(study.kind) == "PD"
    growth = np.where(single, first_pd, growth)
    growth = np.where(new_lesion, rng.uniform(0.85, 1.12, n) * np.where(single, 1.0, ref), growth)
    frac = np.where(progressed[:, None] & (pos == last[:, None]), growth[:, None], frac)
    return np.where(valid, frac, np.nan)


def lesions_frame(study, col: dict, crs: Courses, ids: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    spec = (study.spec.get("records") or {}).get("lesions", {})
    n = study.n
    days, measured = _assessments(study, crs)
    kinds = np.asarray(study.kind)
    new_spec = spec.get("new_lesion", {})
    new_lesion = np.zeros(n, dtype=bool)
    progressed = np.isfinite(crs.progression_day)
    for course, count in new_spec.items():
        cand = np.flatnonzero((np.asarray(study.course) == course) & progressed)
        new_lesion[rng.permutation(cand)[: int(count)]] = True
    organ = (col["target_organ"].decoded() if "target_organ" in col and isinstance(col["target_organ"], Coded)
             else np.asarray(col.get("organ", np.full(n, "lung")), dtype=object))
    nodal = organ == "lymph_node"
    lo, hi = spec.get("targets", [1, 3])
    n_les = rng.integers(lo, hi + 1, n)
    base = np.exp(np.log(spec.get("baseline_median_mm", 20)) + spec.get("baseline_sigma", 0.45)
                  * rng.standard_normal((n, hi)))
    base = np.maximum(base, np.where(nodal, 15.5, 10.5)[:, None])
    # a lymph node is normal below 10 mm (RECIST): a partial response keeps its largest node at 11.5 mm or more, so
    # the shrinkage is not read as a complete response
    pr_node = nodal & (np.asarray(study.course) == "PR")
    base[:, 0] = np.where(pr_node, np.maximum(base[:, 0], 22.0), base[:, 0])
    has = np.arange(hi)[None, :] < n_les[:, None]
    base = np.where(has, np.round(base, 1), 0.0)
    base_sum = base.sum(axis=1)
    floor = np.where(pr_node, 11.5 / np.maximum(base.max(axis=1), 1e-9) * 1.05, 0.0)
    frac = _fractions(study, crs, days, measured, new_lesion, base_sum, rng, floor)
    baseline_day = rng.integers(*study.spec["protocol"]["baseline_scan_days"], n, endpoint=True)
    noise = np.exp(0.04 * rng.standard_normal((n, days.shape[1], hi)))
    raw = base[:, None, :] * noise
    scaled = raw / np.maximum(raw.sum(axis=2, keepdims=True), 1e-9) * (frac * base_sum[:, None])[..., None]
    values = np.round(np.where(has[:, None, :], scaled, np.nan), 1)
    records = []
    target_only = kinds != "no_measurable_target"
    lesion_ids = np.array([f"T{j + 1}" for j in range(hi)], dtype=object)
    # baseline
    p, j = np.nonzero(has & target_only[:, None])
    records.append(pd.DataFrame({"patient_id": ids[p], "day": baseline_day[p], "lesion_id": lesion_ids[j],
                                 "lesion_type": "target", "organ": organ[p], "nodal": nodal[p].astype(int),
                                 "diameter_mm": base[p, j], "status": ""}))
    # follow-up assessments (targets; not evaluable ones blank)
    p, a, j = np.nonzero(np.isfinite(days)[:, :, None] & has[:, None, :] & target_only[:, None, None])
    diam = np.where(measured[p, a], values[p, a, j], np.nan)
    records.append(pd.DataFrame({"patient_id": ids[p], "day": days[p, a].astype(int), "lesion_id": lesion_ids[j],
                                 "lesion_type": "target", "organ": organ[p], "nodal": nodal[p].astype(int),
                                 "diameter_mm": diam, "status": ""}))
    # new lesions at progression
    p = np.flatnonzero(new_lesion)
    other = np.where(organ[p] == "lung", "bone", "lung")
    records.append(pd.DataFrame({"patient_id": ids[p], "day": crs.progression_day[p].astype(int), "lesion_id": "N1",
                                 "lesion_type": "new", "organ": other, "nodal": 0, "diameter_mm": np.nan,
                                 "status": "present"}))
    # patients without a measurable target: non-target lesions only
    p = np.flatnonzero(~target_only)
    if len(p):
        nt_days = [baseline_day[p][:, None], days[p]]
        dd = np.concatenate(nt_days, axis=1)
        q, a = np.nonzero(np.isfinite(dd))
        status = np.where(np.isfinite(crs.progression_day[p][q]) & (dd[q, a] >= crs.progression_day[p][q]),
                          "progression", "present")
        records.append(pd.DataFrame({"patient_id": ids[p][q], "day": dd[q, a].astype(int), "lesion_id": "NT1",
                                     "lesion_type": "non_target", "organ": organ[p][q], "nodal": 0,
                                     "diameter_mm": np.nan, "status": status}))
    out = pd.concat(records, ignore_index=True)
    return out.sort_values(["patient_id", "day", "lesion_id"], kind="mergesort").reset_index(drop=True)


def visit_days(study, followup: np.ndarray, rng: np.random.Generator, k: int = 80) -> np.ndarray:
    """Monthly visit days (patients × k, NaN after the last contact)."""
    lo, hi = study.spec["protocol"].get("visit_interval_days", [28, 35])
    days = np.cumsum(rng.integers(lo, hi + 1, (len(followup), k)), axis=1).astype(float)
    return np.where(days <= followup[:, None], days, np.nan)


def labs_frame(study, col: dict, crs: Courses, ids: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    spec = (study.spec.get("records") or {}).get("thyroglobulin", {})
    if spec.get("skip"):
        return pd.DataFrame(columns=["patient_id", "day", "analyte", "value", "unit"])
    n = study.n
    if "tg_baseline" in col:
        base = np.asarray(col["tg_baseline"], dtype=float)
    else:
        dist = stats.lognorm(spec.get("baseline_sigma", 1.4), scale=spec.get("baseline_median", 40))
        base = truncated(dist, np.full(n, float(spec.get("baseline_min", 5.0))), np.full(n, 1e5), 0.01, rng)
    base_day = -rng.integers(1, 15, n)
    rows = []
    if "tg_decrease_pct" in col:
        dec = np.asarray(col["tg_decrease_pct"], dtype=float)
        follow = ~np.isnan(dec)
        visits = visit_days(study, crs.followup_day, rng)
        pd_day = np.where(np.isfinite(crs.progression_day), crs.progression_day, np.inf)
        before = visits < pd_day[:, None]
        n_before = np.isfinite(np.where(before, visits, np.nan)).sum(axis=1)
        follow &= n_before > 0
        nadir_at = np.floor(rng.random(n) * np.maximum(n_before, 1)).astype(int)
        base, nadir = _printing_nadir(base, dec)
        k = visits.shape[1]
        pos = np.arange(k)[None, :]
        ramp = np.clip((pos + 1) / (nadir_at[:, None] + 1), 0, 1)
        falling = base[:, None] - (base - nadir)[:, None] * ramp * rng.uniform(0.85, 1.0, (n, k))
        value = np.where(pos < nadir_at[:, None], np.maximum(falling, nadir[:, None] * 1.02),
                         nadir[:, None] * rng.uniform(1.0, 1.3, (n, k)))
        value = np.where(pos == nadir_at[:, None], nadir[:, None], value)
        after = visits >= pd_day[:, None]
        value = np.where(after, nadir[:, None] * rng.uniform(1.5, 3.0, (n, k)) + 0.01, value)
        value = np.where((dec[:, None] < 0) & (pos != nadir_at[:, None]), np.maximum(value, nadir[:, None]), value)
        p, a = np.nonzero(np.isfinite(visits) & follow[:, None])
        rows.append(pd.DataFrame({"patient_id": ids[p], "day": visits[p, a].astype(int), "analyte": "tg",
                                  "value": np.round(value[p, a], 2), "unit": "ng/mL"}))
    rows.append(pd.DataFrame({"patient_id": ids, "day": base_day, "analyte": "tg", "value": base, "unit": "ng/mL"}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["patient_id", "day"], kind="mergesort").reset_index(drop=True)


def _printing_nadir(base: np.ndarray, dec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(baseline, nadir), both in hundredths, whose decrease prints as the designed one at one decimal: the nadir
    nearest the designed decrease; where no nadir of two decimals prints right (a low baseline), the baseline is
    raised by hundredths until one does."""
    base = base.copy()
    nadir = np.round(base * (1 - np.nan_to_num(dec) / 100), 2)
    for i in np.flatnonzero(~np.isnan(dec)):  # a few dozen patients; each finds its value in a few steps
        want = printed(dec[i], 1)
        for raise_by in range(0, 2000):
            b = round(base[i] + raise_by * 0.01, 2)
            cand = [round(b * (1 - dec[i] / 100) + s * 0.01, 2) for s in (0, 1, -1, 2, -2)]
            ok = [c for c in cand if c > 0 and printed(100 * (b - c) / b, 1) == want]
            if ok:
                base[i], nadir[i] = b, ok[0]
                break
    return base, np.maximum(nadir, 0.01)
