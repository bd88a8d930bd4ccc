"""One int64 key per row from several integer-coded columns, shared by every stage that compares or sorts rows
(ingestion's duplicate and lesion checks, the RECIST stage's groupings): integers are compared and sorted far faster
than tuples of strings or pandas multi-column operations at tens of millions of rows."""

from __future__ import annotations

import numpy as np

#: Products of column sizes below this fit one int64 with room for the arithmetic on it.
INT64_ROOM = 2**62


def pack(columns: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One int64 per row ordered like the tuple of ``columns`` (column k holds integers in 0 … sizes[k] − 1), so
    equal exactly when every column is equal."""
    n = len(columns[0])
    total = 1
    for s in sizes:
        total *= max(int(s), 1)
    if total < INT64_ROOM:
        key = columns[0].astype(np.int64)
        for c, s in zip(columns[1:], sizes[1:], strict=True):
            key *= max(int(s), 1)
            key += c
        return key
    # Too many combinations for one int64: number the distinct tuples instead (same order).
    order = np.lexsort(columns[::-1])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for c in columns:
            sc = c[order]
            new[1:] |= sc[1:] != sc[:-1]
    key = np.empty(n, dtype=np.int64)
    key[order] = np.cumsum(new) - 1
    return key
