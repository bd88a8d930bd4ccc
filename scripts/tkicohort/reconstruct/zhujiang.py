"""Reconstruction of the Zhujiang cohort (Ling et al. 2023): 31 synthetic patients consistent with the publication.

Not patient data. Every count of Tables 1–3 and 5 is built in by construction; event times are fitted to Table 4
and the PFS median by simulated annealing; what could not be matched is reported target by target.

Design of the 26 evaluable patients (Tables 2–4). Best response: PR 7, SD 8, PD 11. For a binary variable with DCR
and ORR per level from Table 3 and group sizes from Table 4, the level's PR = ORR count, SD = DCR − ORR, PD = n − DCR,
so each variable is fixed by its level-1 counts per response class (PR, SD, PD):

    age ≥ 55 (4, 6, 7)   male (3, 2, 7)   FTC (3, 2, 4)   RAI uptake (3, 5, 6)   RAI-only prior therapy (3, 4, 5)
    residual lesions (1, 3, 3)   HFS (7, 8, 10)   Tg decrease ≥ 60 % (6, 6, 2)   dose reduced/interrupted (4, 7, 7)

Metastasis pattern, from Table 3/4 (lung 15 with ORR 7/DCR 9, lung-only 8 with 6/7, bone 10 with 1/4, distant 19
with 7/11, 19 with distant metastasis split 10 bone / 9 no bone): lung-only (6, 1, 1), lung + bone (1, 1, 4),
lung + pleura (0, 0, 1), bone without lung (0, 2, 2), no distant metastasis (0, 4, 3). Which patient of a response
class carries which level is free; the search uses that freedom, with the times, to fit Table 4.

Disease-control durations (Table 2 and Results): of the 15 patients with disease control, PFS ≤ 6 months 1 (an SD),
6–12 months 0, 12–18 months 5, ≥ 18 months 9 of whom 3 ≥ 24 months; every PR lasts ≥ 12 months. These are hard
constraints of the search. PD patients progress at their first assessment (1.6–8 months).

The five non-evaluable patients (Results): three with a single (baseline) imaging examination, one without a
measurable target lesion, one excluded for surgery during treatment. With the 26 they make Table 1's counts where
the tables agree; where Table 1 contradicts Tables 3–4 (RAI uptake 20/11 vs 14/12 evaluable; lung-only 7 vs 8
evaluable) the evaluable tables are followed and the conflict is listed in the fit report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..stats.kaplan_meier import kaplan_meier
from .survival_fit import anneal, split_statistics

DAYS_PER_MONTH = 30.4375
CLASSES = ("PR",) * 7 + ("SD",) * 8 + ("PD",) * 11
ATTRIBUTES = {  # column: (level-1 counts per class (PR, SD, PD), level-1 value, level-0 value)
    "age_ge_55": ((4, 6, 7), 1, 0), "sex": ((3, 2, 7), "M", "F"), "histology": ((3, 2, 4), "FTC", "PTC"),
    "rai_uptake": ((3, 5, 6), "yes", "no"), "prior_therapy": ((3, 4, 5), "rai_only", "other"),
    "residual_lesions": ((1, 3, 3), "yes", "no"), "hfs": ((7, 8, 10), 1, 0), "tg_response_60": ((6, 6, 2), 1, 0),
    "dose_modified": ((4, 7, 7), 1, 0),
}
PATTERNS = {"lung_only": (6, 1, 1), "lung_bone": (1, 1, 4), "lung_pleura": (0, 0, 1), "bone_only": (0, 2, 2),
            "none": (0, 4, 3)}
PATTERN_NAMES = list(PATTERNS)
# Table 4 targets by published id: split → (level-1 KM mean id, level-0 KM mean id, log-rank p id)
SURVIVAL_TARGETS = {
    "age_ge_55": ("t4_age_ge55_km_mean", "t4_age_lt55_km_mean", "t4_age_p"),
    "sex": ("t4_sex_male_km_mean", "t4_sex_female_km_mean", "t4_sex_p"),
    "histology": ("t4_histology_ftc_km_mean", "t4_histology_ptc_km_mean", "t4_histology_p"),
    "rai_uptake": ("t4_rai_uptake_yes_km_mean", "t4_rai_uptake_no_km_mean", "t4_rai_uptake_p"),
    "distant_metastasis": ("t4_distant_met_yes_km_mean", "t4_distant_met_no_km_mean", "t4_distant_met_p"),
    "met_lung": ("t4_lung_met_yes_km_mean", "t4_lung_met_no_km_mean", "t4_lung_met_p"),
    "lung_only": ("t4_lung_only_yes_km_mean", "t4_lung_only_no_km_mean", "t4_lung_only_p"),
    "met_bone": ("t4_bone_met_yes_km_mean", "t4_bone_met_no_km_mean", "t4_bone_met_p"),
    "prior_therapy": ("t4_prior_therapy_rai_only_km_mean", "t4_prior_therapy_other_km_mean", "t4_prior_therapy_p"),
    "residual_lesions": ("t4_residual_yes_km_mean", "t4_residual_no_km_mean", "t4_residual_p"),
    "hfs": ("t4_hfs_yes_km_mean", "t4_hfs_no_km_mean", "t4_hfs_p"),
    "dcr": (None, None, "t4_disease_control_p"),
    "orr": (None, None, "t4_objective_response_p"),
    "tg_response_60": ("t4_tg_response_ge60_km_mean", "t4_tg_response_lt60_km_mean", "t4_tg_response_p"),
    "dose_modified": ("t4_dose_reduced_km_mean", "t4_dose_standard_km_mean", "t4_dose_p"),
    "met_bone_in_distant": (None, None, "txt_pfs_bone_in_dm_p"),
}
SPLITS = list(SURVIVAL_TARGETS)
MEDIAN_IDS = ("txt_pfs_median", "txt_pfs_ci_low", "txt_pfs_ci_high")
BANDS = ((0, 6, 1), (6, 12, 0), (12, 18, 5), (18, 24, 6), (24, np.inf, 3))  # disease-control PFS bands (months): count


@dataclass(frozen=True)
class Design:
    """The searched quantities of the 26 evaluable patients (index order = ``CLASSES``)."""

    levels: np.ndarray   # (26, len(ATTRIBUTES)) 0/1
    pattern: np.ndarray  # (26,) index into PATTERN_NAMES
    days: np.ndarray     # (26,) PFS day
    event: np.ndarray    # (26,) 1 = progression


def class_index() -> dict[str, np.ndarray]:
    cls = np.array(CLASSES)
    return {c: np.flatnonzero(cls == c) for c in ("PR", "SD", "PD")}


def initial_design(rng: np.random.Generator) -> Design:
    idx = class_index()
    levels = np.zeros((26, len(ATTRIBUTES)), dtype=np.int8)
    for j, (counts, _, _) in enumerate(ATTRIBUTES.values()):
        for c, k in zip(("PR", "SD", "PD"), counts, strict=True):
            levels[rng.permutation(idx[c])[:k], j] = 1
    pattern = np.zeros(26, dtype=np.int8)
    for c_i, c in enumerate(("PR", "SD", "PD")):
        codes = np.repeat(np.arange(len(PATTERNS)), [v[c_i] for v in PATTERNS.values()])
        pattern[idx[c]] = rng.permutation(codes)
    days = np.empty(26, dtype=np.int64)
    days[idx["PD"]] = rng.integers(50, 240, len(idx["PD"]))
    dc = np.r_[idx["PR"], idx["SD"]]
    band_days = np.r_[[150], rng.integers(380, 540, 5), rng.integers(560, 725, 6), rng.integers(750, 1500, 3)]
    # the ≤ 6-month control must be an SD: give it to the first SD patient
    order = np.r_[idx["SD"][:1], np.setdiff1d(dc, idx["SD"][:1])]
    days[order] = band_days
    event = np.ones(26, dtype=np.int8)
    event[dc] = rng.integers(0, 2, len(dc))
    return Design(levels, pattern, days, event)


def split_matrix(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """(levels, members) of every split in ``SPLITS`` order."""
    names = list(ATTRIBUTES)
    pat = np.array(PATTERN_NAMES)[design.pattern]
    lung = np.isin(pat, ["lung_only", "lung_bone", "lung_pleura"])
    bone = np.isin(pat, ["lung_bone", "bone_only"])
    distant = pat != "none"
    cls = np.array(CLASSES)
    cols = {name: design.levels[:, j] for j, name in enumerate(names)}
    cols.update(distant_metastasis=distant, met_lung=lung, lung_only=pat == "lung_only", met_bone=bone,
                dcr=cls != "PD", orr=cls == "PR", met_bone_in_distant=bone)
    level = np.column_stack([np.asarray(cols[s], dtype=float) for s in SPLITS])
    member = np.ones_like(level)
    member[:, SPLITS.index("met_bone_in_distant")] = distant
    return level, member


def achieved(design: Design) -> dict[str, float]:
    """The fitted quantities under the pipeline's conventions (months)."""
    months = design.days / DAYS_PER_MONTH
    level, member = split_matrix(design)
    m1, m0, p = split_statistics(months, design.event, level, member)
    out = {}
    for j, (id1, id0, idp) in enumerate(SURVIVAL_TARGETS.values()):
        for key, value in ((id1, m1[j]), (id0, m0[j]), (idp, p[j])):
            if key:
                out[key] = float(value)
    med, low, high = kaplan_meier(months, design.event, "log-log").median()
    out.update(dict(zip(MEDIAN_IDS, (med, low, high), strict=True)))
    return out


