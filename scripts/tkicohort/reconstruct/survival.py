"""The course of every patient in time: follow-up window, scans, progression, last contact and death.

Vectorised over simulated cohorts (members × patients), in days from the first dose (day 0). The generative model,
each part a setting of the spec (``protocol`` and ``model``):

1. **Follow-up window.** Either patients enter uniformly over the accrual period and are followed to the data
   cut-off (``accrual_days``, ``cutoff_day``: the administrative end of follow-up is cut-off − entry), or every
   patient is followed to a planned final visit (``final_visit_day`` ± ``final_visit_jitter_days``).
2. **Scans** on the protocol schedule: each interval drawn uniformly from ``scan_interval_days`` (e.g. every 3 to 6
   months), while the window lasts; with a planned final visit, a last scan at that visit.
3. **Latent progression time** from a proportional-hazards Weibull model: cumulative hazard
   H(t) = (t / λ)^k · exp(Σ β · x), with λ set so that a patient with all indicators 0 has the median
   ``median_months``. Each β is the log hazard ratio of one indicator (a column at a level: sex = M, course = PR).
   A patient's course conditions the draw exactly (inverse-CDF sampling of the truncated law): with
   ``response_category: best_overall`` (RECIST best response) a PD patient progresses before the first scan and a
   patient with disease control after it; with ``final_status`` (a paper whose response category is the status at
   the end of follow-up) a PD patient progresses before the last scan and the others not at all.
4. **Detection.** Progression is found at the first scan on or after it; a share ``unscheduled_detection`` of the
   progressions after the first scan are found between scans, 0–21 days after they occur (symptoms prompting an
   unscheduled scan).
5. **Leaving follow-up before progression**: a progression-free patient is observed for a log-normal time
   (``observation_median`` in months, ``observation_sigma``; treatment stopped, care moved elsewhere, the review
   closed), or to the end of the window if that comes first; a share ``observation_to_end`` of the patients stays
   in follow-up to the end of the window. PFS is then censored at the last scan before. **After progression** a patient stays in follow-up for a log-normal time (``post_progression_median``
   in months, ``post_progression_sigma``) and may die, with a constant hazard ``death_rate`` (per month); a
   death ends follow-up. Otherwise follow-up ends with the window.
6. **Courses that are not evaluable**: ``no_post_baseline`` patients stop before the first scan (uniformly between
   ``early_stop_days`` and the first scan); ``no_measurable_target`` and ``excluded`` patients follow the model
   unconditioned.

PFS is then what the pipeline's RECIST stage derives from the scans: the detection day with event 1, or the last
scan within follow-up (censored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

DAYS_PER_MONTH = 30.4375
DC_COURSES = ("CR", "PR", "SD")


@dataclass
class Courses:
    """The patients' time courses: arrays of shape (members, patients); ``scans`` (members, patients, k) with NaN
    after the last scan."""

    scans: np.ndarray
    pfs_day: np.ndarray
    pfs_event: np.ndarray
    progression_day: np.ndarray  # day of detection (NaN when none within follow-up)
    followup_day: np.ndarray
    death: np.ndarray
    death_day: np.ndarray
    window_end: np.ndarray
    response_day: np.ndarray  # first scan in response (CR/PR courses; NaN otherwise)


def kinds_of(courses: np.ndarray, course_specs: dict) -> np.ndarray:
    """The kind of each slot's course: CR/PR/SD/PD or the kind named in ``courses:``."""
    return np.array([c if c in (*DC_COURSES, "PD") else course_specs[c]["kind"] for c in courses], dtype=object)


def _uniform_int(rng, lo, hi, shape):
    return rng.integers(int(lo), int(hi) + 1, size=shape)


