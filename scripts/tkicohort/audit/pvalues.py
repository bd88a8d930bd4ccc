"""P-values: recomputed from the counts or summaries printed beside them, and never printed as zero."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product

import numpy as np
from scipy import stats

from tkicohort.stats.response import chisq_test, fisher_exact_2xk

from .common import (
    _SUFFIX,
    Publication,
    _aggregate_ok,
    _fmt,
    _implied_count,
    _row,
    number,
    rate_groups,
    rounded,
    unit_of,
    whole_counts,
)

#: The tests a p-value is recomputed under, by key.
TEST_LABELS = {
    "fisher": "Fisher exact (two-sided)",
    "pearson": "Pearson chi-square",
    "yates": "Pearson chi-square with Yates' continuity correction",
    "mann_whitney": "Mann-Whitney U (normal approximation, tie-corrected)",
    "mann_whitney_cc": "Mann-Whitney U (normal approximation, tie- and continuity-corrected)",
    "student": "Student t (pooled variance)",
    "welch": "Welch t",
}
_COMPARED = ("n", "percent", "mean", "sd", "median", "range_min", "range_max", "km_mean")


def _p_interval(entry: dict) -> tuple[float, float]:
    """The p-values that print as the entry's value: [lo, hi)."""
    v, half = float(number(entry)), float(unit_of(entry["precision"])) / 2
    if entry["value"].startswith("<"):
        return 0.0, v
    if entry["value"].startswith(">"):
        return v, 1.0 + 1e-12
    return max(0.0, v - half), v + half


def _p_matches(entry: dict, lo: float, hi: float | None = None) -> bool:
    """Does a recomputed p (or every p of the interval [lo, hi]) include one that prints as the entry?"""
    hi = lo if hi is None else hi
    a, b = _p_interval(entry)
    if np.isnan(lo):
        return False
    # half-up printing: [a, b) prints as the value; a small tolerance absorbs binary floating point
    return lo < b - 1e-12 and hi >= a - 1e-12


@dataclass
class Comparison:
    """What a p-value compares, rebuilt from the numbers printed beside it."""

    kind: str  # counts | summaries | medians | survival | none
    table: np.ndarray | None = None  # counts: levels × groups
    groups: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    summaries: dict | None = None  # group -> (mean entry, sd entry, n)
    entries: list[dict] = field(default_factory=list)
    note: str = ""


def _named_tests(text: str | None) -> set[str]:
    """Keys of :data:`TEST_LABELS` a test name stands for (``chi-square`` is either Pearson variant)."""
    if not text:
        return set()
    t = text.lower()
    if "fisher" in t:
        return {"fisher"}
    if "chi" in t:
        if "yates" in t or ("continuity" in t and "no continuity" not in t):
            return {"yates"}
        return {"pearson"} if "no continuity" in t else {"pearson", "yates"}
    if "mann" in t or "wilcoxon" in t:
        return {"mann_whitney", "mann_whitney_cc"}
    if "welch" in t:
        return {"welch"}
    if "student" in t or re.search(r"\bt[- ]test\b", t):
        return {"student", "welch"} if "student" not in t else {"student"}
    return {t}  # not recomputable here (log-rank, Cox, ...)


