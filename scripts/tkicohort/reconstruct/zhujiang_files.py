"""The contract files of the reconstructed Zhujiang cohort, from a fitted design (see zhujiang.py).

Everything below is deterministic given the design. Counts that the publication prints for all 31 treated patients
(Table 1, Table 5) are met by construction; values it does not print (Tg levels, exact ages, AE onset days) are
plausible choices stated here.

Adverse-event durations (``end_day``; Results: HFS median 18 months, range 0.5–44; diarrhea 16.5, 1–44; alopecia
12.0, 2–44; the longest event 44 months, the longest grade 3–4 event 38). The pipeline reads a duration as
end_day − onset_day of the events that have an end day, in months. Per term, the events are ranked by the room the
patient's follow-up leaves after onset (followup_days − onset_day, ties by patient_id) and the k-th gets the k-th
planned duration of ``AE_DURATIONS`` (days); an event whose planned end falls after the last contact, or that is
planned as persistent (``None``), has a blank end_day (ongoing at last contact). Choices:

- HFS: eight events resolve within 15 days to 12 months (15 days = 0.5 months is the shortest), twelve persist to
  the last contact of patients followed for 16.5–19 months, and the nine patients with the most follow-up left
  have it for 18 to 44 months, so the median of the 17 resolved events is 548 days (18.0 months). With the onset
  days used and end days at most the follow-up, only 9 of the 29 events could last 18 months or longer, so a
  median of 18 over all 29 (the 15th) is out of reach without persistent (blank) events;
- diarrhea: all 26 resolve, from 30 days (1.0 month) to 1,339 days (44.0), the 13th and 14th at 502 days (16.5);
- alopecia: 22 resolve, from 61 days (2.0 months) to 1,339 (44.0), the 11th and 12th at 365 days (12.0); the
  patient followed 61 days still has it (26 days of follow-up after onset would be below the published minimum);
- abnormal liver function lasts 3 months, except for the patient with the most follow-up left (a grade 3–4 event)
  whose lasts 1,157 days (38.0 months): the longest grade 3–4 event; every other grade 3–4 event is shorter
  (their follow-up ends sooner) and no event is longer than 1,339 days (44.0 months);
- the other terms last a fixed time each (nausea 3 weeks … hypertension a year, ``AE_DURATIONS``).

The planned durations follow the follow-up the fitted design leaves (each k-th duration at most the k-th smallest
room); a new design, e.g. after a change of the survival search, needs them checked again (the reconstruction tests
do).

Doses (``doses.csv``; Results: five interruptions, the longest 6 months; lowest maintenance dose of the others
200 mg/day; reductions because of HFS 19, diarrhea 5, abnormal liver function 1, proteinuria 1). Every patient
starts at 800 mg/day on day 0 (400 mg twice daily); a ``standard`` patient has no other row, so the status the
pipeline derives from doses.csv equals patients.csv's ``dose_status`` for every patient. Every reduced or
interrupted patient with HFS has an HFS reason; the extra reasons go to the modified patients who have the event
and no extra reason yet, patients without HFS first, then by worst grade and patient_id. A dose change comes 14 days
after the onset of the event it answers (at least 28 days after the previous change); its ``reason`` is the event's
term as written in adverse_events.csv. Reduced: one reason 800 → 400, two reasons 800 → 600 → 400; the reduced
patient with HFS followed longest steps down to 200 mg/day 182 days later for persisting HFS. Interrupted: 0 mg for the
first reason (ties: the higher grade), resumed after 42 days — 183 days (6.0 months) for the interrupted patient
followed longest — at 400 mg/day, or at 600 and then 400 for a second reason. Every dose-modified patient of the
fitted design has HFS, so 19 patients have a reduction for HFS, as published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lesions import measurements
from .zhujiang import ATTRIBUTES, CLASSES, PATTERN_NAMES, Design

N_EVALUABLE, N_TREATED = 26, 31
EXCLUDED = [  # (reason kind, sex, age ≥ 55, histology, met pattern sites, hfs, dose modified, target organ)
    ("single imaging examination", "F", 1, "FTC", ("met_lung", "met_bone"), 1, 1, "bone"),
    ("single imaging examination", "F", 1, "PTC", ("met_bone", "met_other"), 1, 0, "bone"),
    ("single imaging examination", "F", 0, "PTC", ("met_other",), 1, 0, "neck"),
    ("no measurable target lesion", "F", 0, "PTC+FTC", ("met_other",), 1, 0, "bone"),
    ("surgery during sorafenib therapy", "F", 0, "PTC+FTC", ("met_other",), 0, 0, "bone"),
]
# Ages: 31 values, median 58, range 18–79, 19 aged ≥ 55 (Table 1). Under 55 (12) and 55+ (19), each sorted.
AGES_UNDER_55 = [18, 29, 34, 38, 41, 44, 46, 48, 50, 51, 53, 54]
AGES_55_PLUS = [55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 70, 72, 74, 76, 79]
# Cumulative RAI activity (GBq): median 11.7, range 0.1–58.8 (Table 1).
RAI_GBQ = [0.1, 1.9, 3.7, 3.7, 5.6, 5.6, 7.4, 7.4, 7.4, 9.3, 9.3, 11.1, 11.1, 11.1, 11.1, 11.7, 12.9, 13.0, 14.8,
           14.8, 16.7, 18.5, 18.5, 20.4, 22.2, 24.1, 25.9, 29.6, 33.3, 44.4, 58.8]
REFRACTORY = (["at least one target lesion without RAI uptake"] * 10
              + ["RAI uptake but progressive target lesions"] * 17
              + ["progression despite RAI or cumulative activity ≥ 22.3 GBq"] * 4)
# Table 5 (31 patients): term → (grade 1–2 count, grade 3–4 count)
ADVERSE_EVENTS = {
    "Hand-foot skin reaction": (26, 3), "Diarrhea": (21, 5), "Alopecia": (23, 0), "Abnormal liver function": (15, 2),
    "Generalized weakness": (17, 0), "Hypertension": (13, 2), "Proteinuria": (10, 2), "Hypocalcemia": (9, 1),
    "Mucositis": (8, 0), "Nausea and vomiting": (6, 1), "Thrombocytopenia": (4, 0), "Myodynia": (4, 0),
    "Weight loss": (1, 0),
}
HFS_TERM = "Hand-foot skin reaction"
# Planned duration (days) per term: a list = one per event, by rank of the room after onset (None = persistent);
# one value = every event of the term. See the module docstring.
AE_DURATIONS = {
    HFS_TERM: [15, 61, 91, 122, 183, 244, 304, 365, *[None] * 12, 548, 580, 610, 640, 670, 700, 1000, 1300, 1339],
    "Diarrhea": [30, 91, 152, 213, 274, 335, 396, 426, 457, 472, 487, 495, 502, 502, 510, 520, 525, 560, 600, 620,
                 650, 680, 730, 1000, 1200, 1339],
    "Alopecia": [None, 61, 91, 122, 152, 183, 213, 244, 274, 304, 335, 365, 365, 396, 426, 457, 487, 548, 600, 650,
                 1000, 1217, 1339],
    "Abnormal liver function": [*[91] * 16, 1157], "Generalized weakness": 274, "Hypertension": 365,
    "Proteinuria": 183, "Hypocalcemia": 152, "Mucositis": 42, "Nausea and vomiting": 21, "Thrombocytopenia": 61,
    "Myodynia": 91, "Weight loss": 183,
}
# Doses (mg/day; see the module docstring): dose-change reasons besides HFS (Results) → number of patients
START_MG, LOWEST_MG = 800, 200
EXTRA_REASONS = {"Diarrhea": 5, "Abnormal liver function": 1, "Proteinuria": 1}
CHANGE_AFTER_ONSET, INTERRUPTION, LONGEST_INTERRUPTION = 14, 42, 183  # days
FOLLOWUP_AFTER_PROGRESSION = 291  # days
SITES = ("met_lung", "met_bone", "met_pleura", "met_lymph_node", "met_liver", "met_brain", "met_other")
PATTERN_SITES = {"lung_only": ("met_lung",), "lung_bone": ("met_lung", "met_bone"),
                 "lung_pleura": ("met_lung", "met_pleura"), "bone_only": ("met_bone",), "none": ()}


def _ids() -> list[str]:
    return [f"ZJ{i:02d}" for i in range(1, N_TREATED + 1)]


def evaluable_frame(design: Design) -> pd.DataFrame:
    frame = pd.DataFrame({"patient_id": _ids()[:N_EVALUABLE], "course": list(CLASSES),
                          "pattern": np.array(PATTERN_NAMES)[design.pattern], "pfs_day": design.days,
                          "progressed": design.event})
    for j, (name, (_, one, zero)) in enumerate(ATTRIBUTES.items()):
        frame[name] = np.where(design.levels[:, j] == 1, one, zero)
    return frame


def patients_csv(design: Design) -> pd.DataFrame:
    ev = evaluable_frame(design)
    ex = pd.DataFrame(EXCLUDED, columns=["excluded_kind", "sex", "age_ge_55", "histology", "sites", "hfs",
                                         "dose_modified", "organ"])
    rows = pd.concat([ev, ex], ignore_index=True)
    rows["patient_id"] = _ids()
    for col in SITES:
        in_pattern = rows["pattern"].map(lambda p, c=col: c in PATTERN_SITES.get(p, ()) if isinstance(p, str)
                                         else False)
        in_sites = rows["sites"].map(lambda s, c=col: c in s if isinstance(s, tuple) else False)
        rows[col] = (in_pattern | in_sites).astype(int)
    older = rows["age_ge_55"] == 1
    rows.loc[older, "age_years"] = AGES_55_PLUS
    rows.loc[~older, "age_years"] = AGES_UNDER_55
    rows["age_years"] = rows["age_years"].astype(int)
    rows["rai_uptake"] = rows["rai_uptake"].fillna("yes")
    rows["prior_therapy"] = rows["prior_therapy"].fillna("rai_only")
    rows["residual_lesions"] = rows["residual_lesions"].fillna("no")
    rows["cumulative_rai_gbq"] = RAI_GBQ
    no_uptake_first = rows.sort_values("rai_uptake", kind="mergesort").index  # "no" before "yes"
    rows.loc[no_uptake_first, "rai_refractory_reason"] = REFRACTORY
    rows["rai_treatments"] = np.clip(np.round(rows["cumulative_rai_gbq"] / 5.55).astype(int), 1, None)
    modified = rows["dose_modified"] == 1
    rows["dose_status"] = np.where(modified, "reduced", "standard")
    rows.loc[rows.index[modified][:5], "dose_status"] = "interrupted"  # five paused for AEs and resumed
    rows["followup_days"] = followup_days(rows)
    dead = rows.index[(rows["course"] == "PD")][:2]  # two deaths after progression (Figure 1 legend)
    rows["death"] = 0
    rows.loc[dead, "death"] = 1
    rows["death_day"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    rows.loc[dead, "death_day"] = rows.loc[dead, "followup_days"]
    rows["excluded_reason"] = np.where(rows["excluded_kind"] == "surgery during sorafenib therapy",
                                       "surgery during sorafenib therapy", "")
    rows["arm"] = "sorafenib"
    rows["ata_risk"] = "high"
    cols = ["patient_id", "arm", "age_years", "sex", "followup_days", "death", "death_day", "histology", "ata_risk",
            "rai_uptake", "rai_refractory_reason", "rai_treatments", "cumulative_rai_gbq", "prior_therapy",
            "residual_lesions", *SITES, "dose_status", "excluded_reason"]
    return rows[cols]


def followup_days(rows: pd.DataFrame) -> np.ndarray:
    """Last contact: the PFS day for censored courses; progressed courses are followed for 291 more days (capped
    at 51 months), the one follow-up after progression that gives the evaluable patients the published median of
    17.5 months with the published maximum 51.0 (the minimum, 4.0 months, cannot be met: the earliest last contact
    is then 13.1 months); the excluded patients are followed 2–24 months, which gives all 31 the published median
    18 months (17.51, range 2.0–51.0)."""
    evaluable = rows["pfs_day"].notna().to_numpy()
    pfs = rows.loc[evaluable, "pfs_day"].to_numpy(dtype=int)
    progressed = rows.loc[evaluable, "progressed"].to_numpy(dtype=int) == 1
    out = np.empty(len(rows), dtype=int)
    out[evaluable] = np.minimum(pfs + FOLLOWUP_AFTER_PROGRESSION * progressed, 1552)
    out[~evaluable] = [61, 122, 240, 540, 730]
    return out


def tumor_measurements_csv(design: Design, patients: pd.DataFrame) -> pd.DataFrame:
    ev = evaluable_frame(design)
    pat = ev["pattern"]
    organ = np.select([pat == "lung_bone", pat == "bone_only", pat == "none"], ["lung", "bone", "neck"],
                      "lung").astype(object)  # object: a fixed-width str array would cut "lymph_node" short
    organ[np.flatnonzero(pat == "lung_bone")[:1]] = "bone"
    organ[np.flatnonzero(pat == "none")[:1]] = "lymph_node"
    rng = np.random.default_rng(31)
    course = ev["course"]
    best = np.select([course == "PR", course == "SD"], [rng.uniform(-85, -45, len(ev)), rng.uniform(-18, 8, len(ev))],
                     rng.uniform(30, 55, len(ev)))
    new_lesion = np.zeros(len(ev), dtype=bool)
    new_lesion[np.flatnonzero(course == "PD")[-3:]] = True  # three progressed through new metastases (Results)
    best[new_lesion] = 5.0
    short_sd = (course == "SD") & (ev["pfs_day"] < 200)
    plan = pd.DataFrame({"patient_id": ev["patient_id"], "organ": organ, "pfs_day": ev["pfs_day"], "course": course,
                         "best_pct": best, "progressed": ev["progressed"], "new_lesion": new_lesion,
                         "short_sd": short_sd, "base_a": rng.integers(18, 34, len(ev)),
                         "base_b": rng.integers(12, 22, len(ev))})
    plan.loc[plan["organ"] == "lymph_node", ["base_a", "base_b"]] = [22, 17]
    rows = measurements(plan)
    excluded = []
    for pid, (kind, *_rest, organ_ex) in zip(_ids()[N_EVALUABLE:], EXCLUDED, strict=True):
        if kind == "no measurable target lesion":
            excluded.append({"patient_id": pid, "day": -7, "lesion_id": "NT1", "lesion_type": "non_target",
                             "organ": organ_ex, "nodal": 0, "diameter_mm": "", "status": "present"})
            continue
        for k, d in enumerate((24, 16)):
            excluded.append({"patient_id": pid, "day": -7, "lesion_id": f"T{k + 1}", "lesion_type": "target",
                             "organ": organ_ex, "nodal": 0, "diameter_mm": d, "status": ""})
            if kind == "surgery during sorafenib therapy":
                excluded.append({"patient_id": pid, "day": 91, "lesion_id": f"T{k + 1}", "lesion_type": "target",
                                 "organ": organ_ex, "nodal": 0, "diameter_mm": d, "status": ""})
    return pd.concat([rows, pd.DataFrame(excluded)], ignore_index=True)


def labs_csv(design: Design, measurements_frame: pd.DataFrame) -> pd.DataFrame:
    """Tg (ng/mL) on day −7, day 30 and at each assessment; TgAb negative (0.9 IU/mL). Decrease at the nadir
    before progression: 65–97 % when tg_response_60 = 1 (six PRs > 90 %), otherwise 10–50 % — except one PR at
    58.2 % (Discussion); rising at progression."""
    ev = evaluable_frame(design)
    rng = np.random.default_rng(60)
    base = np.round(rng.lognormal(5, 1.2, len(ev)), 1)
    drop = np.where(ev["tg_response_60"] == 1, rng.uniform(0.65, 0.88, len(ev)), rng.uniform(0.10, 0.50, len(ev)))
    pr_tg = np.flatnonzero((ev["course"] == "PR") & (ev["tg_response_60"] == 1))
    drop[pr_tg] = rng.uniform(0.905, 0.97, len(pr_tg))
    drop[np.flatnonzero((ev["course"] == "PR") & (ev["tg_response_60"] == 0))] = 0.582
    visits = measurements_frame[measurements_frame["day"] > 0].drop_duplicates(["patient_id", "day"])
    rows = [pd.DataFrame({"patient_id": ev["patient_id"], "day": -7, "analyte": "tg", "value": base}),
            pd.DataFrame({"patient_id": ev["patient_id"], "day": -7, "analyte": "tgab", "value": 0.9}),
            pd.DataFrame({"patient_id": ev["patient_id"], "day": 30, "analyte": "tg",
                          "value": np.round(base * (1 - drop), 2)})]
    v = visits.merge(ev[["patient_id", "pfs_day", "progressed"]], on="patient_id")
    v["value"] = v["patient_id"].map(dict(zip(ev["patient_id"], np.round(base * (1 - drop), 2), strict=True)))
    rising = (v["day"] == v["pfs_day"]) & (v["progressed"] == 1)
    v.loc[rising, "value"] = v.loc[rising, "patient_id"].map(dict(zip(ev["patient_id"], base * 1.3, strict=True)))
    rows.append(v.assign(analyte="tg")[["patient_id", "day", "analyte", "value"]])
    out = pd.concat(rows, ignore_index=True).sort_values(["patient_id", "day", "analyte"], kind="mergesort")
    out["value"] = out["value"].round(2)
    return out.assign(unit=np.where(out["analyte"] == "tg", "ng/mL", "IU/mL")).reset_index(drop=True)


def adverse_events_csv(patients: pd.DataFrame, hfs: pd.Series) -> pd.DataFrame:
    """Table 5 worst grades over 31 patients. HFS goes to the patients flagged hfs = 1 (25 evaluable + 4 excluded =
    29); other terms are dealt round-robin over the patients in a fixed order so that every count is exact. End
    days: :func:`end_days`."""
    ids = patients["patient_id"].to_numpy()
    rows = []
    offset = 0
    for term, (low, high) in ADVERSE_EVENTS.items():
        n = low + high
        if term == "Hand-foot skin reaction":
            who = ids[hfs.to_numpy() == 1]
        else:
            who = np.roll(ids, -offset)[:n]
            offset += 7
        grades = np.r_[np.full(high, 3), np.where(np.arange(low) % 2 == 0, 1, 2)]
        for k, (pid, g) in enumerate(zip(who, grades, strict=True)):
            rows.append({"patient_id": pid, "term": term, "grade": int(g), "onset_day": 14 + 7 * (k % 8)})
    out = pd.DataFrame(rows).sort_values(["patient_id", "term"], kind="mergesort").reset_index(drop=True)
    out["end_day"] = end_days(out, patients)
    return out


def end_days(events: pd.DataFrame, patients: pd.DataFrame) -> pd.Series:
    """Per term, the k-th event by room after onset (followup_days − onset_day, ties by patient_id) lasts the k-th
    planned duration of ``AE_DURATIONS`` (one value: every event of the term); blank when planned as persistent or
    when the planned end is after the last contact."""
    followup = events["patient_id"].map(dict(zip(patients["patient_id"], patients["followup_days"], strict=True)))
    room = followup - events["onset_day"]
    end = pd.Series(pd.array([pd.NA] * len(events), dtype="Int64"), index=events.index)
    for term, planned in AE_DURATIONS.items():
        idx = events.index[events["term"] == term]
        ranked = sorted(idx, key=lambda i: (room[i], events.at[i, "patient_id"]))
        plan = planned if isinstance(planned, list) else [planned] * len(ranked)
        if len(plan) != len(ranked):
            raise ValueError(f"{term}: {len(plan)} planned durations for {len(ranked)} events")
        for i, days in zip(ranked, plan, strict=True):
            if days is not None and days <= room[i]:
                end[i] = events.at[i, "onset_day"] + days
    return end


def doses_csv(patients: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per dose change (see the module docstring): day 0 at 800 mg/day for everyone; reductions and
    interruptions answering the patient's adverse events for the patients whose dose_status says so."""
    onset = {(r.patient_id, r.term): (int(r.onset_day), int(r.grade)) for r in events.itertuples()}
    followup = dict(zip(patients["patient_id"], patients["followup_days"], strict=True))
    status = dict(zip(patients["patient_id"], patients["dose_status"], strict=True))
    modified = [pid for pid in patients["patient_id"] if status[pid] in ("reduced", "interrupted")]
    reasons = {pid: [HFS_TERM] if (pid, HFS_TERM) in onset else [] for pid in modified}
    for term, count in EXTRA_REASONS.items():
        free = [pid for pid in modified if (pid, term) in onset and len(reasons[pid]) == ((pid, HFS_TERM) in onset)]
        free.sort(key=lambda pid: ((pid, HFS_TERM) in onset, -onset[pid, term][1], pid))
        if len(free) < count:
            raise ValueError(f"only {len(free)} modified patients can have a dose change for {term}")
        for pid in free[:count]:
            reasons[pid].append(term)
    interrupted = [pid for pid in modified if status[pid] == "interrupted"]
    long_pause = min(interrupted, key=lambda pid: (-followup[pid], pid)) if interrupted else None
    reduced = [pid for pid in modified if status[pid] == "reduced" and (pid, HFS_TERM) in onset]
    lowest = min(reduced, key=lambda pid: (-followup[pid], pid)) if reduced else None
    rows = [{"patient_id": pid, "day": 0, "dose_mg_per_day": START_MG, "reason": ""} for pid in patients["patient_id"]]
    for pid in modified:
        if not reasons[pid]:
            raise ValueError(f"{pid}: a modified dose without an adverse event to answer")
        order = sorted(reasons[pid], key=lambda t: (onset[pid, t][0], -onset[pid, t][1], reasons[pid].index(t)))
        steps = [600, 400] if len(order) == 2 else [400]
        day = onset[pid, order[0]][0] + CHANGE_AFTER_ONSET
        if status[pid] == "interrupted":
            rows.append({"patient_id": pid, "day": day, "dose_mg_per_day": 0, "reason": order[0]})
            day += LONGEST_INTERRUPTION if pid == long_pause else INTERRUPTION
            rows.append({"patient_id": pid, "day": day, "dose_mg_per_day": steps[0], "reason": ""})
        else:
            rows.append({"patient_id": pid, "day": day, "dose_mg_per_day": steps[0], "reason": order[0]})
        if len(order) == 2:
            day = max(onset[pid, order[1]][0] + CHANGE_AFTER_ONSET, day + 28)
            rows.append({"patient_id": pid, "day": day, "dose_mg_per_day": steps[1], "reason": order[1]})
        if pid == lowest:
            rows.append({"patient_id": pid, "day": day + 182, "dose_mg_per_day": LOWEST_MG, "reason": HFS_TERM})
    out = pd.DataFrame(rows).sort_values(["patient_id", "day"], kind="mergesort").reset_index(drop=True)
    late = out["day"] > out["patient_id"].map(followup)
    if late.any():
        raise ValueError(f"dose changes after the last contact: {out[late].to_dict('records')}")
    return out


def cohort_files(design: Design) -> dict[str, pd.DataFrame]:
    patients = patients_csv(design)
    tm = tumor_measurements_csv(design, patients)
    ev = evaluable_frame(design)
    hfs = pd.concat([ev["hfs"], pd.Series([e[5] for e in EXCLUDED])], ignore_index=True)
    events = adverse_events_csv(patients, hfs)
    return {"patients.csv": patients, "tumor_measurements.csv": tm, "labs.csv": labs_csv(design, tm),
            "adverse_events.csv": events, "doses.csv": doses_csv(patients, events)}