def band_violations(design: Design) -> int:
    cls = np.array(CLASSES)
    months = design.days / DAYS_PER_MONTH
    dc = cls != "PD"
    wrong = sum(abs(int(((months[dc] > lo) & (months[dc] <= hi) if lo == 0 else
                         (months[dc] >= lo) & (months[dc] < hi)).sum()) - k) for lo, hi, k in BANDS)
    wrong += int((months[cls == "PR"] < 12).sum())
    pd_months = months[cls == "PD"]
    return wrong + int(((pd_months < 1.6) | (pd_months > 8)).sum()) + int((months[dc] > 51).sum())


def make_loss(targets: dict[str, float]):
    def loss(design: Design) -> float:
        got = achieved(design)
        total = 100.0 * band_violations(design)
        for key, target in targets.items():
            value = got[key]
            if np.isnan(value):
                total += 500 if key == "txt_pfs_median" else 25
            elif key.endswith("_p"):
                lv, lt = np.log10(max(value, 1e-6)), np.log10(max(target, 2e-4))
                total += 2 * (lv - lt) ** 2 if target > 0 or value >= 5e-4 else 0.0
                total += 25 * ((value < 0.05) != (target < 0.05))
            elif key == "txt_pfs_median":
                total += 20 * (value - target) ** 2
            elif key in MEDIAN_IDS:  # CI limits: infeasible under the Table 2 constraints (see the fit report)
                total += min((value - target) ** 2, 25.0)
            else:
                total += ((value - target) / 2) ** 2
        return total
    return loss


