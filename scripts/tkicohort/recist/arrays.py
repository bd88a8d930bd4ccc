"""Array helpers of the RECIST stage: integer codes for string columns, one int64 key per row for sorting and
grouping, and per-group operations on sorted keys.

The RECIST rules are group operations (per lesion and day, per patient and day, per patient) over tens of millions of
rows. Instead of pandas ``groupby``/``merge`` on object (string) columns, every key column becomes integer codes, the
columns of a key are packed into one int64 (:func:`tkicohort.packing.pack`), rows are sorted by it (skipped when they already are: the usual layout of
a cohort file is patient by patient, day by day), and a group is a run of equal keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..packing import INT64_ROOM


def codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """int32 codes (−1 = missing) into the distinct values (object array), in order of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return (values.cat.codes.to_numpy().astype(np.int32),
                np.asarray(values.cat.categories, dtype=object))
    c, uniques = pd.factorize(values)
    return c.astype(np.int32, copy=False), np.asarray(uniques, dtype=object)


def level_mask(uniques: np.ndarray, wanted) -> np.ndarray:
    """Per code (and one more entry for −1 = missing, always False): is the level one of ``wanted``?"""
    return np.append(pd.Series(uniques, dtype=object).isin(list(wanted)).to_numpy(dtype=bool), False)


def patient_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """int32 codes numbering the patients in the sorted order of their ids, and the sorted ids (code → id).

    A patient's rows usually come together, so only the first row of each run of equal ids is hashed."""
    values = ids.to_numpy()
    n = len(values)
    if n > 1 and values.dtype == object:
        try:
            new_run = np.empty(n, dtype=bool)
            new_run[0] = True
            new_run[1:] = values[1:] != values[:-1]
        except (TypeError, ValueError):  # e.g. pd.NA, whose comparisons are not booleans
            new_run = None
        if new_run is not None:
            starts = np.flatnonzero(new_run)
            c, uniques = pd.factorize(values[starts], sort=True)
            return (np.repeat(c.astype(np.int32), np.diff(np.append(starts, n))),
                    np.asarray(uniques, dtype=object))
    c, uniques = pd.factorize(values, sort=True)
    return c.astype(np.int32, copy=False), np.asarray(uniques, dtype=object)


def dense_days(day: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Days as 0-based integers preserving order, their number, and the day of each integer."""
    if len(day) == 0:
        return np.zeros(0, dtype=np.int64), 1, np.zeros(1, dtype=np.int64)
    lo, hi = int(day.min()), int(day.max())
    if hi - lo < 1 << 20:
        return day - lo, hi - lo + 1, np.arange(lo, hi + 1, dtype=np.int64)
    values, inverse = np.unique(day, return_inverse=True)
    return inverse.astype(np.int64), len(values), values.astype(np.int64)


def sort_order(key: np.ndarray) -> np.ndarray | None:
    """A stable sorting permutation of ``key``, or None when ``key`` is sorted already."""
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return None
    return np.argsort(key, kind="stable")


def run_starts(sorted_key: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values starts in a sorted array."""
    if len(sorted_key) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(len(sorted_key), dtype=bool)
    new[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    return np.flatnonzero(new)


def run_ends(sorted_key: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values ends (its last element) in a sorted array."""
    starts = run_starts(sorted_key)
    return np.append(starts[1:] - 1, len(sorted_key) - 1) if len(starts) else starts


def run_ids(sorted_key: np.ndarray) -> np.ndarray:
    """0-based number of each row's run of equal values in a sorted array."""
    if len(sorted_key) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(len(sorted_key), dtype=np.int64)
    new[0] = 0
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:], casting="unsafe")
    return np.cumsum(new, out=new)


def positions(sorted_queries: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``np.searchsorted(table, sorted_queries)``, searching each run of equal queries once."""
    starts = run_starts(sorted_queries)
    found = np.searchsorted(table, sorted_queries[starts])
    return np.repeat(found, np.diff(np.append(starts, len(sorted_queries))))


def lookup(queries: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query: is it in the sorted unique ``table``, and its position there (0 where it is not)."""
    if len(table) == 0:
        return np.zeros(len(queries), dtype=bool), np.zeros(len(queries), dtype=np.int64)
    pos = np.searchsorted(table, queries)
    np.minimum(pos, len(table) - 1, out=pos)
    return table[pos] == queries, pos


def segment_cummin(values: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Running minimum of int64 ``values`` restarting at each new ``segment`` (segment ids sorted).

    One ``np.minimum.accumulate`` over values lifted by a per-segment offset that makes every later segment lie
    below every earlier one, so the running minimum restarts at each segment start."""
    if len(values) == 0:
        return values.copy()
    seg = run_ids(segment)
    n_seg = int(seg[-1]) + 1
    lo = int(values.min())
    span = int(values.max()) - lo + 1
    if n_seg * span >= INT64_ROOM:
        return pd.Series(values).groupby(seg, sort=False).cummin().to_numpy(dtype=np.int64)
    offset = (n_seg - 1 - seg) * span
    lifted = values - lo
    lifted += offset
    out = np.minimum.accumulate(lifted)
    out -= offset
    out += lo
    return out
