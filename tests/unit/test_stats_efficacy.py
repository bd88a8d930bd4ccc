"""Efficacy table on a hand-made dataset."""

from __future__ import annotations

import pandas as pd
import pytest
from tkicohort.stats.efficacy import efficacy_table


def test_counts_rates_and_bands():
    ds = pd.DataFrame({
        "evaluable": [1, 1, 1, 1, 1, 0],
        "bor": ["PR", "PR", "SD", "PD", "SD", "NE"],
        "dcr": [1, 1, 1, 0, 1, None],
        "orr": [1, 1, 0, 0, 0, None],
        "pfs_months": [20.0, 12.0, 5.9, 2.0, 6.0, 1.0],
    })
    t = efficacy_table(ds).set_index(["section", "item"])
    bor, rate = "best overall response", "rate"
    band, resp = "disease control duration", "objective response duration"
    # Five evaluable patients; the non-evaluable one is in no denominator.
    assert (t.loc[(bor, "PR"), "n"], t.loc[(bor, "PR"), "denominator"], t.loc[(bor, "PR"), "pct"]) == (2, 5, 40.0)
    assert (bor, "NE") not in t.index and t.loc[(bor, "CR"), "n"] == 0
    dcr = t.loc[(rate, "disease control (CR+PR+SD)")]
    assert (dcr["n"], dcr["pct"]) == (4, 80.0)
    # Clopper–Pearson for 4/5: lower = qbeta(0.025, 4, 2) = 0.2836 (R binom.test(4, 5)$conf.int).
    assert dcr["ci_low_pct"] == pytest.approx(28.35820, abs=1e-4)
    assert dcr["ci_high_pct"] == pytest.approx(99.49492, abs=1e-4)
    # Controlled patients' PFS 20, 12, 5.9, 6.0 → bands [0,6): 1, [6,12): 1, [12,18): 1, [18,∞): 1.
    assert t.loc[(band, "0 to < 6 months"), "n"] == 1 and t.loc[(band, "6 to < 12 months"), "n"] == 1
    assert t.loc[(band, "12 to < 18 months"), "n"] == 1 and t.loc[(band, "≥ 18 months"), "n"] == 1
    # Responders with PFS ≥ 12: both PRs (20 and 12 months); ≥ 18: one.
    assert t.loc[(resp, "≥ 12 months"), "n"] == 2 and t.loc[(resp, "≥ 18 months"), "n"] == 1
