"""Response rates and their comparison between subgroups.

Conventions:
- Rates are over evaluable patients (``dcr``/``orr`` not missing); a non-evaluable patient is in no denominator.
- Confidence intervals are exact Clopper–Pearson (R ``binom.test``): beta quantiles, [0, upper] when k = 0 and
  [lower, 1] when k = n.
- Fisher's exact test is two-sided and sums the probabilities of every table with the observed margins that is no
  more likely than the observed one, with R's relative tolerance of 1e-7 (``fisher.test``). 2×2 tables use SciPy;
  2×k tables (k > 2) are enumerated here, because SciPy's r×c Fisher is a randomised permutation test
  (p = 0.256 where R's exact answer is 0.2607 for [[3, 2, 1], [1, 2, 5]]).
- Pearson's χ²: ``chisq`` is uncorrected (R's ``chisq.test(correct = FALSE)``; R's own default corrects 2×2
  tables), ``chisq_corrected`` applies Yates' continuity correction, to 2×2 tables only (as R does).
- ``auto`` follows gtsummary: χ² (uncorrected) unless an expected count is below 5, then Fisher.
- Small expected counts: when χ² is used and an expected count (row total × column total / n, over the rows and
  columns that have patients) is below 5, the test's ``note`` says how many and the smallest (R's "Chi-squared
  approximation may be incorrect"); below 1 it says the approximation is unreliable and points to Fisher.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from ..derive.plan_variables import PlanError
from ..expression import select
from .multiplicity import p_adjust

#: R's fisher.test relErr: tables within this relative distance of the observed probability count as "as extreme".
FISHER_REL_ERR = 1 + 1e-7
#: Enumeration limit for 2×k Fisher tables; beyond it, use χ².
MAX_FISHER_TABLES = 5_000_000
TESTS = ("fisher", "chisq", "chisq_corrected", "auto")


def clopper_pearson(k, n, conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial confidence interval for k successes out of n (vectorised)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - conf_level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    bad = n <= 0
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def _log_choose(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def fisher_exact_2xk(table) -> float:
    """Two-sided exact p of a 2×k table (rows: outcome yes/no; columns: groups) by full enumeration."""
    t = np.asarray(table, dtype=np.int64)
    if t.shape[0] != 2:
        raise ValueError("fisher_exact_2xk expects 2 rows")
    t = t[:, t.sum(axis=0) > 0]
    if t.shape[1] < 2 or t.sum(axis=1).min() == 0:
        return 1.0
    if t.shape[1] == 2:
        return float(stats.fisher_exact(t).pvalue)
    cols = t.sum(axis=0)
    r1 = int(t[0].sum())
    n = int(cols.sum())
    free = cols[:-1]
    n_tables = int(np.prod(free + 1))
    if n_tables > MAX_FISHER_TABLES:
        raise ValueError(f"table too large for exact enumeration ({n_tables} tables); use chisq")
    grid = np.array(list(product(*[range(c + 1) for c in free])), dtype=np.int64).reshape(-1, len(free))
    last = r1 - grid.sum(axis=1)
    ok = (last >= 0) & (last <= cols[-1])
    x = np.column_stack([grid[ok], last[ok]])
    log_p = _log_choose(cols, x).sum(axis=1) - _log_choose(n, r1)
    log_obs = _log_choose(cols, t[0]).sum() - _log_choose(n, r1)
    p = np.exp(log_p)
    return float(min(1.0, p[p <= np.exp(log_obs) * FISHER_REL_ERR].sum()))


def chisq_test(table, correct: bool = False) -> tuple[float, int, float]:
    """Pearson's χ² (statistic, df, p); Yates' correction for 2×2 tables when ``correct``."""
    t = np.asarray(table, dtype=float)
    t = t[:, t.sum(axis=0) > 0]
    t = t[t.sum(axis=1) > 0]
    if min(t.shape) < 2:
        return float("nan"), 0, float("nan")
    stat, p, dof, _ = stats.chi2_contingency(t, correction=correct and t.shape == (2, 2))
    return float(stat), int(dof), float(p)


def expected_counts(table) -> np.ndarray:
    t = np.asarray(table, dtype=float)
    return np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()


def _occupied(table) -> np.ndarray:
    """The table without rows and columns that hold no patient (they take no part in either test)."""
    t = np.asarray(table, dtype=float)
    return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]


def small_expected_note(table) -> str:
    """Why a χ² p-value of ``table`` may be inaccurate (expected counts below 5, or below 1), or ''."""
    t = _occupied(table)
    if min(t.shape) < 2:
        return ""
    e = expected_counts(t)
    below5, below1 = int((e < 5).sum()), int((e < 1).sum())
    if not below5:
        return ""
    counts = f"{below5} of {e.size} expected counts below 5"
    if below1:
        return (f"χ² approximation unreliable: {counts}, {below1} below 1 (smallest {e.min():.2f}); "
                "Fisher's exact test (tests: fisher or auto) is advised")
    return f"χ² approximation may be inaccurate: {counts} (smallest {e.min():.2f})"


def compare_table(table, test: str = "fisher") -> dict:
    """p-value of a 2×k outcome-by-group table under ``test``; ``auto`` picks as gtsummary does. ``note`` says why a
    χ² p-value may be inaccurate (small expected counts), or that ``auto`` chose Fisher and why."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; expected one of {', '.join(TESTS)}")
    t = np.asarray(table, dtype=np.int64)
    used, note = test, ""
    if test == "auto":
        occupied = _occupied(t)
        small = min(occupied.shape) >= 2 and bool((expected_counts(occupied) < 5).any())
        used = "fisher" if small else "chisq"
        note = "Fisher's exact test: an expected count is below 5 (rule auto)" if small else ""
    if used == "fisher":
        return {"test": "fisher", "statistic": np.nan, "df": np.nan, "p": fisher_exact_2xk(t), "note": note}
    stat, df, p = chisq_test(t, correct=used == "chisq_corrected")
    return {"test": used, "statistic": stat, "df": df, "p": p, "note": small_expected_note(t)}


