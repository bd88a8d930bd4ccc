"""Percentages: each one a whole count of its denominator at the printed precision, and one fraction printed
alike wherever it appears."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_DOWN

from .common import (
    Publication,
    _implied_count,
    _pct_text,
    _row,
    _within_subgroup_ids,
    denominators,
    number,
    percent,
    printed_percent,
    rate_groups,
    rounded,
    small_fractions,
    unit_of,
    whole_counts,
)


def check_percent_vs_count(pub: Publication) -> list[dict]:
    """A percentage printed with its count must be count / population size at the printed precision (GRIM).

    Rule: printed == round_half_up(100·k/N, precision), N the population's ``n``. When it is not, the row gives the
    correctly rounded value, whether truncating would print it, which whole counts of N print the printed value,
    and which denominators near N would print it from k. Severity: within one unit of the last printed place of
    the exact value → minor (a rounding or truncation slip); further → major.
    """
    rows = []
    for e in pub.numbers:
        count = pub.count_of(e) if e["statistic"] == "percent" else None
        n = pub.size(e) if count else None
        if count is None or not n:
            continue
        k, value, prec = int(number(count)), number(e), e["precision"]
        exact, correct = percent(k, n), printed_percent(k, n, prec)
        printed = f"{count['value']} ({e['value']} %)"
        if correct == value:
            rows.append(_row("percent_vs_count", [count, e], printed, "ok", f"{_pct_text(k, n, prec)} → {correct}"))
            continue
        severity = "minor" if abs(value - exact) <= unit_of(prec) else "major"
        if pub.external(e):
            severity = "info"
        note = [f"{_pct_text(k, n, prec)} prints as {correct}, not {e['value']}"]
        if rounded(exact, prec, ROUND_DOWN) == value:
            note.append("truncating instead of rounding gives the printed value")
        ks = whole_counts(value, n, prec)
        note.append(f"{e['value']} % of {n} is {' or '.join(f'{j}/{n}' for j in ks)}" if ks
                    else f"no whole count of {n} gives {e['value']} %")
        ns = denominators(k, value, prec, max(4 * n, 100))
        note.append(f"{k}/N gives {e['value']} % for N = {', '.join(map(str, ns[:5]))}" if ns
                    else f"no denominator up to {max(4 * n, 100)} gives {k} → {e['value']} %")
        if pub.external(e):
            note.append("another study's number, quoted: its denominator may differ")
        rows.append(_row("percent_vs_count", [count, e], printed, severity, "; ".join(note), str(correct)))
    return rows


def check_percent_of_population(pub: Publication) -> list[dict]:
    """A percentage printed without its count must be some whole count k of its population: k/N prints as it.

    Rates within subgroups are left to :func:`check_rates_within_subgroups`. When no k fits: within one unit of
    the last printed place of the nearest k/N → minor, else major; for another study's quoted numbers (whose
    denominator the file may not know) → info. The row names the smallest denominators that would give the value.
    """
    rows, skip = [], _within_subgroup_ids(pub)
    for e in pub.numbers:
        if e["statistic"] != "percent" or e["id"] in skip or pub.count_of(e) is not None:
            continue
        n, value, prec = pub.size(e), number(e), e["precision"]
        if not n:
            continue
        ks = whole_counts(value, n, prec)
        if ks:
            rows.append(_row("percent_of_population", [e], e["value"], "ok",
                             " or ".join(_pct_text(k, n, prec) for k in ks) + f" → {e['value']}"))
            continue
        nearest = min(range(n + 1), key=lambda j: abs(percent(j, n) - value))
        off = abs(percent(nearest, n) - value)
        severity = "info" if pub.external(e) else ("minor" if off <= unit_of(prec) else "major")
        fits = small_fractions(value, prec, max(4 * n, 100))
        note = [f"no whole count of {n} gives {e['value']} %; nearest {_pct_text(nearest, n, prec)}"]
        if rounded(percent(nearest, n), prec, ROUND_DOWN) == value:
            note.append("truncating instead of rounding gives the printed value")
        note.append("smallest fits: " + ", ".join(f"{j}/{m}" for j, m in fits) if fits else "no small fraction fits")
        if pub.external(e):
            note.append("another study's number, quoted: its denominator may differ")
        rows.append(_row("percent_of_population", [e], e["value"], severity, "; ".join(note),
                         str(printed_percent(nearest, n, prec))))
    return rows


def check_rates_within_subgroups(pub: Publication) -> list[dict]:
    """A rate within a level must be a whole count of the level's size, and the counts must add up to the total.

    Rule (per level): exactly one k in 0..size has round_half_up(100·k/size) == printed, the size being the count
    of the same population with the same subset printed elsewhere (Table 4 for Table 3 of Ling et al.). No k →
    minor/major as for :func:`check_percent_vs_count`; several k → info (the rate does not pin the count down).
    Rule (per variable): the implied counts of its levels add up to the endpoint's count in the population
    (``<endpoint> == 1``), when both are known; a difference is major.
    """
    rows = []
    for g in rate_groups(pub):
        counts = []
        for level, rate, size_entry in g.levels:
            if size_entry is None:
                rows.append(_row("rate_within_subgroup", [rate], rate["value"], "info",
                                 f"the size of level '{level}' is not printed as a count with subset "
                                 f"'{rate.get('subset')}'; not checked"))
                counts.append(None)
                continue
            size, prec = int(number(size_entry)), rate["precision"]
            ks = _implied_count(rate, size) if size else []
            printed = f"{rate['value']} % of {size_entry['value']}"
            if len(ks) == 1:
                rows.append(_row("rate_within_subgroup", [rate, size_entry], printed, "ok",
                                 f"{_pct_text(ks[0], size, prec)} → {rate['value']}"))
                counts.append(ks[0])
            elif ks:
                rows.append(_row("rate_within_subgroup", [rate, size_entry], printed, "info",
                                 f"{rate['value']} % of {size} is {' or '.join(map(str, ks))}: count ambiguous"))
                counts.append(None)
            else:
                value = number(rate)
                nearest = min(range(size + 1), key=lambda j: abs(percent(j, size) - value))
                off = abs(percent(nearest, size) - value)
                rows.append(_row("rate_within_subgroup", [rate, size_entry], printed,
                                 "minor" if off <= unit_of(prec) else "major",
                                 f"no whole count of {size} gives {rate['value']} %; nearest "
                                 f"{_pct_text(nearest, size, prec)}", str(printed_percent(nearest, size, prec))))
                counts.append(None)
        if g.total is None or any(c is None for c in counts):
            continue
        total, got = int(number(g.total)), sum(counts)
        entries = [rate for _, rate, _ in g.levels] + [g.total]
        parts = " + ".join(str(c) for c in counts)
        if got == total:
            rows.append(_row("subgroup_counts_vs_total", entries, f"{parts} = {got}", "ok",
                             f"the implied counts of {g.endpoint} add up to the printed total {total}"))
        else:
            rows.append(_row("subgroup_counts_vs_total", entries, f"{parts} = {got}", "major",
                             f"the implied counts of {g.endpoint} add up to {got}, the printed total is {total}",
                             str(total)))
    return rows


def check_same_fraction_printed_alike(pub: Publication) -> list[dict]:
    """The same fraction k/N at the same precision must print the same wherever it appears.

    Rule: group the count–percentage pairs of the file by (k, N, precision); every group of two or more must hold a
    single printed value. A difference within one unit of the last place is minor (one of them is rounded
    differently), larger is major. Quoted numbers of other studies are left out.
    """
    groups: dict[tuple[int, int, int], list[tuple[dict, dict]]] = defaultdict(list)
    for e in pub.numbers:
        count = pub.count_of(e) if e["statistic"] == "percent" else None
        n = pub.size(e) if count else None
        if count is None or not n or pub.external(e):
            continue
        groups[(int(number(count)), n, e["precision"])].append((count, e))
    rows = []
    for (k, n, prec), pairs in groups.items():
        if len(pairs) < 2:
            continue
        values = [number(e) for _, e in pairs]
        entries = [x for pair in pairs for x in pair]
        printed = " / ".join(dict.fromkeys(e["value"] for _, e in pairs))
        correct = printed_percent(k, n, prec)
        if len(set(values)) == 1:
            rows.append(_row("same_fraction_printed_alike", entries, printed, "ok",
                             f"{_pct_text(k, n, prec)} printed {len(pairs)} times alike"))
            continue
        spread = max(values) - min(values)
        rows.append(_row("same_fraction_printed_alike", entries, printed,
                         "minor" if spread <= unit_of(prec) else "major",
                         f"{_pct_text(k, n, prec)} is printed as {printed}; it rounds to {correct}", str(correct),
                         culprits=[e for _, e in pairs if number(e) != correct]))
    return rows
