"""Conditions of a reconstruction spec (populations, subsets, the patients of an adverse event), evaluated on the
columns of simulated cohorts with the project's expression language (:mod:`tkicohort.expression`: parsed and
type-checked, never executed as Python). Columns are arrays of one shape (members × patients), so one condition
selects patients in every simulated cohort at once; a categorical column held as codes is compared by its levels.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..expression import ExpressionError, evaluate_arrays

ConditionError = ExpressionError


def _typed(value) -> tuple[str, np.ndarray, np.ndarray]:
    if hasattr(value, "codes"):  # a categorical column of text levels (reconstruct.design.Coded)
        return "text", value.decoded(), ~value.known()
    data = np.asarray(value)
    if data.dtype == bool:
        return "boolean", data, np.zeros(data.shape, dtype=bool)
    if data.dtype.kind in "biuf":
        data = data.astype(float)
        return "number", data, np.isnan(data)
    missing = np.array([v is None for v in data.ravel().tolist()]).reshape(data.shape)
    return "text", data, missing


def evaluate(text: str | None, columns: Mapping[str, np.ndarray], shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Boolean array of the condition over ``columns`` (true where it holds); an empty condition selects every
    patient (``shape``, or that of the first column)."""
    if text is None or not str(text).strip():
        if shape is None:
            shape = np.shape(next(iter(columns.values())))
        return np.ones(shape, dtype=bool)
    from ..expression import parse

    needed = parse(str(text)).columns
    typed = {}
    for name in needed:
        if name in columns:
            typed[name] = _typed(columns[name])
    return evaluate_arrays(str(text), typed)
