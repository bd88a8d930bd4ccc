"""Continuous covariates of the ensemble members, conditioned on the printed summaries (spec ``continuous``).

For each variable: the patients it describes (all, or per arm with ``by: arm``), its recording grid (``step``) and
instrument bounds, the published ids of its printed summaries, and optionally band counts from an earlier
categorical covariate (``bands``: the level → [low, high] of the values its patients may take, e.g. age ≥ 55) and
the printed p-value between the arms (``p``, Mann–Whitney). Values are drawn by :mod:`.samples`: exact
order-statistic conditioning for medians, ranges and bands; the search and Metropolis chain for means, SDs and
p-values. Within a band, which patient gets which value is random (``assign.with`` instead ranks them by another
column through a Gaussian copula with correlation ``assign.rho``, so that e.g. more RAI courses go with a higher
cumulative activity without being tied to it).

``generated`` columns follow from others with a random part: ``per_unit`` gives
max(min, round(source / u)) with u uniform in ``unit`` (the number of RAI courses from the cumulative activity).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .design import cell_mask
from .samples import condition_on_summaries, distribution, order_statistic_draw, truncated


def _groups(study, cov: dict) -> list[tuple[str | None, np.ndarray]]:
    """(arm or None, slot indices) of each sample the summaries describe."""
    if cov.get("by") == "arm":
        return [(arm, np.flatnonzero(study.arm == arm)) for arm in dict.fromkeys(study.arm.tolist())]
    return [(None, np.arange(study.n))]


def _summaries(study, cov: dict, arm: str | None) -> dict:
    table = cov.get("summaries") or {}
    if arm is not None:
        table = table.get(arm, {})
    return {stat: study.printed(key) for stat, key in table.items()}


def _band_bounds(study, cov: dict, columns: dict, members: int, lo: float, hi: float) -> tuple[np.ndarray, ...]:
    """Per member and slot, the [low, high] the value may take (from the band covariate), and a band index."""
    shape = (members, study.n)
    low, high = np.full(shape, lo), np.full(shape, hi)
    band = np.zeros(shape, dtype=int)
    spec = cov.get("bands")
    if not spec:
        return low, high, band
    by = spec["by"] if isinstance(spec["by"], list) else [spec["by"]]
    assigned = np.zeros(shape, dtype=bool)
    for k, (cell, (a, b)) in enumerate(spec["intervals"].items()):
        mask = (np.ones(shape, dtype=bool) if cell == "*" else
                cell_mask(str(cell), by, columns, study.groups)) & ~assigned
        if a is None:  # no value for these patients
            low[mask], high[mask] = np.nan, np.nan
        else:
            low[mask], high[mask] = max(float(a), lo), min(float(b), hi)
        band[mask] = k
        assigned |= mask
    return low, high, band


def draw_continuous(study, columns: dict, rng: np.random.Generator, search_steps: int = 6000,
                    chain_steps: int = 1500) -> dict[str, dict]:
    """Add every continuous covariate to ``columns`` (members × slots); returns per variable the loss of the
    conditioning (0 = every printed summary holds) per member."""
    members = columns["course"].shape[0]
    report = {}
    for name, cov in (study.spec.get("continuous") or {}).items():
        lo, hi = (float(x) for x in cov["bounds"])
        step = float(cov["step"])
        low, high, _ = _band_bounds(study, cov, columns, members, lo, hi)
        values = np.full((members, study.n), np.nan)
        groups = _groups(study, cov)
        anchored = any(cov.get("summaries", {}).values()) if cov.get("summaries") else False
        if not anchored:  # no printed summary: each value from its band's truncated law
            dist = distribution(cov["distribution"], {})
            ok = ~np.isnan(low)
            draws = truncated(dist, np.where(ok, low, lo), np.where(ok, high, hi), step, rng)
            values = np.where(ok, draws, np.nan)
            columns[name] = values
            report[name] = np.zeros(members)
            continue
        samples, labels, dists, targets, bounds = [], [], [], [], []
        for g, (arm, slots) in enumerate(groups):
            summ = _summaries(study, cov, arm)
            dist = distribution(cov["distribution"], summ)
            anchors = {k: v.value for k, v in summ.items() if k in ("median", "range_min", "range_max")}
            bands = _ordered_bands(low[:, slots], high[:, slots]) if cov.get("bands") else None
            x = order_statistic_draw(dist, len(slots), members, step, (lo, hi), anchors, bands, rng)
            samples.append(x)
            labels += [g] * len(slots)
            dists.append(dist)
            targets.append({k: v for k, v in summ.items() if k in ("mean", "sd")} or {})
            bounds.append((max(lo, anchors.get("range_min", lo)), min(hi, anchors.get("range_max", hi))))
        x = np.concatenate(samples, axis=1)
        label = np.array(labels)
        p_target = study.printed(cov["p"]) if cov.get("p") else None
        needs_chain = any(targets) or p_target is not None
        loss = np.zeros(members)
        if needs_chain:
            full_targets = [_summaries(study, cov, arm) for arm, _ in groups]
            x, loss = condition_on_summaries(x, label, dists, full_targets, p_target, step, bounds, rng,
                                             search_steps=search_steps, chain_steps=chain_steps)
        # assign the sorted values to the slots of each group, band by band, in random order (or by a copula)
        start = 0
        for _, slots in groups:
            part = np.sort(x[:, start:start + len(slots)], axis=1)
            start += len(slots)
            values[:, slots] = _place(part, low[:, slots], high[:, slots], cov.get("assign"), columns, slots, rng)
        columns[name] = values
        report[name] = loss
    for name, gen in (study.spec.get("generated") or {}).items():
        if gen["rule"] != "per_unit":
            raise ValueError(f"generated column '{name}': unknown rule '{gen['rule']}'")
        source = np.asarray(columns[gen["source"]], dtype=float)
        unit = rng.uniform(gen["unit"][0], gen["unit"][1], source.shape)
        columns[name] = np.maximum(gen.get("min", 0), np.round(source / unit))
    return report


def _ordered_bands(low: np.ndarray, high: np.ndarray) -> list[tuple[float, float, int]]:
    """Band counts (low, high, count) in increasing order, from member 0's bounds (equal in every member)."""
    pairs = sorted(set(zip(low[0].tolist(), high[0].tolist(), strict=True)))
    return [(a, b, int(((low[0] == a) & (high[0] == b)).sum())) for a, b in pairs]


def _place(sorted_values: np.ndarray, low: np.ndarray, high: np.ndarray, assign: dict | None, columns: dict,
           slots: np.ndarray, rng) -> np.ndarray:
    """Give each slot a value of its band: the band's values in random order, or ranked with another column."""
    members, n = sorted_values.shape
    out = np.full((members, n), np.nan)
    for m in range(members):  # one permutation per member; the bands are few
        for a, b in set(zip(low[m].tolist(), high[m].tolist(), strict=True)):
            where = np.flatnonzero((low[m] == a) & (high[m] == b))
            vals = sorted_values[m][(sorted_values[m] >= a - 1e-9) & (sorted_values[m] <= b + 1e-9)]
            vals = vals[: len(where)]
            if assign:
                other = np.asarray(columns[assign["with"]], dtype=float)[m, slots][where]
                z = assign.get("rho", 0.5) * stats.norm.ppf((stats.rankdata(other) - 0.5) / len(other)) + \
                    np.sqrt(1 - assign.get("rho", 0.5) ** 2) * rng.standard_normal(len(where))
                out[m, where[np.argsort(z)]] = np.sort(vals)
            else:
                out[m, where] = rng.permutation(vals)
    return out