def outcome_table(outcome: pd.Series, group: pd.Series, levels: list) -> np.ndarray:
    """2×k counts: row 0 outcome = 1, row 1 outcome = 0; columns in ``levels`` order (missing values dropped)."""
    keep = outcome.notna() & group.notna()
    y = outcome[keep].astype(int).to_numpy()
    g = pd.Categorical(group[keep], categories=levels)
    yes = np.bincount(g.codes[(y == 1) & (g.codes >= 0)], minlength=len(levels))
    total = np.bincount(g.codes[g.codes >= 0], minlength=len(levels))
    return np.vstack([yes, total - yes])


def response_rate(outcome: pd.Series, conf_level: float = 0.95) -> dict:
    """n, events, percentage and exact CI of a 0/1 outcome (missing values are not in the denominator)."""
    y = outcome.dropna().astype(int)
    k, n = int(y.sum()), int(len(y))
    low, high = clopper_pearson(k, n, conf_level)
    return {"n": n, "events": k, "pct": 100 * k / n if n else np.nan,
            "ci_low_pct": 100 * float(low), "ci_high_pct": 100 * float(high)}


def check_levels(dataset: pd.DataFrame, subgroup: dict) -> None:
    """A plan's ``levels`` must name values of the variable: a list none of whose levels occurs in the analysis
    dataset is a plan error (a misspelling such as ``[f, m]`` would otherwise give empty levels and p = 1)."""
    var, levels = subgroup["variable"], subgroup.get("levels")
    values = dataset[var].dropna().unique().tolist() if var in dataset else []
    if levels and not any(lv in values for lv in levels if not isinstance(lv, bool)):
        shown = ", ".join(sorted(repr(v) for v in values)[:12]) + (", …" if len(values) > 12 else "")
        raise PlanError(f"subgroup '{var}': no level of the plan ({', '.join(repr(lv) for lv in levels)}) is a "
                         f"value of the analysis dataset's column '{var}', which holds {shown or 'no value'}")


def subgroup_levels(dataset: pd.DataFrame, subgroup: dict) -> tuple[pd.DataFrame, list]:
    """The population and the ordered levels of a plan subgroup (``population``: a condition of the plan expression
    language, :mod:`tkicohort.expression`)."""
    check_levels(dataset, subgroup)
    frame = select(dataset, subgroup.get("population"))
    levels = subgroup.get("levels") or sorted(frame[subgroup["variable"]].dropna().unique().tolist())
    return frame, list(levels)


def response_by_subgroup(dataset: pd.DataFrame, subgroups: list[dict], outcomes=("dcr", "orr"),
                         test: str = "fisher") -> pd.DataFrame:
    """One row per subgroup level: n, events and % for each outcome, and the test's p per subgroup (on its first
    row and repeated on the others), with Holm and Benjamini–Hochberg adjustments across subgroups."""
    rows = []
    for sg in subgroups:
        var = sg["variable"]
        frame, levels = subgroup_levels(dataset, sg)
        labels = sg.get("labels") or {}
        result = {}
        for out in outcomes:
            table = outcome_table(frame[out], frame[var], levels)
            result[out] = (table, compare_table(table, test))
        for j, level in enumerate(levels):
            row = {"subgroup": sg.get("label", var), "variable": var, "level": level,
                   "label": labels.get(level, str(level))}
            for out in outcomes:
                table, res = result[out]
                n = int(table[:, j].sum())
                row[f"n_{out}"] = n
                row[f"{out}_events"] = int(table[0, j])
                row[f"{out}_pct"] = 100 * table[0, j] / n if n else np.nan
                row[f"{out}_p"] = res["p"]
                row[f"{out}_test"] = res["test"]
                row[f"{out}_note"] = res["note"]
            rows.append(row)
    out_frame = pd.DataFrame(rows)
    for out in outcomes:
        col = f"{out}_p"
        out_frame[f"{out}_p_holm"] = adjust_per_subgroup(out_frame, col, "holm")
        out_frame[f"{out}_p_bh"] = adjust_per_subgroup(out_frame, col, "fdr_bh")
    return out_frame


def adjust_per_subgroup(frame: pd.DataFrame, p_col: str, method: str) -> pd.Series:
    """Adjust one p per subgroup (not per row) across the subgroups of a table; repeat it on each level."""
    first = frame.drop_duplicates("subgroup")
    p = first[p_col].to_numpy(dtype=float)
    adjusted = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        adjusted[ok] = p_adjust(p[ok], method)
    return frame["subgroup"].map(dict(zip(first["subgroup"], adjusted, strict=True)))
