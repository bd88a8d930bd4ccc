"""Who the patients are: courses and categorical covariates with the published counts, for many cohorts at once.

A reconstructed cohort is a fixed list of patient *slots* (one per patient of the publication), each with an arm
and a *course* (its best response, or the reason it is not evaluable), in spec order. The published counts fix how
many slots of each cell (a course, a group of courses, an arm, or a level of an earlier covariate) carry each level
of a covariate; which slots carry which level is random: a fresh permutation in every simulated cohort. Counts are
therefore exact in every member, and no covariate follows the slot order (patient ids are assigned to slots in a
random order at the end, see :mod:`.cohort`).

Spec of a categorical covariate (``covariates:`` of the reconstruction spec)::

    sex:
      by: course                      # or arm, a group of courses, or an earlier covariate; a list for a product
      counts: {PR: {M: 3, F: 4}, SD: {M: 2, F: 6}, PD: {M: 7, F: 4}, excluded: {F: 5}}
      probabilities: {other: {M: 0.4, F: 0.6}}   # cells whose counts the publication does not give: random draws
      columns: {lung_bone: {met_lung: 1, met_bone: 1}}  # a level that sets several columns (the level is kept too)
      ranges: {"3-6": [3, 6]}          # a level that stands for an integer range of another column
      range_column: rai_treatments

A cell key is matched against the slot's values of the ``by`` variables joined with ``/`` (``PR``, ``sorafenib/SD``);
a course also matches the name of any group that contains it. Every slot must fall into exactly one listed cell.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class SpecError(ValueError):
    """A reconstruction spec that cannot describe a cohort; the message names the place."""


def slots(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """(arm, course) of every patient slot, in spec order."""
    arms, courses = [], []
    for arm, counts in spec["patients"]["arms"].items():
        for course, k in counts.items():
            arms += [arm] * int(k)
            courses += [course] * int(k)
    return np.array(arms, dtype=object), np.array(courses, dtype=object)


def _text(value) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


class Coded:
    """A categorical column of text levels as integer codes (members × slots); −1 = missing. Compares with a
    literal like an array of its levels: ``sex == 'M'`` is a boolean array."""

    def __init__(self, codes: np.ndarray, levels: list):
        self.codes = codes
        self.levels = list(levels)

    @property
    def shape(self):
        return self.codes.shape

    def code(self, level) -> int:
        text = _text(level)
        for i, lev in enumerate(self.levels):
            if _text(lev) == text:
                return i
        return -2  # matches nothing (−1 is missing)

    def __eq__(self, other):  # noqa: D105 - elementwise, as a numpy array
        if isinstance(other, Coded):
            return self.decoded() == other.decoded()
        return self.codes == self.code(other)

    def __ne__(self, other):
        return ~(self == other) & (self.codes >= 0)

    __hash__ = None

    def isin(self, values) -> np.ndarray:
        return np.isin(self.codes, [self.code(v) for v in values])

    def known(self) -> np.ndarray:
        return self.codes >= 0

    def decoded(self) -> np.ndarray:
        table = np.array([*self.levels, None], dtype=object)
        return table[np.where(self.codes >= 0, self.codes, len(self.levels))]

    def take(self, rows) -> Coded:
        return Coded(self.codes[rows], self.levels)


def _level_value(level):
    """YAML keys 1/0 stay numbers; other levels are text; 'missing' is a missing value."""
    if level == "missing":
        return None
    return int(level) if isinstance(level, bool | int | np.integer) else level


def matches(column, part: str) -> np.ndarray:
    """Slots whose value of ``column`` (a float array or :class:`Coded`) prints as ``part``."""
    if isinstance(column, Coded):
        return column.codes == column.code(part)
    try:
        return np.asarray(column, dtype=float) == float(part)
    except ValueError:
        return np.zeros(np.shape(column), dtype=bool)


def cell_mask(cell: str, by: list[str], columns: Mapping, groups: Mapping[str, list[str]]) -> np.ndarray:
    """Slots (members × slots) whose ``by`` values name ``cell`` (parts joined by '/'; a course matches its groups,
    '*' any value)."""
    parts = str(cell).split("/")
    if len(parts) != len(by):
        raise SpecError(f"cell '{cell}' has {len(parts)} part(s) for {len(by)} variable(s) ({', '.join(by)})")
    mask = None
    for name, part in zip(by, parts, strict=True):
        column = columns[name]
        if part == "*":
            hit = np.ones(column.shape, dtype=bool)
        elif name == "course" and part in groups:
            hit = column.isin(groups[part])
        else:
            hit = matches(column, part)
        mask = hit if mask is None else mask & hit
    return mask


def assign_categorical(name: str, cov: dict, columns: Mapping, groups: Mapping[str, list[str]],
                       rng: np.random.Generator):
    """Levels (members × slots) of one covariate: a float array when every level is a number (or missing), else
    :class:`Coded`. ``columns`` holds every earlier column (members × slots)."""
    by = cov.get("by", "course")
    by = [by] if isinstance(by, str) else list(by)
    for b in by:
        if b not in columns:
            raise SpecError(f"covariate '{name}': 'by' names '{b}', which is not an earlier covariate")
    shape = columns[by[0]].shape
    tables = [(cov.get("counts") or {}, True), (cov.get("probabilities") or {}, False)]
    levels = list(dict.fromkeys(_level_value(k) for table, _ in tables for cell in table.values() for k in cell))
    known = [lev for lev in levels if lev is not None]
    numeric = all(isinstance(v, int | float) for v in known)
    index = {lev: i for i, lev in enumerate(known)}
    code_of = np.array([index.get(lev, -1) if lev is not None else -1 for lev in levels])
    codes = np.full(shape, -1, dtype=np.int16)
    assigned = np.zeros(shape, dtype=bool)
    for table, exact in tables:
        for cell, cell_levels in table.items():
            mask = cell_mask(cell, by, columns, groups) & ~assigned
            cell_codes = np.array([code_of[levels.index(_level_value(k))] for k in cell_levels], dtype=np.int16)
            if exact:
                sizes = np.array([int(v) for v in cell_levels.values()])
                k = mask.sum(axis=1)
                if (k != sizes.sum()).any():
                    raise SpecError(f"covariate '{name}': cell '{cell}' lists {sizes.sum()} patients, it has "
                                    f"{sorted(set(k.tolist()))}")
                pool = np.repeat(cell_codes, sizes)
                order = np.argsort(np.where(mask, rng.random(shape), np.inf), axis=1)[:, : len(pool)]
                rows = np.repeat(np.arange(shape[0]), len(pool))
                codes[rows, order.ravel()] = np.tile(pool, shape[0])
            else:
                p = np.array([float(v) for v in cell_levels.values()])
                draws = cell_codes[rng.choice(len(cell_codes), size=shape, p=p / p.sum())]
                codes[mask] = draws[mask]
            assigned |= mask
    if not assigned.all():
        raise SpecError(f"covariate '{name}': some patients fall in no listed cell (by {', '.join(by)})")
    if numeric:
        values = np.array([float(v) for v in known] + [np.nan])
        return values[np.where(codes >= 0, codes, len(known))]
    return Coded(codes, known)


def expand_levels(name: str, cov: dict, levels, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Columns a covariate sets besides itself: ``columns`` (fixed values per level, 0 elsewhere) and ``ranges``
    (a uniform integer within the level's range, for ``range_column``)."""
    out: dict[str, np.ndarray] = {}
    columns = cov.get("columns") or {}
    names = sorted({c for spec in columns.values() for c in (spec or {})})
    for col in names:
        values = np.zeros(levels.shape, dtype=float)
        for level, spec in columns.items():
            if spec and col in spec:
                values[matches(levels, str(level))] = spec[col]
        out[col] = values
    ranges = cov.get("ranges") or {}
    if ranges:
        target = cov.get("range_column")
        if not target:
            raise SpecError(f"covariate '{name}': 'ranges' needs 'range_column'")
        values = np.full(levels.shape, np.nan)
        for level, (lo, hi) in ranges.items():
            hit = matches(levels, str(level))
            values[hit] = rng.integers(int(lo), int(hi) + 1, size=int(hit.sum()))
        out[target] = values
    return out
