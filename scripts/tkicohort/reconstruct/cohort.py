"""Simulated cohorts as columns: designed covariates, the plan's derived variables, and the time courses.

A batch of simulated cohorts is a dict of arrays of shape (members, patients), one array per column of the
analysis dataset the pipeline will derive from the written files (``evaluable``, ``bor``, ``dcr``, ``orr``,
``pfs_months``, ``followup_months``, every covariate, every derived variable of the study's plan). Fit targets and
held-out numbers are computed on these columns (:mod:`.measures`); the files written for a member give the same
columns when read back through the pipeline, which the tests check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..derive.plan_variables import PlanError, derive_variables
from ..ingest.contract import MET_SITES
from .design import Coded, SpecError, assign_categorical, expand_levels, matches
from .study import Study
from .survival import DC_COURSES, Courses, simulate

PLAN_RULES = ("threshold", "any", "only", "cut", "expression")


def draw_design(study: Study, members: int, rng: np.random.Generator) -> dict:
    """Courses, categorical covariates (exact counts per cell, random slots) and the plan's derived variables."""
    shape = (members, study.n)
    arms = list(dict.fromkeys(study.arm.tolist()))
    courses = list(dict.fromkeys(study.course.tolist()))
    columns: dict = {
        "arm": Coded(np.broadcast_to(np.array([arms.index(a) for a in study.arm], dtype=np.int16), shape).copy(),
                     arms),
        "course": Coded(np.broadcast_to(np.array([courses.index(c) for c in study.course], dtype=np.int16),
                                        shape).copy(), courses),
    }
    for name, cov in (study.spec.get("covariates") or {}).items():
        columns[name] = assign_categorical(name, cov, columns, study.groups, rng)
        columns.update(expand_levels(name, cov, columns[name], rng))
    for site in MET_SITES:  # the contract's metastasis flags: 0 unless a covariate sets them
        if site not in columns:
            columns[site] = np.zeros(shape)
    evaluable = np.isin(study.kind, ["CR", "PR", "SD", "PD"])
    columns["evaluable"] = np.broadcast_to(evaluable.astype(float), shape).copy()
    bor_levels = ["CR", "PR", "SD", "PD", "NE"]
    bor = np.array([bor_levels.index(c) if e else 4 for c, e in zip(study.course, evaluable, strict=True)])
    columns["bor"] = Coded(np.broadcast_to(bor.astype(np.int16), shape).copy(), bor_levels)
    columns["dcr"] = np.broadcast_to(np.where(evaluable, np.isin(study.course, DC_COURSES), np.nan), shape).copy()
    columns["orr"] = np.broadcast_to(np.where(evaluable, np.isin(study.course, ["CR", "PR"]), np.nan), shape).copy()
    plan_columns(study, columns)
    return columns


def _flag(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, np.nan, values.astype(float))


def plan_columns(study: Study, columns: dict, final: bool = False) -> None:
    """Add the plan's derived variables that the columns allow. ``threshold``, ``any`` and ``only`` are computed
    here on the arrays (the pipeline's rules, restated for speed inside the fit); with ``final`` the other rules
    (``cut``, ``expression``) run through the pipeline's own ``derive_variables``. A designed column of the same
    name must agree with the rule where both are known."""
    shape = columns["course"].shape
    for name, rule in (study.plan.get("derived") or {}).items():
        kind = rule["rule"]
        needed = {"threshold": [rule.get("variable")], "any": rule.get("variables", []),
                  "only": [rule.get("variable"), *rule.get("others", [])]}.get(kind)
        if needed is not None:
            if not all(c in columns and not isinstance(columns[c], Coded) for c in needed):
                continue
            m = np.stack([np.asarray(columns[c], dtype=float) for c in needed], axis=-1)
            if kind == "threshold":
                op, value = next((k, v) for k, v in rule.items() if k in ("ge", "gt", "le", "lt"))
                x = m[..., 0]
                res = {"ge": x >= value, "gt": x > value, "le": x <= value, "lt": x < value}[op]
                derived = _flag(res, np.isnan(x))
            elif kind == "any":
                one = np.nan_to_num(m, nan=0) == 1
                derived = _flag(one.any(axis=-1), ~one.any(axis=-1) & np.isnan(m).any(axis=-1))
            else:
                yes = (m[..., 0] == 1) & (m[..., 1:] == 0).all(axis=-1)
                no = (m[..., 0] == 0) | (m[..., 1:] == 1).any(axis=-1)
                derived = _flag(yes, ~yes & ~no)
        elif final and kind in PLAN_RULES:
            frame = pd.DataFrame({k: (v.decoded() if isinstance(v, Coded) else np.asarray(v)).ravel()
                                  for k, v in columns.items()})
            try:
                out = derive_variables(frame, {name: rule}, {})[name]
            except PlanError:
                continue
            derived = (out.to_numpy(dtype=object) if kind == "cut" else
                       pd.to_numeric(out, errors="coerce").to_numpy(dtype=float)).reshape(shape)
            if kind == "cut":
                labels = [lab for lab in rule["labels"]]
                derived = Coded(np.array([labels.index(v) if v in labels else -1 for v in derived.ravel()],
                                         dtype=np.int16).reshape(shape), labels)
        else:
            continue
        if name in columns:
            mine = columns[name]
            if not isinstance(mine, Coded) and not isinstance(derived, Coded):
                both = ~np.isnan(mine) & ~np.isnan(derived)
                if not np.array_equal(mine[both], derived[both]):
                    raise SpecError(f"designed column '{name}' disagrees with the plan's rule for it")
            continue
        columns[name] = derived


