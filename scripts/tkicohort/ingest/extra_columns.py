"""The type of an extra column of patients.csv (a column the contract does not declare), decided from its values.

Rule (the same for ingestion and for the plan check that runs before any job):

- a column is **numeric** when it has at least one non-blank value and every non-blank value, with surrounding
  white space removed, is a plain decimal number: an optional sign, digits with an optional decimal point, an
  optional exponent (``12``, ``-0.5``, ``.5``, ``1e3``), finite, and without a leading zero before another digit
  (``007`` is a code, so its column stays text); a decimal comma (``1,5``) makes the column text;
- a numeric column holds nullable integers when every value is whole, floats otherwise;
- every other column is **text**. A blank cell is missing in both.

So a plan can write ``ecog >= 1`` for an ECOG column of 0–4, and ``site == 'B'`` for a site column.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

NUMBER_PATTERN = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_numeric(levels: pd.Series) -> bool:
    """Whether a column whose distinct values (stripped strings, blank = ``""``) are ``levels`` is numeric."""
    filled = levels[levels != ""].astype(str)
    if filled.empty or not filled.str.fullmatch(NUMBER_PATTERN).all():
        return False
    return bool(np.isfinite(filled.astype(float).to_numpy()).all())


def typed_extra_column(levels: pd.Series, codes: np.ndarray):
    """The values of a column held as ``levels[codes]``: numbers when :func:`is_numeric`, else text with None for
    blank."""
    if not is_numeric(levels):
        return levels.where(levels != "", None).to_numpy(dtype=object)[codes]
    numbers = levels.where(levels != "").astype(float).to_numpy()
    values = numbers[codes]
    whole = numbers[~np.isnan(numbers)]
    if np.all(whole == np.round(whole)) and np.all(np.abs(whole) < 2**53):
        return pd.array(values, dtype="Float64").astype("Int64")
    return values
