"""Adverse events and dose changes of simulated cohorts.

**Adverse events** (spec ``adverse_events``). For each term the publication's counts fix how many patients had it
at grade 1–2 and at grade 3–4 (``grade_1_2``, ``grade_3_4``); which patients is random (or, with ``patients``, the
patients meeting a condition, e.g. ``hfs == 1`` when the term defines a designed covariate). A grade within its
band is drawn with ``grade_shares``. The onset day is log-normal (``onset_days``: median, sigma) within the
patient's follow-up; the duration log-normal (``duration``: median in months, sigma: numbers are fixed choices,
priors make them fitted parameters). An event whose end falls after the last contact is ongoing (no end day).

**Doses** (spec ``doses``). Every treated patient starts at ``start_mg``. The designed ``dose_status`` says who was
reduced or interrupted; each change answers an adverse event of the patient: the first one the event named by
``first_reason`` when the patient has it, and ``extra_reasons`` (term → number of patients, as printed) go to
modified patients who have that event. A change comes ``delay_days`` (uniform) after the onset of the event it
answers; a second change at least 28 days after the first. A reduction steps down through ``reduced_mg``; an
interruption (0 mg) lasts a log-normal time (``interruption``: median days, sigma) and ends at the first reduced
dose; ``interruption.longest`` is the printed longest interruption (one patient has it, the others are shorter);
``lowest`` puts that many reduced patients on a last, lower dose. Where the publication names no adverse event a
change answers (no ``first_reason`` the patient has, no ``extra_reasons``), ``change_days`` ([first, last] day) puts
the first change on a uniform day of that window (before the last contact) with the reason ``reason`` (default
"adverse events"). Without a designed status, ``reduce`` gives each treated patient a probability of one
reduction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .expressions import evaluate
from .samples import truncated
from .survival import DAYS_PER_MONTH


@dataclass
class Events:
    """Adverse events in long form (one row per event): member, slot, term index, grade, onset, end (NaN = ongoing)."""

    terms: list[str]
    member: np.ndarray
    slot: np.ndarray
    term: np.ndarray
    grade: np.ndarray
    onset: np.ndarray
    end: np.ndarray

    def of_member(self, m: int) -> Events:
        sel = self.member == m
        return Events(self.terms, self.member[sel], self.slot[sel], self.term[sel], self.grade[sel], self.onset[sel],
                      self.end[sel])


def _lognormal(median, sigma, shape, rng):
    return np.exp(np.log(median) + sigma * rng.standard_normal(shape))


def duration_parameters(spec: dict) -> dict[str, dict]:
    """term → {median, sigma} (number or prior) of the spec, with the default for terms not listed."""
    out = {}
    for term, t in spec["terms"].items():
        out[term] = {**spec.get("duration_default", {}), **(t.get("duration") or {})}
    return out


def free_parameters(spec: dict) -> dict[str, dict]:
    """Priors of the fitted duration parameters, named '<term>:median' / '<term>:sigma'."""
    return {f"{term}:{k}": v for term, d in duration_parameters(spec).items() for k, v in d.items()
            if isinstance(v, dict)}


def simulate_events(spec: dict, columns: dict, followup: np.ndarray, values: dict[str, np.ndarray],
                    rng: np.random.Generator) -> Events:
    """Adverse events of every member (members × slots in ``columns`` and ``followup``, in days)."""
    members, n = followup.shape
    terms = list(spec["terms"])
    durations = duration_parameters(spec)
    shares = spec.get("grade_shares", {"1-2": {1: 0.5, 2: 0.5}, "3-4": {3: 0.9, 4: 0.1}})
    parts = []
    for k, term in enumerate(terms):
        t = spec["terms"][term]
        low, high = int(t.get("grade_1_2", 0)), int(t.get("grade_3_4", 0))
        count = low + high
        eligible = evaluate(t.get("patients"), columns, followup.shape) & (followup > 0)
        if (eligible.sum(axis=1) < count).any():
            raise ValueError(f"adverse event '{term}': fewer eligible patients than the {count} printed")
        order = np.argsort(np.where(eligible, rng.random(followup.shape), np.inf), axis=1)[:, :count]
        band_high = np.zeros((members, count), dtype=bool)
        band_high[:, :high] = True  # the first `high` of a random order: random patients
        grade = np.empty((members, count), dtype=int)
        for band, mask in (("1-2", ~band_high), ("3-4", band_high)):
            levels = np.array([int(g) for g in shares[band]])
            p = np.array(list(shares[band].values()), dtype=float)
            grade[mask] = levels[rng.choice(len(levels), size=int(mask.sum()), p=p / p.sum())]
        fu = np.take_along_axis(followup, order, 1)
        onset_spec = t.get("onset_days", spec.get("onset_default", {"median": 30, "sigma": 0.6}))
        dist_median, dist_sigma = float(onset_spec["median"]), float(onset_spec["sigma"])
        from scipy import stats

        onset = truncated(stats.lognorm(dist_sigma, scale=dist_median), np.ones_like(fu), np.maximum(fu, 1), 1.0, rng)
        d = durations[term]
        med = values[f"{term}:median"][:, None] if isinstance(d.get("median"), dict) else float(d["median"])
        sig = values[f"{term}:sigma"][:, None] if isinstance(d.get("sigma"), dict) else float(d["sigma"])
        length = np.maximum(np.round(_lognormal(med, sig, (members, count), rng) * DAYS_PER_MONTH), 1)
        end = np.where(onset + length <= fu, onset + length, np.nan)
        parts.append((np.repeat(np.arange(members), count), order.ravel(), np.full(members * count, k),
                      grade.ravel(), onset.ravel(), end.ravel()))
    member, slot, term, grade, onset, end = (np.concatenate(x) for x in zip(*parts, strict=True))
    return Events(terms, member, slot, term, grade, onset, end)


def longest_durations(events: Events, members: int, n: int, terms: list[str] | None = None,
                      min_grade: int = 1) -> np.ndarray:
    """Per patient, the longest resolved event (months) of the terms (all when None) at grade ≥ min_grade;
    NaN without one (members × slots)."""
    keep = ~np.isnan(events.end) & (events.grade >= min_grade)
    if terms is not None:
        keep &= np.isin(np.array(events.terms)[events.term], terms)
    out = np.full(members * n, -np.inf)
    np.maximum.at(out, events.member[keep] * n + events.slot[keep], (events.end - events.onset)[keep] / DAYS_PER_MONTH)
    out[np.isneginf(out)] = np.nan
    return out.reshape(members, n)


def dose_records(spec: dict, status: np.ndarray, onsets: dict[str, np.ndarray], followup: np.ndarray,
                 rng: np.random.Generator) -> list[tuple[int, int, float, str]]:
    """One member's dose rows (slot, day, mg/day, reason). ``status``: dose status per slot (or None for an
    untreated slot); ``onsets``: term → onset day per slot (NaN without the event)."""
    start = float(spec["start_mg"])
    rows = [(i, 0, start, "") for i in range(len(status)) if status[i] is not None]
    if "reduce" in spec:  # no designed status: a share of the treated patients has one reduction
        r = spec["reduce"]
        for i in range(len(status)):
            if status[i] is not None and rng.random() < r["probability"]:
                day = int(rng.integers(r["day"][0], r["day"][1] + 1))
                if day <= followup[i]:
                    rows.append((i, day, float(r["to_mg"]), r.get("reason", "")))
        return rows
    modified = [i for i in range(len(status)) if status[i] in ("reduced", "interrupted")]
    last = np.asarray(followup, dtype=float)
    reasons: dict[int, list[str]] = {i: [] for i in modified}
    first = spec.get("first_reason")
    for i in modified:
        if first and np.isfinite(onsets[first][i]):
            reasons[i].append(first)
    for term, count in (spec.get("extra_reasons") or {}).items():
        # room for a second change: the event starts at least 30 days before the last contact
        free = [i for i in modified if np.isfinite(onsets[term][i]) and term not in reasons[i]
                and len(reasons[i]) < 2 and onsets[term][i] <= last[i] - 30]
        if len(free) < count:
            raise ValueError(f"only {len(free)} modified patients can have a dose change for {term}")
        for i in rng.permutation(free)[:count]:
            reasons[int(i)].append(term)
    delay = spec.get("delay_days", [7, 28])
    steps = [float(x) for x in spec["reduced_mg"]]
    interruption = spec.get("interruption", {})
    interrupted = [i for i in modified if status[i] == "interrupted"]
    first_day = {}
    window = spec.get("change_days")
    for i in modified:
        if not reasons[i]:
            if window is None:
                raise ValueError("a modified dose without an adverse event to answer")
            reasons[i].append(spec.get("reason", "adverse events"))
            first_day[i] = int(min(rng.integers(int(window[0]), int(window[1]) + 1), max(last[i] - 2, 1)))
            continue
        reasons[i].sort(key=lambda term, i=i: onsets[term][i])
        onset = onsets[reasons[i][0]][i]
        first_day[i] = int(min(onset + rng.integers(delay[0], delay[1] + 1), max(onset, last[i] - 2)))
    longest = None
    if interrupted and "longest" in interruption:
        room = [i for i in interrupted if last[i] - first_day[i] > int(interruption["longest"]) + 1]
        if not room:
            raise ValueError("no interrupted patient is followed long enough for the longest interruption")
        longest = int(rng.choice(room))
    last_dose: dict[int, int] = {}
    for i in modified:
        order = reasons[i]
        day = first_day[i]
        levels = steps[-1:] if len(order) == 1 else steps[-2:]
        if status[i] == "interrupted":
            rows.append((i, day, 0.0, order[0]))
            if i == longest:
                pause = int(interruption["longest"])
            else:
                cap = int(min(interruption.get("longest", 10 ** 6) - 1, last[i] - day - 1))
                pause = int(min(max(np.round(_lognormal(interruption.get("median", 30), interruption.get("sigma", 0.6),
                                                        1, rng)[0]), 7), max(cap, 1)))
            day += pause
            rows.append((i, day, levels[0], ""))
        else:
            rows.append((i, day, levels[0], order[0]))
        if len(order) == 2:
            wanted = max(int(onsets[order[1]][i]) + int(rng.integers(delay[0], delay[1] + 1)), day + 28)
            day = int(min(wanted, last[i])) if wanted <= last[i] else max(day + 1, int(last[i]))
            rows.append((i, day, levels[1], order[1]))
        last_dose[i] = day
    low = spec.get("lowest")
    if low:
        reduced = [i for i in modified if status[i] == "reduced" and first in reasons[i]
                   and last[i] - last_dose[i] > 60]
        for i in rng.permutation(reduced)[: int(low["patients"])]:
            day = int(min(last_dose[int(i)] + rng.integers(60, 240), last[int(i)]))
            rows.append((int(i), day, float(low["mg"]), first))
    return rows