def comparison_of(pub: Publication, p: dict) -> Comparison:
    """Rebuild what ``p`` compares: the arms' counts or summaries printed beside it (see the package docstring)."""
    for g in rate_groups(pub):
        if g.p["id"] == p["id"]:
            sizes, counts, entries = [], [], []
            for _, rate, size_entry in g.levels:
                if size_entry is None:
                    return Comparison("none", note="the size of a level is not printed")
                size = int(number(size_entry))
                ks = _implied_count(rate, size)
                if len(ks) != 1:
                    return Comparison("none", note=f"{rate['id']} is not one whole count of {size}")
                sizes.append(size)
                counts.append(ks[0])
                entries += [rate, size_entry]
            table = np.array([counts, [s - k for s, k in zip(sizes, counts, strict=True)]])
            return Comparison("counts", table=table, groups=tuple(lv for lv, _, _ in g.levels),
                              levels=(g.endpoint, f"no {g.endpoint}"), entries=entries,
                              note="counts implied by the rates and the levels' sizes")
    stem_ = p["id"][:-2] if p["id"].endswith("_p") else p["id"]
    sibs = [e for e in pub.numbers if e["id"].startswith(stem_ + "_") and e["table"] == p["table"]
            and e["statistic"] in _COMPARED]
    if not sibs:
        return Comparison("none", note="no counts or summaries are printed beside it")
    pops = list(dict.fromkeys(e["population"] for e in sibs))
    arms = [pop for pop in pops if pop != p["population"]]
    if len(arms) >= 2:  # numbers of the pooled population (e.g. a count over both arms) are not compared
        sibs = [e for e in sibs if e["population"] in arms]
        pops = arms
    if len(pops) < 2:
        kind = "survival" if any(e["statistic"] == "km_mean" for e in sibs) else "none"
        return Comparison(kind, entries=sibs, note="the groups' sizes and survival summaries are printed, not "
                          "their event times" if kind == "survival" else "only the groups' sizes are printed")

    def level_of(e):
        rest = e["id"][len(stem_) + 1:]
        rest = rest.removesuffix(_SUFFIX.get(e["statistic"], ""))
        return rest.removesuffix(e["population"]).strip("_") if rest.endswith(e["population"]) else rest

    cells: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for e in sibs:
        cells[(level_of(e), e["population"])][e["statistic"]] = e
    levels = list(dict.fromkeys(level for level, _ in cells))
    sizes = {pop: pub.size({"population": pop}) for pop in pops}
    if any(st in c for c in cells.values() for st in ("n", "percent")):
        table = np.zeros((len(levels), len(pops)), dtype=int)
        entries = []
        for (level, pop), c in cells.items():
            if "n" in c:
                k = int(number(c["n"]))
                entries.append(c["n"])
            elif "percent" in c and sizes[pop]:
                ks = whole_counts(number(c["percent"]), sizes[pop], c["percent"]["precision"])
                if len(ks) != 1:
                    return Comparison("none", note=f"{c['percent']['id']} is not one whole count of {sizes[pop]}")
                k = ks[0]
                entries.append(c["percent"])
            else:
                return Comparison("none", note=f"no count for level '{level}' of {pop}")
            table[levels.index(level), pops.index(pop)] = k
        note = "counts as printed"
        if len(levels) == 1:
            table = np.vstack([table, [sizes[pop] - table[0, j] for j, pop in enumerate(pops)]])
            levels = [levels[0] or "yes", "no"]
            note = "counts as printed and their complements in each arm"
        elif any(table[:, j].sum() != sizes[pop] for j, pop in enumerate(pops)):
            note = "counts as printed; the levels do not cover every patient of an arm"
        return Comparison("counts", table=table, groups=tuple(pops), levels=tuple(levels), entries=entries,
                          note=note)
    has_mean_sd = all({"mean", "sd"} <= set(cells.get((lv, pop), {})) for lv in levels for pop in pops)
    if has_mean_sd and len(levels) == 1 and len(pops) == 2:
        summaries = {pop: (cells[(levels[0], pop)]["mean"], cells[(levels[0], pop)]["sd"], sizes[pop])
                     for pop in pops}
        entries = [x for pop in pops for x in summaries[pop][:2]]
        return Comparison("summaries", groups=tuple(pops), summaries=summaries, entries=entries,
                          note="means and SDs as printed, group sizes from the populations")
    return Comparison("medians", groups=tuple(pops), entries=sibs,
                      note="only medians and ranges are printed")


def _t_test_range(summaries: dict, equal_var: bool) -> tuple[float, float, float]:
    """Smallest and largest two-sided t-test p over the rounding intervals of the printed means and SDs, and the
    p at the printed values."""
    (m1, s1, n1), (m2, s2, n2) = summaries.values()
    corners = []
    for dm1, ds1, dm2, ds2 in product((-1, 1), repeat=4):
        a = [float(number(m1)) + dm1 * float(unit_of(m1["precision"])) / 2,
             max(float(number(s1)) + ds1 * float(unit_of(s1["precision"])) / 2, 1e-9),
             float(number(m2)) + dm2 * float(unit_of(m2["precision"])) / 2,
             max(float(number(s2)) + ds2 * float(unit_of(s2["precision"])) / 2, 1e-9)]
        corners.append(stats.ttest_ind_from_stats(a[0], a[1], n1, a[2], a[3], n2, equal_var=equal_var).pvalue)
    centre = stats.ttest_ind_from_stats(float(number(m1)), float(number(s1)), n1, float(number(m2)),
                                        float(number(s2)), n2, equal_var=equal_var).pvalue
    return float(min(corners + [centre])), float(max(corners + [centre])), float(centre)


