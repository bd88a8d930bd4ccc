"""Totals: the levels of a variable add up to their population, and a table's total column to its parts."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from .common import Publication, _conjunction, _exclusive, _row, _row_group, number, stem, unit_of


@dataclass
class _Family:
    entries: list[dict]
    exclusive: bool | None  # None: unknown
    binary: bool = False
    label: str = ""


def _families(pub: Publication) -> list[_Family]:
    """Counts of one population in one table column that are levels of one variable."""
    cells: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for e in pub.numbers:
        if e["statistic"] == "n":
            cells[(e["table"], e.get("column", ""), e["population"])].append(e)
    out = []
    for counts in cells.values():
        grouped: dict[str, list[dict]] = defaultdict(list)
        loose = []
        for e in counts:
            rg = _row_group(e)
            (grouped[rg[0]] if rg else loose).append(e)
        for label, members in grouped.items():
            if len(members) < 2:
                loose += members
                continue
            conj = [_conjunction(e.get("subset")) for e in members]
            if all(c is not None for c in conj):
                exclusive = all(_exclusive(a, b) for a, b in combinations(conj, 2))
            else:
                exclusive = None
            out.append(_Family(members, exclusive, _is_binary(conj), label))
        # counts outside a row group: cliques of mutually exclusive subsets
        with_conj = [(e, c) for e in loose if (c := _conjunction(e.get("subset")))]
        used: set[str] = set()
        for e, c in with_conj:
            if e["id"] in used:
                continue
            members = [(e, c)]
            for f, d in with_conj:
                if f["id"] not in used and f is not e and all(_exclusive(d, x) for _, x in members):
                    members.append((f, d))
            if len(members) >= 2:
                used |= {m["id"] for m, _ in members}
                out.append(_Family([m for m, _ in members], True, _is_binary([x for _, x in members]),
                                   " / ".join(m["row"] for m, _ in members)))
    return out


def _is_binary(conj: list[dict[str, str] | None]) -> bool:
    if len(conj) != 2 or any(c is None or len(c) != 1 for c in conj):
        return False
    (va, xa), (vb, xb) = next(iter(conj[0].items())), next(iter(conj[1].items()))
    return va == vb and {xa, xb} == {"0", "1"}


def check_parts_add_up(pub: Publication) -> list[dict]:
    """The levels of a categorical variable add up to the population, and their percentages to about 100.

    Families: counts of one population in one table column whose rows are ``group: level`` of one group, or whose
    subsets exclude each other (``v == a`` / ``v == b``). Rule: mutually exclusive levels cannot add up to more
    than the population (major); the two levels of a 0/1 variable must add up to it exactly (major); otherwise a
    sum equal to the population passes and a different one is info (the printed levels need not be exhaustive, or
    may overlap; the note names a printed count equal to the sum, if any). Overlapping levels (e.g. metastasis
    sites) are not summed (info). When the counts add up, their printed percentages must add up to 100 within
    half a unit of the last place per level (minor otherwise).
    """
    rows = []
    for fam in _families(pub):
        n = pub.size(fam.entries[0])
        if not n:
            continue
        got = sum(int(number(e)) for e in fam.entries)
        printed = " + ".join(e["value"] for e in fam.entries) + f" = {got}"
        label = fam.label or "levels"
        if fam.exclusive is False:
            rows.append(_row("parts_add_up", fam.entries, printed, "info",
                             f"{label}: the levels overlap (a patient can be in several); not compared with {n}"))
            continue
        if got == n:
            rows.append(_row("parts_add_up", fam.entries, printed, "ok", f"{label}: the levels add up to N = {n}"))
            rows += _percents_add_up(pub, fam)
            continue
        if fam.binary or (fam.exclusive and got > n):
            why = "the two levels of a 0/1 variable" if fam.binary else "mutually exclusive levels"
            rows.append(_row("parts_add_up", fam.entries, printed, "major",
                             f"{label}: {why} add up to {got}, the population has {n}", str(n)))
            continue
        first = fam.entries[0]
        same = [c["id"] for c in pub.numbers if c["statistic"] == "n" and c["population"] == first["population"]
                and c["table"] == first["table"] and int(number(c)) == got and c not in fam.entries]
        hint = f"; {got} is printed as {', '.join(same[:3])}" if same else ""
        rows.append(_row("parts_add_up", fam.entries, printed, "info",
                         f"{label}: the printed levels add up to {got} of {n} (not every level may be printed){hint}"))
    return rows


def _percents_add_up(pub: Publication, fam: _Family) -> list[dict]:
    pcts = [pub.by_id.get(stem(e) + "_pct") for e in fam.entries]
    if any(p is None for p in pcts):
        return []
    total = sum(number(p) for p in pcts)
    slack = sum(unit_of(p["precision"]) / 2 for p in pcts)
    ok = abs(total - 100) <= slack
    return [_row("percents_add_up", pcts, " + ".join(p["value"] for p in pcts) + f" = {total}",
                 "ok" if ok else "minor",
                 f"within ±{slack} of 100 (rounding of {len(pcts)} levels)" if ok
                 else f"more than the ±{slack} rounding allows away from 100")]


def check_row_totals(pub: Publication) -> list[dict]:
    """In a table row, a column headed ``Any …`` or ``Total …`` holds the sum of the row's other count columns.

    Rule: counts equal (major otherwise); their percentages agree within half a unit of the last place per part
    (minor otherwise).
    """
    rows = []
    by_row: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for e in pub.numbers:
        if e["statistic"] == "n" and e["table"].startswith("Table"):
            by_row[(e["table"], e["row"], e["population"])].append(e)
    for counts in by_row.values():
        totals = [e for e in counts if re.match(r"^(any|total)\b", e.get("column", ""), re.IGNORECASE)]
        parts = [e for e in counts if e not in totals]
        if len(totals) != 1 or len(parts) < 2:
            continue
        total = totals[0]
        got = sum(int(number(e)) for e in parts)
        ok = got == int(number(total))
        rows.append(_row("row_total", parts + [total], " + ".join(e["value"] for e in parts) + f" = {got} vs "
                         f"{total['value']}", "ok" if ok else "major",
                         f"'{total['column']}' is the sum of the other columns" + ("" if ok else f": {got}"),
                         "" if ok else str(got)))
        pcts = [pub.by_id.get(stem(e) + "_pct") for e in parts]
        tpct = pub.by_id.get(stem(total) + "_pct")
        if tpct is None:
            continue
        present = [p for p in pcts if p is not None]
        if len(present) != sum(1 for e in parts if int(number(e)) > 0):
            continue  # a non-zero part without its percentage
        s = sum((number(p) for p in present), Decimal(0))
        slack = sum((unit_of(p["precision"]) / 2 for p in present + [tpct]), Decimal(0))
        ok = abs(s - number(tpct)) <= slack
        rows.append(_row("row_total_percent", present + [tpct], " + ".join(p["value"] for p in present)
                         + (f" = {s}" if len(present) > 1 else "") + f" vs {tpct['value']}", "ok" if ok else "minor",
                         f"within ±{slack} (rounding)" if ok else f"further apart than the ±{slack} rounding allows"))
    return rows
