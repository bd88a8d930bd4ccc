"""Row keys for the checks that compare rows (duplicate keys, one type per lesion): integer codes per column,
packed into one int64 per row by :func:`tkicohort.packing.pack`, so that the comparisons run on integers instead of
Python strings or pandas multi-column ``duplicated``/``drop_duplicates`` (which at 32 million rows cost seconds
each; measured in ``benchmarks/bench_ingest_recist_derive.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .read import RawColumn


def value_codes(rc: RawColumn, typed: pd.Series | None = None) -> tuple[np.ndarray, int]:
    """Per row, a code shared exactly by the rows with equal values, and the number of codes.

    Without ``typed`` the (stripped) text is compared: the column's level codes. With ``typed`` (a numeric column
    after type checks) the typed values are compared, so that ``7`` and ``07`` are equal and every cell that failed
    its check (missing) shares one code. Levels map to typed values one to one, so one row per level stands for it.
    """
    if typed is None:
        return rc.codes, len(rc.levels)
    n_levels = len(rc.levels)
    representative = np.zeros(n_levels, dtype=np.int64)
    representative[rc.codes] = np.arange(len(rc.codes))
    level_values = typed.to_numpy(dtype="float64", na_value=np.nan)[representative]
    groups, uniques = pd.factorize(level_values, use_na_sentinel=False)
    return groups.astype(np.int64)[rc.codes], max(len(uniques), 1)


def duplicated(key: np.ndarray) -> np.ndarray:
    """Rows whose key appeared on an earlier row.

    A file sorted by its key (the usual layout: patient by patient, day by day) is settled by comparing neighbours;
    keys from a small range by counting (no key twice: nothing to report); otherwise a hash table decides.
    """
    if len(key) < 2:
        return np.zeros(len(key), dtype=bool)
    step = np.diff(key)
    if (step >= 0).all():
        return np.concatenate(([False], step == 0))
    del step
    if key.min() >= 0 and key.max() < max(4 * len(key), 1 << 20) and np.bincount(key).max() <= 1:
        return np.zeros(len(key), dtype=bool)
    return pd.Series(key).duplicated(keep="first").to_numpy()


def first_row(key: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``, the first row with the same key."""
    wanted = np.unique(key[rows])
    candidates = np.flatnonzero(np.isin(key, wanted))
    firsts = pd.Series(candidates).groupby(key[candidates], sort=False).first()
    return firsts.reindex(key[rows]).to_numpy(dtype=np.int64)


def dense(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Keys renumbered 0 … n − 1 when their range is larger than the number of rows (for bincount-sized arrays)."""
    if len(key) == 0:
        return key.astype(np.int64), 0
    hi = int(key.max())
    if hi < max(4 * len(key), 1 << 20):
        return key.astype(np.int64, copy=False), hi + 1
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)
