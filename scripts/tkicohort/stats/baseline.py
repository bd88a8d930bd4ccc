"""Baseline characteristics (Table 1): summaries per arm and a test per variable for two arms.

Conventions:
- Continuous: n, mean, SD (n − 1 denominator), median, minimum, maximum, quartiles (R type 7, as ``quantile``).
- Categorical: count and percentage of the non-missing values of each level; missing counted separately.
- Tests (two arms), named in the plan: ``t_test`` (Student's test with pooled variance: R
  ``t.test(var.equal = TRUE)``; R's default is Welch's), ``welch`` (Welch's unequal-variance test: R ``t.test``
  default), ``mann_whitney`` (R ``wilcox.test``: exact when both arms have < 50 values and there are no ties,
  otherwise the normal approximation with tie and continuity correction; the plan's ``tests.mann_whitney`` chooses
  ``exact`` or ``asymptotic`` instead, here and in the QoL and PFS-times tests), ``chisq`` (Pearson's χ² without
  continuity correction: R ``chisq.test(correct = FALSE)``; R's default corrects 2×2 tables), ``chisq_corrected``
  (with Yates' correction, 2×2 tables only), ``fisher`` and ``auto`` (gtsummary's rule: χ², Fisher when an expected
  count is < 5). ``test_note`` says when a χ² p-value rests on expected counts below 5 (or below 1); see
  :func:`tkicohort.stats.response.small_expected_note`; ``test_method`` how a Mann–Whitney p was computed (exact or
  the normal approximation).
- ``missing`` counts the patients of the arm without a value (printed as an "Unknown" row); the arm's size is
  ``n + missing`` of a continuous row and ``denominator + missing`` of a categorical one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .response import compare_table

CONTINUOUS_TESTS = ("t_test", "welch", "mann_whitney")
CATEGORICAL_TESTS = ("chisq", "chisq_corrected", "fisher", "auto")


def continuous_summary(x: pd.Series) -> dict:
    v = pd.to_numeric(x, errors="coerce").dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return {"n": 0, "missing": int(len(x)), **dict.fromkeys(
            ("mean", "sd", "median", "min", "max", "q1", "q3"), np.nan)}
    return {
        "n": int(len(v)), "missing": int(len(x) - len(v)), "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if len(v) > 1 else np.nan, "median": float(np.median(v)),
        "min": float(v.min()), "max": float(v.max()),
        "q1": float(np.quantile(v, 0.25)), "q3": float(np.quantile(v, 0.75)),
    }


def mann_whitney(a, b, method: str = "auto") -> dict:
    """Two-sided Wilcoxon rank-sum / Mann–Whitney test. ``method``: ``auto`` = R's choice (exact without ties and
    both groups < 50, otherwise the normal approximation with tie and continuity correction); ``asymptotic`` = always
    that approximation; ``exact`` = the exact conditional distribution of the rank sum given the observed ties
    (:func:`exact_rank_sum_p`, as R's ``coin::wilcox_test(distribution = "exact")``)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return {"test": "mann_whitney", "statistic": np.nan, "p": np.nan, "method": "not estimable"}
    ties = len(np.unique(np.concatenate([a, b]))) < len(a) + len(b)
    if method == "exact" and ties:
        u = float(stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic)
        return {"test": "mann_whitney", "statistic": u, "p": exact_rank_sum_p(a, b),
                "method": "exact conditional (ties)"}
    exact = method == "exact" or (method == "auto" and len(a) < 50 and len(b) < 50 and not ties)
    res = stats.mannwhitneyu(a, b, alternative="two-sided", method="exact" if exact else "asymptotic",
                             use_continuity=True)
    return {"test": "mann_whitney", "statistic": float(res.statistic), "p": float(res.pvalue),
            "method": "exact" if exact else "normal approximation with continuity correction"}


def exact_rank_sum_p(a: np.ndarray, b: np.ndarray) -> float:
    """Exact two-sided p of the rank-sum test given the observed ties: P(|W − E W| ≥ |w − E W|) over all ways of
    choosing len(a) of the pooled mid-ranks. Written by hand because scipy's exact method ignores ties: doubled
    mid-ranks are integers, and the number of subsets per (size, rank sum) is counted by dynamic programming
    (exact in float64 while the number of subsets stays below 2**53, i.e. up to about 55 patients)."""
    pooled = np.concatenate([a, b])
    ranks2 = np.rint(2 * stats.rankdata(pooled)).astype(int)  # doubled mid-ranks
    n1, total = len(a), int(ranks2.sum())
    counts = np.zeros((n1 + 1, total + 1))
    counts[0, 0] = 1.0
    for r in ranks2:  # add one observation at a time; sizes from the top so each is used once
        counts[1:, r:] += counts[:-1, : total + 1 - r].copy()
    dist = counts[n1]
    sums = np.arange(total + 1)
    expected = n1 * total / len(pooled)
    observed = abs(int(ranks2[:n1].sum()) - expected)
    extreme = np.abs(sums - expected) >= observed - 1e-9
    return float(dist[extreme].sum() / dist.sum())


def t_test(a, b, equal_var: bool) -> dict:
    a = pd.Series(a, dtype=float).dropna()
    b = pd.Series(b, dtype=float).dropna()
    if len(a) < 2 or len(b) < 2:
        return {"test": "t_test" if equal_var else "welch", "statistic": np.nan, "p": np.nan}
    res = stats.ttest_ind(a, b, equal_var=equal_var)
    return {"test": "t_test" if equal_var else "welch", "statistic": float(res.statistic), "p": float(res.pvalue)}


def compare_continuous(a, b, test: str, mann_whitney_method: str = "auto") -> dict:
    if test == "mann_whitney":
        return mann_whitney(a, b, method=mann_whitney_method)
    if test in ("t_test", "welch"):
        return t_test(a, b, equal_var=test == "t_test")
    raise ValueError(f"unknown test {test!r} for a continuous variable; expected one of {CONTINUOUS_TESTS}")


def compare_categorical(x: pd.Series, arm: pd.Series, arms: list, levels: list, test: str) -> dict:
    """Levels × arms table; ``compare_table`` takes a 2×k table, so binary variables (the common case) and
    r×2 tables transposed to 2×r both work."""
    keep = x.notna() & arm.isin(arms)
    table = pd.crosstab(pd.Categorical(x[keep], categories=levels), pd.Categorical(arm[keep], categories=arms),
                        dropna=False).to_numpy()
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2:
        return {"test": test, "statistic": np.nan, "p": np.nan, "note": "fewer than two levels observed"}
    two_by_k = table.T if table.shape[1] == 2 else table
    if two_by_k.shape[0] != 2:
        raise ValueError("categorical tests compare two arms")
    res = compare_table(two_by_k, test)
    return {"test": res["test"], "statistic": res["statistic"], "p": res["p"], "note": res["note"]}


def baseline_table(dataset: pd.DataFrame, variables: list[dict], arm: str | None = None,
                   arms: list | None = None, mann_whitney_method: str = "auto") -> pd.DataFrame:
    """Tidy Table 1: one row per (variable, level, arm) — arm ``all`` for a single arm — with the summary
    statistics, and the test of each variable (two arms) repeated on its rows.

    ``variables``: plan entries ``{variable, label?, type: continuous|categorical, levels?, labels?, test?}``.
    ``mann_whitney_method``: the plan's ``tests.mann_whitney`` (see :func:`mann_whitney`).
    """
    groups = [("all", dataset)] if not arm else [(a, dataset[dataset[arm] == a]) for a in arms]
    rows = []
    for spec in variables:
        var = spec["variable"]
        label = spec.get("label", var)
        kind = spec.get("type") or ("continuous" if pd.api.types.is_float_dtype(dataset[var]) else "categorical")
        test = None
        if arm and spec.get("test"):
            if kind == "continuous":
                test = compare_continuous(*(g[var] for _, g in groups), spec["test"], mann_whitney_method)
            else:
                levels = spec.get("levels") or sorted(dataset[var].dropna().unique().tolist())
                test = compare_categorical(dataset[var], dataset[arm], arms, levels, spec["test"])
        test_cols = {"test": test["test"] if test else None, "statistic": test["statistic"] if test else np.nan,
                     "p": test["p"] if test else np.nan, "test_note": (test or {}).get("note", ""),
                     "test_method": (test or {}).get("method")}
        for name, g in groups:
            if kind == "continuous":
                rows.append({"variable": var, "label": label, "level": None, "level_label": None, "arm": name,
                             **continuous_summary(g[var]), **test_cols})
            else:
                levels = spec.get("levels") or sorted(dataset[var].dropna().unique().tolist())
                labels = spec.get("labels") or {}
                denominator = int(g[var].notna().sum())
                for level in levels:
                    k = int((g[var] == level).sum())
                    rows.append({"variable": var, "label": label, "level": level,
                                 "level_label": labels.get(level, str(level)), "arm": name, "n": k,
                                 "denominator": denominator, "pct": 100 * k / denominator if denominator else np.nan,
                                 "missing": int(g[var].isna().sum()), **test_cols})
    return pd.DataFrame(rows)