def propose(design: Design, rng: np.random.Generator) -> Design:
    idx = class_index()
    move = rng.random()
    if move < 0.45:
        days = design.days.copy()
        i = rng.integers(26)
        days[i] = max(45, days[i] + int(rng.normal(0, 45)))
        return replace(design, days=days)
    if move < 0.55:
        event = design.event.copy()
        i = rng.choice(np.r_[idx["PR"], idx["SD"]])
        event[i] = 1 - event[i]
        return replace(design, event=event)
    c = ("PR", "SD", "PD")[rng.integers(3)]
    a, b = rng.choice(idx[c], 2, replace=False)
    if move < 0.85:
        levels = design.levels.copy()
        j = rng.integers(levels.shape[1])
        levels[[a, b], j] = levels[[b, a], j]
        return replace(design, levels=levels)
    if move < 0.93:
        pattern = design.pattern.copy()
        pattern[[a, b]] = pattern[[b, a]]
        return replace(design, pattern=pattern)
    days = design.days.copy()
    days[[a, b]] = days[[b, a]]
    return replace(design, days=days)


def fit_design(targets: dict[str, float], seed: int = 2024, iterations: int = 60000, progress=None) -> Design:
    """Anneal from a random start. The default seed is the first of those tried (2023, 2024) whose fit, at 120,000
    iterations, gives every Table 4 log-rank p its published significance verdict; 2023 (and 5, 11) leave the
    objective-response split at p ≈ 0.09 against 0.017 printed once the ≥ 24-month band holds 3 patients."""
    rng = np.random.default_rng(seed)
    best, _ = anneal(initial_design(rng), propose, make_loss(targets), iterations, rng, progress=progress)
    if band_violations(best):
        raise RuntimeError("the search did not meet the disease-control duration counts of Table 2")
    return best
