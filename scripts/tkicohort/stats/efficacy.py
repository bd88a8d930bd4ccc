"""Efficacy (Zhujiang Table 2): best overall response counts, DCR and ORR with exact CIs, duration bands.

Denominator: evaluable patients (``evaluable == 1``). Percentages are of that denominator. The duration of disease
control of a patient with DCR is their PFS (from day 0 to PD or death, or to censoring): a censored patient's band
is the band their follow-up has reached, so "≥ 18 months" means controlled for at least 18 months when last seen.
Bands are right-open: [0, 6), [6, 12), [12, 18), [18, ∞) months for breaks (6, 12, 18).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .response import clopper_pearson

RESPONSE_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")


def efficacy_table(dataset: pd.DataFrame, bor_column: str = "bor", duration_breaks_months=(6, 12, 18),
                   conf_level: float = 0.95) -> pd.DataFrame:
    """Tidy rows: section, item, n, denominator, pct, ci_low_pct, ci_high_pct."""
    ev = dataset[dataset["evaluable"] == 1]
    denominator = len(ev)
    rows = []

    def add(section, item, k, with_ci=False):
        low = high = np.nan
        if with_ci:
            lo, hi = clopper_pearson(k, denominator, conf_level)
            low, high = 100 * float(lo), 100 * float(hi)
        rows.append({"section": section, "item": item, "n": int(k), "denominator": denominator,
                     "pct": 100 * k / denominator if denominator else np.nan,
                     "ci_low_pct": low, "ci_high_pct": high})

    counts = ev[bor_column].value_counts()
    for code in RESPONSE_ORDER:
        if code in ("NON-CR/NON-PD", "NE") and counts.get(code, 0) == 0:
            continue
        add("best overall response", code, counts.get(code, 0))
    add("rate", "disease control (CR+PR+SD)", int(ev["dcr"].sum()), with_ci=True)
    add("rate", "objective response (CR+PR)", int(ev["orr"].sum()), with_ci=True)

    controlled = ev[ev["dcr"] == 1]
    edges = [0, *duration_breaks_months, np.inf]
    band = pd.cut(controlled["pfs_months"], bins=edges, right=False)
    for interval, k in band.value_counts(sort=False).items():
        lo, hi = interval.left, interval.right
        label = f"≥ {lo:g} months" if np.isinf(hi) else f"{lo:g} to < {hi:g} months"
        add("disease control duration", label, int(k))
    for months in duration_breaks_months[1:]:
        responders = ev[(ev["orr"] == 1) & (ev["pfs_months"] >= months)]
        add("objective response duration", f"≥ {months:g} months", len(responders))
    return pd.DataFrame(rows)
