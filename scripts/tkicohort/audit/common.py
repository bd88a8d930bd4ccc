"""Shared by the checks of the publication audit: the indexed publication, the output row, exact decimal
arithmetic of printed numbers, and the structures several checks read (subsets, row groups, rates within the
levels of a variable). See the package docstring for the conventions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

#: Columns of one check's row (:func:`tkicohort.audit.check_rows`); a finding's are in ``findings.COLUMNS``.
COLUMNS = ("location", "printed", "consistent_alternative", "check", "severity", "note", "ids")
SEVERITIES = ("ok", "info", "minor", "major")
#: Statistics whose value is not a number (a calendar date).
NOT_NUMBERS = ("date",)
#: Relative tolerance of a number printed as an approximation ("nearly 42 percent", "approximately 70"): ±5 % of the
#: value, and at least one unit of its last printed place.
APPROXIMATE = Decimal("0.05")

_SUFFIX = {"n": "_n", "count_total": "_n", "percent": "_pct", "mean": "_mean", "sd": "_sd", "median": "_median",
           "range_min": "_min", "range_max": "_max", "ci_low": "_ci_low", "ci_high": "_ci_high",
           "iqr_low": "_iqr_low", "iqr_high": "_iqr_high", "p_value": "_p", "hr": "_hr", "km_mean": "_km_mean",
           "km_mean_se": "_km_mean_se", "scale_max": "_scale_max"}
_TERM = re.compile(r"""^([A-Za-z_]\w*)\s*==\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)$""")


# ------------------------------------------------------------------------------------------------ the publication


@dataclass(frozen=True)
class Publication:
    """The numbers of one publication file, indexed."""

    study: str
    numbers: tuple[dict, ...]
    populations: dict[str, dict]
    conflicts: tuple[dict, ...] = ()
    sources: dict[str, dict] = field(default_factory=dict)
    claims: tuple[dict, ...] = ()
    label: str = ""
    by_id: dict[str, dict] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_id", {e["id"]: e for e in self.numbers})

    @classmethod
    def from_dict(cls, published: dict) -> Publication:
        """From the whole YAML document (not the id → entry mapping of ``published_numbers``)."""
        if not isinstance(published, dict) or "numbers" not in published or "populations" not in published:
            raise ValueError("audit_publication expects the whole publication file (study, populations, numbers, "
                             "conflicts) as loaded by yaml.safe_load")
        sources = dict(published.get("sources") or {})
        numbers = tuple(published["numbers"])
        if sources:  # several documents: every location names its document
            numbers = tuple({**e, "_document": sources.get(e.get("source"), {}).get("label", e.get("source", ""))}
                            for e in numbers)
        return cls(study=str(published.get("study", "")), numbers=numbers,
                   populations=dict(published["populations"]),
                   conflicts=tuple(published.get("conflicts") or ()),
                   sources=sources, claims=tuple(published.get("claims") or ()),
                   label=str(published.get("label") or published.get("study", "")))

    def size(self, entry: dict) -> int | None:
        """The size of the entry's population, None when no source prints it."""
        pop = self.populations.get(entry["population"])
        return int(pop["n"]) if pop and pop.get("n") is not None else None

    def source_label(self, entry: dict) -> str:
        """The short name of the document an entry (a number or a claim) is printed in."""
        source = self.sources.get(entry.get("source", ""))
        return source.get("label", entry["source"]) if source else self.label

    def external(self, entry: dict) -> bool:
        return bool(self.populations.get(entry["population"], {}).get("external", False))

    def count_of(self, percent: dict) -> dict | None:
        """The count printed with a percentage (same stem), if any."""
        count = self.by_id.get(stem(percent) + "_n")
        return count if count is not None and count["statistic"] == "n" else None


# ------------------------------------------------------------------------------------------------ small helpers


def stem(entry: dict) -> str:
    """The id without its statistic suffix (``t2_pr_pct`` → ``t2_pr``)."""
    suffix = _SUFFIX.get(entry["statistic"], "")
    return entry["id"][: -len(suffix)] if suffix and entry["id"].endswith(suffix) else entry["id"]


def number(entry: dict) -> Decimal:
    """The printed value as an exact decimal, a leading ``<`` or ``>`` dropped."""
    return Decimal(entry["value"].lstrip("<>"))


def unit_of(precision: int) -> Decimal:
    """One unit in the last printed place (precision 1 → 0.1)."""
    return Decimal(1).scaleb(-int(precision))


