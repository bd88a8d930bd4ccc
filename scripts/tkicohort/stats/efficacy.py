"""Efficacy (Zhujiang Table 2): best overall response counts, DCR and ORR with exact CIs, duration bands and the
duration of response.

One definition throughout: the best-response counts, DCR and ORR all come from the same best overall response —
the confirmed one (``bor_confirmed``) when the plan requires confirmation, otherwise the unconfirmed one (``bor``) —
and the table's title says which (:func:`tkicohort.stats.tables.title_for`).

Denominator: the patients of the plan's response population (``populations.response``; default the evaluable
patients). Percentages are of that denominator.

- Disease-control duration: the PFS of a patient with disease control (from day 0 to PD or death, or to censoring),
  in right-open bands [0, 6), [6, 12), [12, 18), [18, ∞) months for breaks (6, 12, 18); a censored patient's band
  is the one their follow-up has reached.
- Duration of response (DoR, RECIST 1.1): from the first assessment at which CR or PR is met (of the confirmed
  response when confirmation is required) to progression or death, censored as PFS is (``dor_days``,
  ``dor_event`` of the analysis dataset). "≥ 12 months" counts the responders whose DoR is at least 12 months
  (observed, event or censored); the median DoR is the Kaplan–Meier median among the responders (R's rule, the plan's
  CI transform), in the plan's time unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kaplan_meier import kaplan_meier
from .response import clopper_pearson

RESPONSE_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
DOR_SECTION = "duration of response (from first response)"


def efficacy_table(patients: pd.DataFrame, bor_column: str = "bor", duration_breaks_months=(6, 12, 18),
                   conf_level: float = 0.95, time_unit: str = "months", conf_type: str = "log-log") -> pd.DataFrame:
    """Tidy rows over ``patients`` (the response population): section, item, n, denominator, pct, ci_low_pct,
    ci_high_pct; the median-DoR row also has events, median, median_ci_low, median_ci_high."""
    denominator = len(patients)
    rows = []

    def add(section, item, k, with_ci=False):
        low = high = np.nan
        if with_ci:
            lo, hi = clopper_pearson(k, denominator, conf_level)
            low, high = 100 * float(lo), 100 * float(hi)
        rows.append({"section": section, "item": item, "n": int(k), "denominator": denominator,
                     "pct": 100 * k / denominator if denominator else np.nan,
                     "ci_low_pct": low, "ci_high_pct": high})

    counts = patients[bor_column].value_counts()
    for code in RESPONSE_ORDER:
        if code in ("NON-CR/NON-PD", "NE") and counts.get(code, 0) == 0:
            continue
        add("best overall response", code, counts.get(code, 0))
    add("rate", "disease control (CR+PR+SD)", int(patients["dcr"].sum()), with_ci=True)
    add("rate", "objective response (CR+PR)", int(patients["orr"].sum()), with_ci=True)

    controlled = patients[patients["dcr"] == 1]
    edges = [0, *duration_breaks_months, np.inf]
    band = pd.cut(controlled["pfs_months"], bins=edges, right=False)
    for interval, k in band.value_counts(sort=False).items():
        lo, hi = interval.left, interval.right
        label = f"≥ {lo:g} months" if np.isinf(hi) else f"{lo:g} to < {hi:g} months"
        add("disease control duration", label, int(k))

    responders = patients[patients["orr"] == 1]
    for months in duration_breaks_months:
        add(DOR_SECTION, f"≥ {months:g} months", int((responders["dor_months"] >= months).sum()))
    km = kaplan_meier(responders[f"dor_{time_unit}"], responders["dor_event"], conf_type)
    median, low, high = km.median() if km.n else (np.nan, np.nan, np.nan)
    rows.append({"section": DOR_SECTION, "item": f"median, Kaplan–Meier ({time_unit})", "n": len(responders),
                 "denominator": len(responders), "pct": np.nan, "ci_low_pct": np.nan, "ci_high_pct": np.nan,
                 "events": km.events, "median": median, "median_ci_low": low, "median_ci_high": high})
    return pd.DataFrame(rows)
