"""Ranges: values within what their statistic allows, summaries of one variable that fit together (order,
SD feasibility, mean against median and range), and raw QoL sums within what their items allow."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from tkicohort.stats.qol import ITEM_MAX, TEHRAN_RAW_SUBSCALES

from .common import Publication, _aggregate_ok, _fmt, _row, number, stem, unit_of


def check_value_domains(pub: Publication) -> list[dict]:
    """Values outside what their statistic allows.

    Rules: a percentage lies in [0, 100]; a p-value in [0, 1]; a count is a whole number ≥ 0 and at most its
    population's size; an SD, a range or confidence limit of a count, a Kaplan–Meier mean and a hazard ratio
    are ≥ 0 (HR > 0); a printed population size equals the population's ``n``. Failures → major (one row each);
    passes → one aggregate row per rule.
    """
    rules: list[tuple[str, str, Callable[[dict], str | None]]] = [
        ("percent", "every percentage", lambda e: None if 0 <= number(e) <= 100 else "outside 0–100"),
        ("p_value", "every p-value", lambda e: None if 0 <= number(e) <= 1 else "outside 0–1"),
        ("n", "every count", lambda e: _count_problem(pub, e)),
        ("count_total", "every printed population size",
         lambda e: None if pub.size(e) == number(e) else f"the population '{e['population']}' has "
                                                         f"n = {pub.size(e)}"),
        ("sd", "every SD", lambda e: None if number(e) >= 0 else "negative"),
        ("km_mean", "every Kaplan-Meier mean", lambda e: None if number(e) >= 0 else "negative"),
        ("hr", "every hazard ratio", lambda e: None if number(e) > 0 else "not positive"),
    ]
    rows = []
    for statistic, what, problem in rules:
        fine = []
        for e in pub.numbers:
            if e["statistic"] != statistic:
                continue
            why = problem(e)
            if why:
                rows.append(_row(f"value_domain:{statistic}", [e], e["value"], "major", why))
            else:
                fine.append(e)
        if fine:
            rows.append(_aggregate_ok(f"value_domain:{statistic}", fine, what, "within what the statistic allows"))
    return rows


def _count_problem(pub: Publication, e: dict) -> str | None:
    v, n = number(e), pub.size(e)
    if v != v.to_integral_value() or v < 0:
        return "not a whole number ≥ 0"
    if n is not None and v > n:
        return f"more than the {n} patients of population '{e['population']}'"
    return None


def _summary_groups(pub: Publication) -> dict[tuple[str, str], dict[str, dict]]:
    groups: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for e in pub.numbers:
        if e["statistic"] in ("mean", "sd", "median", "range_min", "range_max", "ci_low", "ci_high", "iqr_low",
                              "iqr_high", "hr"):
            groups[(stem(e), e["population"])][e["statistic"]] = e
    return groups


def check_summaries(pub: Publication) -> list[dict]:
    """Location, spread and interval summaries of one variable must fit together.

    Rules, for the numbers sharing a stem and a population: min ≤ max; min ≤ median ≤ max; min ≤ mean ≤ max;
    ci_low ≤ median (or HR) ≤ ci_high; iqr_low ≤ median ≤ iqr_high within the range — each failure major. With
    a mean, an SD, a range and the population's n (the summary covers the whole population: no ``subset``), the SD
    must be possible: at most sqrt((mean − min)(max − mean)·n/(n − 1)) (the largest sample SD of n values in
    [min, max] with that mean) and at least sqrt(((mean − min)² + (max − mean)²)/(n − 1)) (both ends observed,
    every other value at the mean); with a median too, the mean must lie between the means of the most extreme
    samples with that median and range. Printed values are given their rounding interval; failures are major.
    """
    rows = []
    for g in _summary_groups(pub).values():
        v = {k: number(e) for k, e in g.items()}
        half = {k: unit_of(e["precision"]) / 2 for k, e in g.items()}

        def order(lo, mid, hi, label, g=g, v=v):
            if lo in g and mid in g and hi in g:
                ok = v[lo] <= v[mid] <= v[hi]
                rows.append(_row(label, [g[lo], g[mid], g[hi]], f"{g[mid]['value']} ({g[lo]['value']}–"
                                 f"{g[hi]['value']})", "ok" if ok else "major",
                                 f"{mid.replace('_', ' ')} {'within' if ok else 'outside'} "
                                 f"{lo.replace('_', ' ')}–{hi.replace('_', ' ')}"))

        if "range_min" in g and "range_max" in g and "median" not in g and "mean" not in g:
            ok = v["range_min"] <= v["range_max"]
            rows.append(_row("range_ordered", [g["range_min"], g["range_max"]],
                             f"{g['range_min']['value']}–{g['range_max']['value']}", "ok" if ok else "major",
                             "minimum ≤ maximum" if ok else "minimum above maximum"))
        order("range_min", "median", "range_max", "median_within_range")
        order("range_min", "mean", "range_max", "mean_within_range")
        order("ci_low", "median", "ci_high", "median_within_ci")
        order("ci_low", "hr", "ci_high", "hr_within_ci")
        order("iqr_low", "median", "iqr_high", "median_within_iqr")
        n = pub.size(next(iter(g.values())))
        whole = n and n >= 2 and not any(e.get("subset") for e in g.values())
        if whole and {"mean", "sd", "range_min", "range_max"} <= set(g):
            rows.append(_sd_feasible(g, v, half, n))
        if whole and {"mean", "median", "range_min", "range_max"} <= set(g) and n >= 3:
            rows.append(_mean_vs_median(g, v, half, n))
    return rows


def _sd_feasible(g, v, half, n) -> dict:
    lo_m, hi_m = v["mean"] - half["mean"], v["mean"] + half["mean"]
    a_lo, b_hi = v["range_min"] - half["range_min"], v["range_max"] + half["range_max"]
    a_hi, b_lo = v["range_min"] + half["range_min"], v["range_max"] - half["range_max"]
    # largest possible SD: widest range, mean as central as its interval allows
    mid = min(max((a_lo + b_hi) / 2, lo_m), hi_m)
    sd_max = ((mid - a_lo) * (b_hi - mid) * n / (n - 1)).sqrt() if mid > a_lo and b_hi > mid else Decimal(0)
    # smallest possible SD: narrowest range, mean as central as possible
    mid2 = min(max((a_hi + b_lo) / 2, lo_m), hi_m)
    spread = max(mid2 - a_hi, Decimal(0)) ** 2 + max(b_lo - mid2, Decimal(0)) ** 2
    sd_min = (spread / (n - 1)).sqrt()
    s_lo, s_hi = v["sd"] - half["sd"], v["sd"] + half["sd"]
    ok = s_hi >= sd_min and s_lo <= sd_max
    entries = [g["mean"], g["sd"], g["range_min"], g["range_max"]]
    printed = f"{g['mean']['value']} ± {g['sd']['value']} ({g['range_min']['value']}–{g['range_max']['value']})"
    note = (f"n = {n}: an SD between {_fmt(sd_min, 1)} and {_fmt(sd_max, 1)} is possible for values in the range "
            f"with this mean")
    return _row("sd_feasible", entries, printed, "ok" if ok else "major", note,
                "" if ok else f"{_fmt(sd_min, 1)}–{_fmt(sd_max, 1)}")


def _mean_vs_median(g, v, half, n) -> dict:
    """Extreme means of n values with a given median and range: the lower half at the minimum (one value at the
    maximum), or the upper half at the maximum (one value at the minimum)."""
    a, b, md = v["range_min"], v["range_max"], v["median"]
    k = n // 2
    if n % 2:  # x_{k+1} = median
        low, high = (k * a + k * md + b) / n, (a + k * md + k * b) / n
    else:  # (x_k + x_{k+1}) / 2 = median
        low, high = ((k - 1) * a + k * md + b) / n, (a + k * md + (k - 1) * b) / n
    slack = half["mean"] + half["median"] + max(half["range_min"], half["range_max"])
    ok = low - slack <= v["mean"] <= high + slack
    entries = [g["mean"], g["median"], g["range_min"], g["range_max"]]
    printed = f"mean {g['mean']['value']}, median {g['median']['value']} ({g['range_min']['value']}–" \
              f"{g['range_max']['value']})"
    return _row("mean_vs_median_and_range", entries, printed, "ok" if ok else "major",
                f"n = {n}: a mean between {_fmt(low, 1)} and {_fmt(high, 1)} is possible with this median and range",
                "" if ok else f"{_fmt(low, 1)}–{_fmt(high, 1)}")


def _qol_subscale(row: str) -> tuple[str, list[int]] | None:
    key = re.sub(r"[^a-z0-9]+", "_", row.lower()).strip("_").replace("_the_", "_")
    return (key, TEHRAN_RAW_SUBSCALES[key]) if key in TEHRAN_RAW_SUBSCALES else None


def check_qol_raw_sums(pub: Publication) -> list[dict]:
    """Raw sums of EORTC QLQ-C30 items (a row with a printed ``scale_max`` naming a subscale of
    :data:`tkicohort.stats.qol.TEHRAN_RAW_SUBSCALES`) must stay within what the items allow.

    Rules: (1) the printed maximum equals the sum of the items' maxima (4 for q1–q28, 7 for q29–q30); (2) every
    printed median and range limit lies between the number of items (all answered 1) and that maximum, and not
    above the printed maximum either; (3) the median of n whole-number sums is a multiple of 0.5, and whole when n
    is odd (n = the arm's population size, assuming every patient answered); (4) when the subscales partition the
    items of a total, their printed maxima add up to the total's, and in each arm the total's minimum is at least
    the sum of the subscales' minima and its maximum at most the sum of their maxima. Failures of (1), (2) and (4)
    are major (the numbers cannot be sums of those items), of (3) minor.
    """
    rows = []
    scales = {}
    for e in pub.numbers:
        if e["statistic"] == "scale_max" and (found := _qol_subscale(e["row"])):
            scales[(e["table"], e["row"])] = (e, *found)
    by_arm: dict[tuple[str, str], dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for e in pub.numbers:
        if (e["table"], e["row"]) in scales and e["statistic"] in ("median", "range_min", "range_max"):
            by_arm[(e["table"], e["row"])][e["population"]][e["statistic"]] = e
    for key, (mx, name, items) in scales.items():
        low, high = len(items), sum(ITEM_MAX[i] for i in items)
        printed_max = number(mx)
        ok = printed_max == high
        rows.append(_row("qol_scale_maximum", [mx], mx["value"], "ok" if ok else "major",
                         f"{name}: {len(items)} items ({_items_text(items)}) sum to {low}–{high}",
                         "" if ok else str(high)))
        for pop, cells in by_arm[key].items():
            entries = [cells[s] for s in ("median", "range_min", "range_max") if s in cells]
            printed = _median_range_text(cells)
            problems, blamed = [], []
            for e in entries:
                if not low <= number(e) <= high:
                    problems.append(f"{e['statistic'].replace('_', ' ')} {e['value']} outside the possible "
                                    f"{low}–{high}")
                    blamed.append(e)
                elif number(e) > printed_max:
                    problems.append(f"{e['statistic'].replace('_', ' ')} {e['value']} above the printed maximum "
                                    f"{mx['value']}")
                    blamed += [e, mx]
            rows.append(_row("qol_value_in_range", [mx] + entries, printed, "major" if problems else "ok",
                             "; ".join(problems) if problems else f"within {low}–{min(high, printed_max)}",
                             culprits=blamed))
            n = pub.size({"population": pop})
            if "median" in cells and n:
                md = number(cells["median"])
                ok = (md * 2) == (md * 2).to_integral_value() and (n % 2 == 0 or md == md.to_integral_value())
                rows.append(_row("qol_median_granularity", [cells["median"]], cells["median"]["value"],
                                 "ok" if ok else "minor",
                                 f"median of {n} whole-number sums: " + ("a whole number" if n % 2 else
                                                                         "a whole number or a half")))
    rows += _qol_totals(scales, by_arm)
    return rows


def _items_text(items: list[int]) -> str:
    return ", ".join(f"q{i}" for i in items) if len(items) <= 5 else f"q{items[0]}–q{items[-1]}"


def _median_range_text(cells: dict) -> str:
    md = cells.get("median", {}).get("value", "?")
    return f"{md} ({cells.get('range_min', {}).get('value', '?')}–{cells.get('range_max', {}).get('value', '?')})"


def _qol_totals(scales: dict, by_arm: dict) -> list[dict]:
    rows = []
    for key, (mx, name, items) in scales.items():
        parts = [(k, v) for k, v in scales.items() if k != key and k[0] == key[0] and set(v[2]) < set(items)]
        covered = sorted(i for _, v in parts for i in v[2])
        if len(parts) < 2 or covered != sorted(items):
            continue  # not a total of disjoint subscales
        maxima = [v[0] for _, v in parts]
        total = sum(number(e) for e in maxima)
        ok = total == number(mx)
        rows.append(_row("qol_total_of_subscales", maxima + [mx], f"{' + '.join(e['value'] for e in maxima)} = "
                         f"{total} vs {mx['value']}", "ok" if ok else "major",
                         f"the subscale maxima add up to {total}, the {name} maximum is {mx['value']}",
                         "" if ok else str(sum(sum(ITEM_MAX[i] for i in v[2]) for _, v in parts))))
        for pop, cells in by_arm[key].items():
            part_cells = [by_arm[k].get(pop, {}) for k, _ in parts]
            if "range_min" not in cells or "range_max" not in cells or \
                    not all("range_min" in c and "range_max" in c for c in part_cells):
                continue
            lo = sum(number(c["range_min"]) for c in part_cells)
            hi = sum(number(c["range_max"]) for c in part_cells)
            ok = number(cells["range_min"]) >= lo and number(cells["range_max"]) <= hi
            entries = [cells["range_min"], cells["range_max"]] + [c[s] for c in part_cells
                                                                    for s in ("range_min", "range_max")]
            rows.append(_row("qol_total_within_subscale_ranges", entries,
                             f"{cells['range_min']['value']}–{cells['range_max']['value']}",
                             "ok" if ok else "major",
                             f"{pop}: each patient's total is the sum of the subscales, so it lies in {lo}–{hi}",
                             "" if ok else f"{lo}–{hi}"))
    return rows
