"""Multiplicity adjustment of p-values, as R's ``p.adjust`` (checked against it in tests/reference/response/).

- ``holm``: Holm's step-down, p_(i) ↦ max_{j ≤ i} min(1, (m − j + 1) p_(j)) over the ascending p-values;
- ``fdr_bh``: Benjamini–Hochberg, p_(i) ↦ min_{j ≥ i} min(1, m p_(j) / j).

Written here (a few lines) rather than imported from statsmodels so that no table job loads statsmodels: its
``multipletests`` was the only part the tables used, and the survival tables are now free of lifelines and
statsmodels altogether.
"""

from __future__ import annotations

import numpy as np

METHODS = ("holm", "fdr_bh")


def p_adjust(p, method: str) -> np.ndarray:
    """Adjusted p-values in the order given (no missing values)."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    elif method == "fdr_bh":
        adjusted = np.minimum.accumulate(np.minimum(1.0, m * ranked / rank)[::-1])[::-1]
    else:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    out = np.empty(m)
    out[order] = adjusted
    return out