def rounded(x: Decimal, precision: int, rounding=ROUND_HALF_UP) -> Decimal:
    return x.quantize(unit_of(precision), rounding=rounding)


def interval(entry: dict) -> tuple[Decimal, Decimal]:
    """The true values a printed number can stand for, ``[lo, hi]``: its rounding interval (half a unit of the last
    printed place either side), from 0 up to it for ``<``, from it up for ``>``, and ±:data:`APPROXIMATE` of it
    (at least one unit) for a number printed as an approximation."""
    v = number(entry)
    half = unit_of(entry["precision"]) / 2
    if entry.get("approximate"):
        half = max(abs(v) * APPROXIMATE, 2 * half)
    if entry["value"].startswith("<"):
        return min(Decimal(0), v), v
    if entry["value"].startswith(">"):
        return v, Decimal(10) ** 12
    return v - half, v + half


def consensus(intervals: list[tuple[Decimal, Decimal]]) -> tuple[list[int], tuple[Decimal, Decimal] | None]:
    """The values most of ``intervals`` ([lo, hi), as :func:`interval` gives them) agree on: the indices of the
    intervals that share the most covered point, and the stretch they share. With one interval, or none
    overlapping any other, every index and None."""
    events = sorted([(lo, 1, i) for i, (lo, _) in enumerate(intervals)]
                    + [(hi, 0, i) for i, (_, hi) in enumerate(intervals)])  # a close before an open at one point
    open_, best, best_at = set(), 0, None
    for _, kind, i in events:
        if kind:
            open_.add(i)
            if len(open_) > best:
                best, best_at = len(open_), set(open_)
        else:
            open_.discard(i)
    if best < 2 or best_at is None:
        return list(range(len(intervals))), None
    members = sorted(best_at)
    return members, (max(intervals[i][0] for i in members), min(intervals[i][1] for i in members))