def simulate(theta: dict[str, np.ndarray], eta: np.ndarray, kinds: np.ndarray, protocol: dict, model: dict,
             rng: np.random.Generator) -> Courses:
    """One time course per slot of each member; ``theta`` holds the parameters (one value per member),
    ``eta`` the linear predictor (members × slots)."""
    members, n = eta.shape
    shape = (members, n)
    # 1. window
    if "final_visit_day" in protocol:
        jitter = protocol.get("final_visit_jitter_days", 0)
        end = protocol["final_visit_day"] + _uniform_int(rng, -jitter, jitter, shape)
    else:
        entry = rng.random(shape) * protocol["accrual_days"]
        end = np.floor(protocol["cutoff_day"] - entry)
    end = end.astype(float)
    # 2. scans
    g0, g1 = protocol["scan_interval_days"]
    horizon = float(end.max())
    k = int(np.ceil(horizon / g0)) + 2
    gaps = rng.integers(int(g0), int(g1) + 1, size=(*shape, k)).astype(float)
    scans = np.cumsum(gaps, axis=2)
    if "final_visit_day" in protocol:  # scans on the schedule before the final visit, and one at it
        scans = np.where(scans < end[..., None] - g0 / 2, scans, np.inf)
        scans = np.sort(np.concatenate([scans, end[..., None]], axis=2), axis=2)
    scans = np.where(scans <= end[..., None], scans, np.nan)
    first = scans[..., 0]
    n_scans = np.isfinite(scans).sum(axis=2)
    last_scan = np.where(n_scans > 0, np.take_along_axis(scans, np.maximum(n_scans - 1, 0)[..., None], 2)[..., 0],
                         np.nan)
    # 3. latent progression time
    shape_k = theta["shape"][:, None]
    lam = theta["median_months"][:, None] * DAYS_PER_MONTH / np.log(2) ** (1 / shape_k)
    hazard = np.exp(eta)

    def cum_hazard(t):
        return (np.maximum(t, 0) / lam) ** shape_k * hazard

    u = rng.random(shape)
    best_overall = model.get("response_category", "best_overall") == "best_overall"
    cut = np.where(best_overall, first, last_scan)
    h_cut = cum_hazard(np.nan_to_num(cut, nan=0.0))
    is_pd = kinds == "PD"
    is_dc = np.isin(kinds, DC_COURSES)
    with np.errstate(divide="ignore"):
        h_before = -np.log1p(-u * -np.expm1(-h_cut))
        h_after = h_cut - np.log(u)
        h_free = -np.log(u)
    h_t = np.where(is_pd, h_before, np.where(is_dc, h_after, h_free))
    latent = lam * (h_t / hazard) ** (1 / shape_k)
    if not best_overall:
        latent = np.where(is_dc, np.inf, latent)
    # 4. detection: the first scan on or after the latent time; or unscheduled, 0-21 days after it
    idx = np.argmax(np.nan_to_num(scans, nan=np.inf) >= latent[..., None], axis=2)
    at_scan = np.take_along_axis(np.nan_to_num(scans, nan=np.inf), idx[..., None], 2)[..., 0]
    found_at_scan = np.isfinite(at_scan) & (at_scan >= latent)
    early = latent + rng.integers(0, 22, size=shape)
    unscheduled = (rng.random(shape) < theta["unscheduled_detection"][:, None]) & (latent > first) & \
        (early < at_scan) & (early <= end)
    detect = np.where(unscheduled, np.ceil(early), np.where(found_at_scan, at_scan, np.nan))
    if best_overall:
        detect = np.where(is_pd, first, detect)  # a PD course progresses at its first assessment
    no_scan = kinds == "no_post_baseline"
    detect = np.where(no_scan, np.nan, detect)
    # 5. leaving follow-up while progression-free (PD courses progress at the first scan, before any dropout)
    if "observation_median" in theta:
        # an evaluable course (disease control) has its first scan: the observation lasts beyond it (conditioned)
        mu = np.log(theta["observation_median"][:, None])
        sigma = theta["observation_sigma"][:, None]
        low = np.where(is_dc & np.isfinite(first), (np.log(np.nan_to_num(first, nan=1.0) / DAYS_PER_MONTH) - mu)
                       / sigma, -np.inf)
        u = special.ndtr(low) + (1 - special.ndtr(low)) * rng.random(shape)
        months_obs = np.exp(mu + sigma * special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)))
        leave = np.maximum(np.ceil(months_obs * DAYS_PER_MONTH), 1)
        if "observation_to_end" in theta:
            leave = np.where(rng.random(shape) < theta["observation_to_end"][:, None], np.inf, leave)
    else:
        leave = np.full(shape, np.inf)
    leave = np.where(is_pd, np.inf, leave)
    detect = np.where(detect > leave, np.nan, detect)
    end = np.minimum(end, np.where(np.isfinite(detect), np.inf, leave))
    # follow-up after progression and deaths
    months = np.exp(np.log(theta["post_progression_median"][:, None]) + theta["post_progression_sigma"][:, None]
                    * rng.standard_normal(shape))
    after = np.maximum(np.round(months * DAYS_PER_MONTH), 1)
    progressed = np.isfinite(detect)
    followup = np.where(progressed, np.minimum(end, detect + after), end)
    death_wait = rng.exponential(1.0, shape) / np.maximum(theta["death_rate"][:, None], 1e-12) * DAYS_PER_MONTH
    died = progressed & (detect + np.maximum(np.round(death_wait), 1) <= followup)
    death_day = np.where(died, detect + np.maximum(np.round(death_wait), 1), np.nan)
    followup = np.where(died, death_day, followup)
    # 6. patients who stop before their first scan
    lo = protocol.get("early_stop_days", 28)
    stop = lo + rng.random(shape) * np.maximum(np.nan_to_num(first, nan=lo + 1) - 1 - lo, 0)
    followup = np.where(no_scan, np.floor(stop), followup)
    scans = np.where(no_scan[..., None], np.nan, scans)
    scans = np.where(scans <= followup[..., None], scans, np.nan)
    # PFS as RECIST derives it: detection (event) or the last scan within follow-up (censored at day 0 without one)
    n_scans = np.isfinite(scans).sum(axis=2)
    last_in = np.where(n_scans > 0, np.take_along_axis(np.nan_to_num(scans, nan=-1), np.maximum(n_scans - 1, 0)[..., None],
                                                       2)[..., 0], 0.0)
    pfs_day = np.where(progressed, detect, last_in)
    # a response is seen at the first scan, or (four times in ten, when a second scan precedes any progression)
    # at the second
    responding = np.isin(kinds, ["CR", "PR"])
    before = np.isfinite(scans) & (np.nan_to_num(scans, nan=np.inf) < np.where(progressed, detect, np.inf)[..., None])
    second = before[..., 1] if scans.shape[2] > 1 else np.zeros(shape, dtype=bool)
    late = second & (rng.random(shape) < 0.4)
    response_day = np.where(responding, np.where(late, scans[..., 1] if scans.shape[2] > 1 else np.nan,
                                                 scans[..., 0]), np.nan)
    return Courses(scans=scans, pfs_day=pfs_day, pfs_event=progressed.astype(np.int8),
                   progression_day=detect, followup_day=followup, death=died.astype(np.int8), death_day=death_day,
                   window_end=end, response_day=response_day)