def _mann_whitney_from_counts(table: np.ndarray, continuity: bool) -> float:
    """Two-sided asymptotic Mann–Whitney U of two groups (columns) over ordered levels (rows, in printed order)."""
    scores = np.arange(table.shape[0], 0, -1)
    x = np.repeat(scores, table[:, 0])
    y = np.repeat(scores, table[:, 1])
    if len(np.unique(np.concatenate([x, y]))) < 2:
        return 1.0
    return float(stats.mannwhitneyu(x, y, use_continuity=continuity, method="asymptotic").pvalue)


def recompute_p(comparison: Comparison, named: set[str]) -> dict[str, tuple[float, float, float]]:
    """p under every test that can be recomputed from the comparison: (lowest, highest, at the printed values).

    Counts: Fisher exact (two-sided; r×2 and 2×c tables by full enumeration), Pearson χ² without and (2×2 only)
    with Yates' correction, and, when the publication names it, Mann–Whitney U over the printed order of the levels.
    Means and SDs: Student and Welch t over the rounding intervals of the printed values. Medians, ranges and
    survival summaries: nothing (Mann–Whitney and log-rank need the observations).
    """
    out: dict[str, tuple[float, float, float]] = {}
    if comparison.kind == "counts":
        t = comparison.table
        if 2 in t.shape:
            p = fisher_exact_2xk(t if t.shape[0] == 2 else t.T)
            out["fisher"] = (p, p, p)
        _, _, p = chisq_test(t, correct=False)
        out["pearson"] = (p, p, p)
        if t.shape == (2, 2):
            _, _, p = chisq_test(t, correct=True)
            out["yates"] = (p, p, p)
        if named & {"mann_whitney", "mann_whitney_cc"} and t.shape[1] == 2:
            for key, cc in (("mann_whitney", False), ("mann_whitney_cc", True)):
                p = _mann_whitney_from_counts(t, cc)
                out[key] = (p, p, p)
    elif comparison.kind == "summaries":
        out["student"] = _t_test_range(comparison.summaries, equal_var=True)
        out["welch"] = _t_test_range(comparison.summaries, equal_var=False)
    return {k: v for k, v in out.items() if not np.isnan(v[0])}


def _p_text(key: str, result: tuple[float, float, float]) -> str:
    lo, hi, point = result
    spread = "" if abs(hi - lo) < 5e-5 else f" ({_fmt(lo)}–{_fmt(hi)} over the printed values' rounding)"
    return f"{TEST_LABELS[key]} {_fmt(point)}{spread}"


def _at_precision(p: float, precision: int) -> str:
    return str(rounded(Decimal(repr(p)), precision))


