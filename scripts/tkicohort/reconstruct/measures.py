"""Published numbers computed on simulated cohorts: the measures of the spec's ``targets``.

Each item of ``targets`` names published ids and how each is computed; the number's own ``statistic``,
``population`` and ``subset`` (from ``published.yaml``) complete the definition unless the item overrides them.
Measures (all on the columns of :mod:`.cohort`, for every member at once, with :mod:`.batch`):

- ``count`` / ``percent``: patients of the population meeting the subset (percent of the population);
- ``km_mean``: Kaplan–Meier mean of the endpoint restricted to the group's largest time (Table 4 of Ling et al.);
- ``km_median``: median and its log-log 95 % limits (statistic ``median``, ``ci_low``, ``ci_high``);
- ``logrank``: two-group log-rank p of the endpoint between the levels of ``by`` within the population;
- ``summary``: median / range / mean / SD of ``column`` over the population and subset;
- ``mann_whitney``: Mann–Whitney p of ``column`` between the arms (or the levels of ``by``);
- ``cox_hr``: the hazard ratio of ``by`` = ``level`` against the other level (statistic ``hr``, ``ci_low``,
  ``ci_high``, ``p_value``) from the pipeline's own Cox model (Efron ties), member by member: a held-out number
  only (too slow for the fit's thousands of cohorts).

Times are in the study's unit (``pfs_months`` or ``pfs_weeks``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import batch
from .design import SpecError
from .expressions import evaluate
from .study import Study

ROLES = ("constraints", "fit", "held_out")


@dataclass(frozen=True)
class Measure:
    id: str
    role: str
    kind: str
    statistic: str
    population: str
    subset: str
    endpoint: str = ""
    by: str = ""
    column: str = ""
    level: str = ""

    @property
    def key(self) -> tuple:
        """Numbers printed twice (text, abstract, tables) share a key and count once in a fit."""
        return (self.kind, self.statistic, self.population, self.subset, self.endpoint, self.by, self.column,
                self.level)


def compile_measures(study: Study, roles=ROLES, source: dict | None = None) -> list[Measure]:
    """The measures of the spec's ``targets`` (or of ``source``, e.g. the adverse-event block's targets)."""
    out = []
    targets = study.spec.get("targets") or {} if source is None else source
    for role in roles:
        for item in targets.get(role) or []:
            for key in item["ids"]:
                entry = study.entry(key)
                population = study.population(item.get("population", entry["population"]))
                subset = item.get("subset", entry.get("subset", "")) or ""
                if item["measure"] == "logrank":
                    subset = item.get("subset", "") or ""
                if item["measure"] == "cox_hr" and role != "held_out":
                    raise SpecError(f"{study.folder / 'reconstruction.yaml'}: '{key}': a Cox hazard ratio can be "
                                    "held out, not fitted")
                out.append(Measure(key, role, item["measure"], entry["statistic"], population, subset,
                                   item.get("endpoint", ""), item.get("by", ""), item.get("column", ""),
                                   str(item.get("level", ""))))
    return out


def _endpoint(columns: dict[str, np.ndarray], endpoint: str, unit: str) -> tuple[np.ndarray, np.ndarray]:
    return columns[f"{endpoint}_{unit}"], columns[f"{endpoint}_event"]


def _two_levels(values) -> tuple[np.ndarray, np.ndarray]:
    """(group 1/0, known) of a two-level column: group 1 is the first level in sorted order."""
    if hasattr(values, "codes"):
        return (values.codes == 0).astype(float), values.known()
    values = np.asarray(values, dtype=float)
    known = ~np.isnan(values)
    first = np.nanmin(values) if known.any() else 0.0
    return (values == first).astype(float), known


def _two_levels_objects(values) -> tuple[np.ndarray, np.ndarray]:
    known = ~np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values.ravel().tolist()]
                      ).reshape(values.shape)
    levels = sorted({str(v) for v, k in zip(values.ravel().tolist(), known.ravel().tolist(), strict=True) if k})
    if not levels:
        return np.zeros(values.shape), known
    text = np.array([str(v) for v in values.ravel().tolist()], dtype=object).reshape(values.shape)
    return (text == levels[0]).astype(float), known


def evaluate_measures(measures: list[Measure], columns: dict[str, np.ndarray], unit: str = "months") -> np.ndarray:
    """members × measures."""
    members = columns["course"].shape[0]
    out = np.full((members, len(measures)), np.nan)
    cache: dict[tuple, np.ndarray] = {}
    masks: dict[tuple, np.ndarray] = {}

    def mask_of(pop: str, sub: str) -> np.ndarray:
        if (pop, sub) not in masks:
            masks[(pop, sub)] = evaluate(pop, columns, columns["course"].shape) & \
                evaluate(sub, columns, columns["course"].shape)
        return masks[(pop, sub)]

    km = [j for j, m in enumerate(measures) if m.kind == "km_mean"]
    for endpoint in {measures[j].endpoint for j in km}:  # one sort for every Kaplan–Meier mean of an endpoint
        group = [j for j in km if measures[j].endpoint == endpoint]
        stack = np.stack([mask_of(measures[j].population, measures[j].subset) for j in group])
        means = batch.restricted_means(*_endpoint(columns, endpoint, unit), stack)
        for col, j in enumerate(group):
            cache[measures[j].key] = means[:, col]
    for j, m in enumerate(measures):
        if m.key in cache:
            out[:, j] = cache[m.key]
            continue
        mask = mask_of(m.population, m.subset)
        if m.kind == "count":
            value = mask.sum(axis=1).astype(float)
        elif m.kind == "percent":
            value = 100 * mask.sum(axis=1) / np.maximum(mask_of(m.population, "").sum(axis=1), 1)
        elif m.kind == "km_mean":
            value = batch.restricted_mean(*_endpoint(columns, m.endpoint, unit), mask)
        elif m.kind == "km_median":
            med = batch.median_with_ci(*_endpoint(columns, m.endpoint, unit), mask)
            value = med[("median", "ci_low", "ci_high").index(m.statistic)]
        elif m.kind == "logrank":
            group, known = _two_levels(columns[m.by])
            value = batch.logrank_p(*_endpoint(columns, m.endpoint, unit), group, mask & known)
        elif m.kind == "summary":
            value = batch.masked_summary(columns[m.column], mask, m.statistic)
        elif m.kind == "cox_hr":
            value = _cox(columns, m, mask, unit)
        elif m.kind == "mann_whitney":
            group, known = _two_levels(columns[m.by or "arm"])
            value = batch.mann_whitney_p(columns[m.column], group, mask & known)
        else:
            raise ValueError(f"unknown measure '{m.kind}'")
        cache[m.key] = value
        out[:, j] = value
    return out


def _cox(columns: dict, m: Measure, mask: np.ndarray, unit: str) -> np.ndarray:
    """Cox hazard ratio (or its limits, or p) of ``by == level`` within the mask, member by member."""
    import pandas as pd

    from ..stats.cox import NotEstimable, fit_cox
    from .design import matches

    time, event = _endpoint(columns, m.endpoint, unit)
    group = matches(columns[m.by], m.level).astype(float)
    column = {"hr": "hr", "ci_low": "hr_ci_low", "ci_high": "hr_ci_high", "p_value": "p"}[m.statistic]
    out = np.full(time.shape[0], np.nan)
    for i in range(time.shape[0]):  # the pipeline's model, one simulated cohort at a time (held-out numbers only)
        keep = mask[i]
        frame = pd.DataFrame({"t": time[i][keep], "e": event[i][keep], "x": group[i][keep]})
        try:
            out[i] = float(fit_cox(frame, "t", "e", ["x"]).terms[column].iloc[0])
        except (NotEstimable, ValueError):
            out[i] = np.nan
    return out


def observed(study: Study, measures: list[Measure]) -> np.ndarray:
    """The printed values of the measures (a leading '<' or '>' dropped)."""
    return np.array([float(str(study.entry(m.id)["value"]).lstrip("<>")) for m in measures])