def gap(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> Decimal:
    """How far apart two intervals are (0 when they touch or overlap)."""
    return max(Decimal(0), a[0] - b[1], b[0] - a[1])


def percent(k: int, n: int) -> Decimal:
    """100·k/n, exactly enough for any printed precision."""
    return Decimal(100 * k) / Decimal(n)


def printed_percent(k: int, n: int, precision: int) -> Decimal:
    """k/n as it prints at ``precision`` decimals (half up)."""
    return rounded(percent(k, n), precision)


def whole_counts(value: Decimal, n: int, precision: int) -> list[int]:
    """Every whole count k of n whose percentage prints as ``value``."""
    return [k for k in range(n + 1) if printed_percent(k, n, precision) == value]


def denominators(k: int, value: Decimal, precision: int, up_to: int) -> list[int]:
    """Every denominator N ≤ up_to for which k/N prints as ``value``."""
    return [n for n in range(max(k, 1), up_to + 1) if printed_percent(k, n, precision) == value]


def small_fractions(value: Decimal, precision: int, up_to: int, limit: int = 3) -> list[tuple[int, int]]:
    """The first ``limit`` fractions k/m (m ≤ up_to, smallest m first) whose percentage prints as ``value``."""
    out = []
    for m in range(1, up_to + 1):
        guess = int(value * m / 100)
        k = next((j for j in range(guess - 1, guess + 3) if 0 <= j <= m
                  and printed_percent(j, m, precision) == value), None)
        if k is not None:
            out.append((k, m))
            if len(out) == limit:
                break
    return out


def _fmt(x, digits: int = 4) -> str:
    return "nan" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{float(x):.{digits}f}"


def _pct_text(k: int, n: int, precision: int) -> str:
    return f"{k}/{n} = {_fmt(percent(k, n), precision + 2)} %"


def _entry_location(e: dict) -> str:
    """``[document — ]table | row | column`` of one number; the document is named when the entry says
    (``_document``, set for numbers of several sources and for other documents' numbers)."""
    cells = [e["table"], e["row"]] + ([e["column"]] if e.get("column") else [])
    return (f"{e['_document']} — " if e.get("_document") else "") + " | ".join(cells)


def _location(entries: Iterable[dict]) -> str:
    return "; ".join(dict.fromkeys(_entry_location(e) for e in entries))


def _row(check: str, entries: list[dict], printed: str, severity: str, note: str, alternative: str = "",
         location: str | None = None, culprits: list[dict] | None = None, finding: bool = False) -> dict:
    """One output row. ``culprits``: the numbers a failed check blames (default: all ``entries``); they decide
    which rows are one finding and which recorded conflicts it is cross-referenced with. An ``info`` row is a
    finding only with ``finding=True`` (a difference the check cannot call an error); other info rows say that
    something could not be checked."""
    assert severity in SEVERITIES, severity
    locations = [_entry_location(e) for e in entries] if location is None else [location]
    return {"location": "; ".join(dict.fromkeys(locations)), "printed": printed,
            "consistent_alternative": alternative, "check": check, "severity": severity, "note": note,
            "ids": ";".join(e["id"] for e in entries),
            "_culprits": frozenset(e["id"] for e in (entries if culprits is None else culprits)),
            "_locations": tuple(dict.fromkeys(locations)), "_finding": finding or severity in ("minor", "major"),
            "_where": {} if location is not None else {e["id"]: _entry_location(e) for e in entries}}


def _aggregate_ok(check: str, entries: list[dict], what: str, note: str) -> dict:
    """One row standing for every number a check passed (the ids list them)."""
    tables = list(dict.fromkeys(e["table"] for e in entries))
    return _row(check, entries, f"{len(entries)} values", "ok", note, location=f"{what}: {', '.join(tables)}")


def _subset_key(entry: dict) -> str | None:
    s = entry.get("subset")
    return " ".join(s.replace('"', "'").split()) if s else None


def _conjunction(subset: str | None) -> dict[str, str] | None:
    """``a == 1 and b == 'x'`` → {a: '1', b: "'x'"}; None for anything else (``!=``, ``or``, ``<`` ...)."""
    if not subset:
        return None
    out = {}
    for term in subset.split(" and "):
        m = _TERM.match(term.strip())
        if not m or m[1] in out:
            return None
        out[m[1]] = m[2].replace('"', "'")
    return out


def _exclusive(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two conjunctions no patient can satisfy both of: they give one variable different values."""
    return any(v in b and b[v] != x for v, x in a.items())


def _row_group(entry: dict) -> tuple[str, str] | None:
    group, sep, level = entry["row"].partition(": ")
    return (group, level) if sep else None


# ------------------------------------------------------------------------------------------------ structures


@dataclass(frozen=True)
class RateGroup:
    """Rates within the levels of a variable, compared by one p-value (``<var>_<level>_<endpoint>_pct``)."""

    p: dict
    endpoint: str
    levels: tuple[tuple[str, dict, dict | None], ...]  # (level, percentage, count giving the level's size)
    total: dict | None  # the count of the endpoint in the whole population


def rate_groups(pub: Publication) -> list[RateGroup]:
    """Every p-value that compares rates within the levels of a variable (see the package docstring)."""
    out = []
    for p in pub.numbers:
        if p["statistic"] != "p_value" or not p["id"].endswith("_p"):
            continue
        tokens = p["id"][:-2].split("_")
        for i in range(1, len(tokens)):
            var, endpoint = "_".join(tokens[:i]), "_".join(tokens[i:])
            pattern = re.compile(rf"^{re.escape(var)}_(.+)_{re.escape(endpoint)}_pct$")
            levels = [(m[1], e) for e in pub.numbers
                      if e["table"] == p["table"] and e["statistic"] == "percent" and (m := pattern.match(e["id"]))]
            if len(levels) < 2:
                continue
            sized = tuple((level, e, _level_size(pub, e)) for level, e in levels)
            total = next((c for c in pub.numbers if c["statistic"] == "n" and c["population"] == p["population"]
                          and _subset_key(c) == f"{endpoint} == 1"), None)
            out.append(RateGroup(p=p, endpoint=endpoint, levels=sized, total=total))
            break
    return out


def _level_size(pub: Publication, rate: dict) -> dict | None:
    """The count of the rate's population with the same subset: the size of the level (printed elsewhere)."""
    key = _subset_key(rate)
    if key is None:
        return None
    return next((c for c in pub.numbers if c["statistic"] == "n" and c["population"] == rate["population"]
                 and _subset_key(c) == key and c["table"] != rate["table"]), None)


def _within_subgroup_ids(pub: Publication) -> set[str]:
    return {e["id"] for g in rate_groups(pub) for _, e, _ in g.levels}


def _implied_count(rate: dict, size: int) -> list[int]:
    return whole_counts(number(rate), size, rate["precision"])