def check_p_values(pub: Publication) -> list[dict]:
    """Every p-value recomputed from the counts or summaries printed beside it, under the test the publication
    names and under the usual alternatives; which of them reproduces the printed value at its precision.

    A recomputed p reproduces a printed one when it prints the same after rounding half up (``0.000``: below
    0.0005; ``<0.001``: below 0.001); for t tests any p over the rounding intervals of the printed means and SDs
    counts. Severity: the named test reproduces it, or no test is named and one reproduces it → ok; the named
    test does not but another one does → minor (the test is misnamed); none does → minor when the named test's p
    is on the same side of 0.05 as the printed one, major when not; nothing can be recomputed (medians and ranges,
    survival summaries, or no counts printed beside the p) → info, saying why. When no test is named and only rank
    tests could fit summaries, a non-reproduction is info too (a rank test cannot be rebuilt from mean ± SD).
    """
    rows = []
    for p in pub.numbers:
        if p["statistic"] != "p_value":
            continue
        named = _named_tests(p.get("test"))
        inferred = _named_tests(p.get("test_inferred"))
        comp = comparison_of(pub, p)
        results = recompute_p(comp, named | inferred)
        entries = [p] + comp.entries
        declared = f"test named: {p['test']}" if p.get("test") else "no test named"
        if p.get("test_inferred"):
            declared += f" (file infers: {p['test_inferred']})"
        if not results:
            why = {"medians": "Mann-Whitney U and other rank tests cannot be recomputed from medians and ranges",
                   "survival": "a log-rank test cannot be recomputed from group sizes and Kaplan-Meier summaries",
                   }.get(comp.kind, f"not recomputed: {comp.note}")
            rows.append(_row("p_value_recomputed", entries, p["value"], "info", f"{declared}; {why}"))
            continue
        reproducing = [k for k, (lo, hi, _) in results.items() if _p_matches(p, lo, hi)]
        computed = "; ".join(_p_text(k, v) for k, v in results.items())
        base = f"{declared}; {comp.note}: {_table_text(comp)}; {computed}"
        named_here = named & set(results)
        printed_sig = _p_interval(p)[1] <= 0.05 + 1e-12
        if (named_here & set(reproducing)) or (not named and reproducing):
            which = ", ".join(TEST_LABELS[k] for k in reproducing)
            rows.append(_row("p_value_recomputed", entries, p["value"], "ok", f"{base}; reproduced by {which}"))
        elif reproducing:
            which = ", ".join(TEST_LABELS[k] for k in reproducing)
            stated = (f"the named test gives {' and '.join(_p_text(k, results[k]) for k in sorted(named_here))}"
                      if named_here else f"the named test ({p['test']}) cannot be recomputed")
            severity = "minor" if named_here else "info"
            rows.append(_row("p_value_recomputed", entries, p["value"], severity,
                             f"{base}; {stated}; reproduced by {which}",
                             "" if severity == "info" else f"{p['value']} ({TEST_LABELS[reproducing[0]]})",
                             culprits=[p]))
        else:
            basis = named_here or set(results)
            flips = all((results[k][1] < 0.05) != printed_sig and (results[k][0] < 0.05) != printed_sig
                        for k in basis)
            if named and not named_here:
                severity = "info"
                tail = f"the named test ({p['test']}) cannot be recomputed; the others do not reproduce it"
            elif not named and comp.kind == "summaries":
                severity = "info"
                tail = ("no test reproduces it; a rank test, which cannot be recomputed from mean ± SD, "
                        "may have been used")
            else:
                severity = "major" if flips else "minor"
                tail = ("no test reproduces it" + ("; the recomputed p is on the other side of 0.05" if flips
                                                   else "; the conclusion at 0.05 is the same"))
            key = sorted(basis)[0]
            alt = "" if severity == "info" else f"{_at_precision(results[key][2], p['precision'])} ({TEST_LABELS[key]})"
            rows.append(_row("p_value_recomputed", entries, p["value"], severity, f"{base}; {tail}", alt,
                             culprits=[p]))
    return rows


def _table_text(comp: Comparison) -> str:
    if comp.kind == "counts":
        cols = [f"{g}: " + "/".join(str(int(x)) for x in comp.table[:, j]) for j, g in enumerate(comp.groups)]
        return f"[{'; '.join(cols)}] ({'/'.join(comp.levels)})"
    if comp.kind == "summaries":
        return "; ".join(f"{g}: {m['value']} ± {s['value']} (n = {n})" for g, (m, s, n) in comp.summaries.items())
    return ""


def check_p_printed_as_zero(pub: Publication) -> list[dict]:
    """A p-value is never 0: one that rounds to zero must be printed as below the last place (``< 0.001``).

    Rule: a p printed as 0, 0.0, 0.00, 0.000 ... without ``<`` → minor, with ``< 0.001`` (one unit of the printed
    place) as the alternative. Every other p passes (one aggregate row).
    """
    rows, fine = [], []
    for e in pub.numbers:
        if e["statistic"] != "p_value":
            continue
        if number(e) == 0 and not e["value"].startswith(("<", ">")):
            rows.append(_row("p_printed_as_zero", [e], e["value"], "minor",
                             "a p-value cannot be zero; the software's 0.000 means p < 0.0005",
                             f"<{unit_of(e['precision'])}"))
        else:
            fine.append(e)
    if fine:
        rows.append(_aggregate_ok("p_printed_as_zero", fine, "every other p-value", "none printed as zero"))
    return rows