def effect_terms(study: Study) -> list[tuple[str, str, str]]:
    """(name, column, level) of every log hazard ratio of the PFS model, in spec order."""
    out = []
    for name in (study.spec["model"].get("effects") or {}):
        column, _, level = name.partition("=")
        out.append((name, column.strip(), level.strip()))
    return out


def linear_predictor(columns: dict[str, np.ndarray], terms: list[tuple[str, str, str]],
                     beta: np.ndarray) -> np.ndarray:
    """Σ β · [column = level] for each member (beta: members × terms)."""
    eta = np.zeros(columns["course"].shape)
    for j, (name, column, level) in enumerate(terms):
        if column not in columns:
            raise SpecError(f"model effect '{name}': no column '{column}'")
        eta += beta[:, [j]] * matches(columns[column], level)
    return eta


def survival_columns(study: Study, courses: Courses, columns: dict[str, np.ndarray]) -> None:
    """PFS, follow-up and OS columns as the pipeline derives them (days, and months by the study's convention)."""
    dpm = study.days_per_month
    columns["pfs_days"] = courses.pfs_day.astype(float)
    columns["pfs_event"] = courses.pfs_event.astype(float)
    columns["pfs_months"] = courses.pfs_day / dpm
    columns["pfs_weeks"] = courses.pfs_day / 7
    columns["followup_days"] = courses.followup_day.astype(float)
    columns["followup_months"] = courses.followup_day / dpm
    columns["followup_weeks"] = courses.followup_day / 7
    columns["death"] = courses.death.astype(float)
    columns["os_days"] = np.where(courses.death == 1, courses.death_day, courses.followup_day)
    columns["os_event"] = courses.death.astype(float)
    columns["os_months"] = columns["os_days"] / dpm
    columns["os_weeks"] = columns["os_days"] / 7
    # duration of response: from the first scan in response to progression or death (censored otherwise)
    columns["dor_days"] = courses.pfs_day - courses.response_day
    columns["dor_event"] = np.where(np.isfinite(courses.response_day), courses.pfs_event, np.nan)
    columns["dor_months"] = columns["dor_days"] / dpm
    columns["dor_weeks"] = columns["dor_days"] / 7


def simulate_batch(study: Study, values: dict[str, np.ndarray], rng: np.random.Generator):
    """Design, time courses and columns of one simulated cohort per parameter row (``values``: name → array)."""
    members = len(next(iter(values.values())))
    columns = draw_design(study, members, rng)
    terms = effect_terms(study)
    beta = np.column_stack([values[name] for name, _, _ in terms]) if terms else np.zeros((members, 0))
    eta = linear_predictor(columns, terms, beta)
    courses = simulate(values, eta, study.kind, study.spec["protocol"], study.spec["model"], rng)
    survival_columns(study, courses, columns)
    return columns, courses


def parameter_values(study: Study, fitted: dict[str, np.ndarray], members: int) -> dict[str, np.ndarray]:
    """Every model parameter per member: the fitted ones, and the fixed numbers of the spec."""
    out = {}
    model = study.spec["model"]
    for name, value in {**model.get("parameters", {}), **model.get("effects", {})}.items():
        out[name] = fitted[name] if name in fitted else np.full(members, float(value))
    return out
