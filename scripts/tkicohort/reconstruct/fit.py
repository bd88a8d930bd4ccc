"""Fitting the survival model by ABC-SMC, then drawing the ensemble from the fitted model.

**Distance** of a simulated cohort to the publication: the root mean square of the deviations of the fit targets
and of the constraint counts, each divided by its scale, a number printed twice counted once. A fit target's scale
is the median absolute deviation of that number across cohorts simulated from the prior (the usual ABC
normalisation; Prangle 2017), at least one unit of its last printed digit; a count's scale is one patient. A target the cohort cannot estimate (a median not reached) counts as a
deviation of 3 scales.

**Ensemble.** From the final particles (the fitted parameter values, equal weights) ``members`` are taken at
random; for each, cohorts are simulated until one meets every constraint count exactly (rejection: the member is a
draw from the model *conditioned* on the constraints). Each member is one accepted reconstruction; a particle whose
cohorts never meet the constraints within ``max_tries`` draws is replaced by another particle, and the number of
replacements is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .abc import Prior, abc_smc
from .cohort import parameter_values, simulate_batch
from .design import Coded
from .measures import Measure, compile_measures, evaluate_measures, observed
from .study import Study
from .survival import Courses

MISSING_DEVIATION = 3.0


def take(columns: dict, rows) -> dict:
    return {k: (v.take(rows) if isinstance(v, Coded) else np.asarray(v)[rows]) for k, v in columns.items()}


def take_courses(c: Courses, rows) -> Courses:
    return Courses(**{f: getattr(c, f)[rows] for f in c.__dataclass_fields__})


def concat_columns(parts: list[dict]) -> dict:
    out = {}
    for k, v in parts[0].items():
        if isinstance(v, Coded):
            out[k] = Coded(np.concatenate([p[k].codes for p in parts]), v.levels)
        else:
            out[k] = np.concatenate([np.asarray(p[k]) for p in parts])
    return out


def concat_courses(parts: list[Courses]) -> Courses:
    width = max(p.scans.shape[2] for p in parts)
    scans = [np.pad(p.scans, ((0, 0), (0, 0), (0, width - p.scans.shape[2])), constant_values=np.nan)
             for p in parts]
    fields = {f: np.concatenate([getattr(p, f) for p in parts]) for f in Courses.__dataclass_fields__ if f != "scans"}
    return Courses(scans=np.concatenate(scans), **fields)


@dataclass
class Ensemble:
    """The accepted cohorts: columns and courses (members × patients), parameter values and weights."""

    columns: dict
    courses: Courses
    parameters: dict[str, np.ndarray]
    weights: np.ndarray
    distances: np.ndarray
    history: list[dict]

    @property
    def members(self) -> int:
        return len(self.weights)


def unique_measures(measures: list[Measure]) -> list[Measure]:
    seen, out = set(), []
    for m in measures:
        if m.key not in seen:
            seen.add(m.key)
            out.append(m)
    return out


def _deviation(s: np.ndarray, y: np.ndarray, scale: np.ndarray) -> np.ndarray:
    dev = (s - y) / scale
    return np.sqrt(np.mean(np.where(np.isnan(dev), MISSING_DEVIATION, dev) ** 2, axis=1))


def fit_survival(study: Study, rng: np.random.Generator, members: int, batch_size: int = 4000,
                 max_generations: int = 16, particles: int = 1000, max_tries: int = 4000,
                 log: Callable[[str], None] | None = None) -> Ensemble:
    model = study.spec["model"]
    free = {k: v for k, v in {**model.get("parameters", {}), **model.get("effects", {})}.items() if isinstance(v, dict)}
    prior = Prior.from_spec(free)
    unit = study.time_unit
    constraints = unique_measures(compile_measures(study, ["constraints"]))
    c_obs = observed(study, constraints)
    fit = unique_measures(compile_measures(study, ["fit"]))
    targets = fit + constraints
    y = observed(study, targets)

    def run(z):
        values = parameter_values(study, prior.values(z), len(z))
        columns, courses = simulate_batch(study, values, rng)
        return values, columns, courses

    def in_batches(z, fn):
        return np.concatenate([fn(z[i:i + batch_size]) for i in range(0, len(z), batch_size)])

    # scales: median absolute deviation of each target across cohorts drawn from the prior
    _, pilot_columns, _ = run(prior.sample(batch_size, rng))
    pilot = evaluate_measures(targets, pilot_columns, unit)
    with np.errstate(all="ignore"):
        mad = 1.4826 * np.nanmedian(np.abs(pilot - np.nanmedian(pilot, axis=0)), axis=0)
    floor = np.array([10.0 ** -int(study.entry(m.id)["precision"]) for m in targets])
    scale = np.where(np.isfinite(mad) & (mad > floor), mad, floor)
    counts = np.array([m.kind == "count" for m in targets])
    scale[counts] = 1.0  # a count: one patient is one unit

    def distance(z):
        _, columns, _ = run(z)
        return _deviation(evaluate_measures(targets, columns, unit), y, scale)

    final, history = abc_smc(prior, lambda z, rng_, eps: in_batches(z, distance), rng, particles=particles,
                             max_generations=max_generations, log=log)
    # members: posterior draws conditioned on the constraint counts
    order = rng.permutation(len(final.z))
    chosen, parts, replaced = [], [], 0
    queue = list(order)
    while len(chosen) < members and queue:
        need = members - len(chosen)
        batch_ids = queue[:need]
        queue = queue[need:]
        reps = max(1, batch_size // max(len(batch_ids), 1))
        found = {}
        tries = 0
        pending = list(batch_ids)
        while pending and tries < max_tries:
            z = np.repeat(final.z[pending], reps, axis=0)
            values, columns, courses = run(z)
            ok = (evaluate_measures(constraints, columns, unit) == c_obs).all(axis=1) if constraints else \
                np.ones(len(z), dtype=bool)
            for k, pid in enumerate(pending):
                rows = np.flatnonzero(ok[k * reps:(k + 1) * reps])
                if len(rows) and pid not in found:
                    r = k * reps + rows[0]
                    found[pid] = (take(columns, [r]), take_courses(courses, [r]), {n: v[[r]] for n, v in values.items()})
            tries += reps
            pending = [pid for pid in pending if pid not in found]
        replaced += len(pending)
        for pid in batch_ids:
            if pid in found:
                chosen.append(pid)
                parts.append(found[pid])
    if len(chosen) < members:
        raise RuntimeError(f"{study.name}: only {len(chosen)} of {members} members meet the constraint counts")
    cols, crs, vals = zip(*parts, strict=True)
    columns = concat_columns(list(cols))
    courses = concat_courses(list(crs))
    parameters = {k: np.concatenate([v[k] for v in vals]) for k in vals[0]}
    dist = _deviation(evaluate_measures(targets, columns, unit), y, scale)
    if log:
        log(f"ensemble: {members} members conditioned on the constraints; {replaced} particle(s) replaced")
    history.append({"generation": "ensemble", "epsilon": final.epsilon, "simulations": 0, "move_rate": np.nan,
                    "median_distance": float(np.median(dist)), "replaced": replaced})
    return Ensemble(columns, courses, parameters, np.full(members, 1 / members), dist, history)
