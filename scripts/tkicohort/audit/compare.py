"""One quantity printed in several places: do the printed values agree, and if not, which of them is the odd one out?

Each printed value stands for an interval of true values (:func:`common.interval`: its rounding interval, wider for
an approximation, one-sided for ``<`` and ``>``). Times printed in different units are first converted to months
with the pipeline's convention (7 days a week, 365.25 / 12 days a month, 365.25 days a year). The values agree when
one true value lies in every interval. When they do not, the values that a strict majority agrees on are the
consensus and the others are the culprits; without a majority every value is. A culprit one unit of its last
printed place or less from the consensus (or, without one, values at most one unit of the coarser place apart) is
a minor difference, anything further a major one. When the values agree only under another time convention (30-day
months, 4-week months, 4.3 weeks a month, 52-week or 360-day years), the difference is minor and the note names the
convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .common import consensus, gap, interval, unit_of

#: Days per unit, the pipeline's convention (``time.days_per_month`` = 30.4375).
DAYS_PER = {"days": Decimal(1), "weeks": Decimal(7), "months": Decimal("30.4375"), "years": Decimal("365.25")}
#: Other conventions a document may have used to convert times, tried when the standard one does not reconcile.
OTHER_CONVENTIONS = {
    "months of 30 days": {"months": Decimal(30)},
    "months of 4 weeks": {"months": Decimal(28)},
    "months of 4.3 weeks": {"months": Decimal("30.1")},
    "years of 52 weeks": {"years": Decimal(364)},
    "years of 360 days": {"years": Decimal(360)},
}
TIME_STATISTICS = ("median", "mean", "range_min", "range_max", "iqr_low", "iqr_high", "ci_low", "ci_high",
                   "individual", "design", "km_mean")


@dataclass
class Verdict:
    """The outcome of :func:`compare` on a list of entries."""

    severity: str  # ok | minor | major
    culprits: list[int] = field(default_factory=list)  # indices into the entries
    note: str = ""
    alternative: str = ""  # the value the consensus supports, as the culprits would print it


def time_unit(entry: dict) -> str | None:
    unit = (entry.get("unit") or "").strip().lower()
    return unit if unit in DAYS_PER and entry["statistic"] in TIME_STATISTICS else None


def _intervals(entries: list[dict], days: dict[str, Decimal]) -> list[tuple[Decimal, Decimal]]:
    """Each entry's interval, times in months of ``days["months"]`` days."""
    out = []
    for e in entries:
        lo, hi = interval(e)
        unit = time_unit(e)
        if unit and unit != "months":
            factor = days.get(unit, DAYS_PER[unit]) / days.get("months", DAYS_PER["months"])
            lo, hi = lo * factor, hi * factor
        out.append((lo, hi))
    return out


def _fmt(x: Decimal) -> str:
    return f"{float(x):.4g}"


def compare(entries: list[dict]) -> Verdict:
    """Do the printed values of ``entries`` (one quantity) agree? See the module docstring."""
    units = {time_unit(e) or "" for e in entries}
    mixed = len(units) > 1 and "" not in units
    base = _intervals(entries, DAYS_PER)
    members, shared = consensus(base)
    if shared is not None and len(members) == len(entries):
        note = "printed alike" if len({e["value"] for e in entries}) == 1 else "consistent within rounding"
        if mixed:
            note += " once converted to months of 365.25 / 12 days"
        return Verdict("ok", note=note)
    if mixed:
        for name, days in OTHER_CONVENTIONS.items():
            m2, s2 = consensus(_intervals(entries, {**DAYS_PER, **days}))
            if s2 is not None and len(m2) == len(entries):
                converted = [i for i, e in enumerate(entries) if time_unit(e) != "months"]
                return Verdict("minor", culprits=[i for i in range(len(entries)) if i not in converted],
                               note=f"{' and '.join(sorted(u for u in units if u))} agree only with {name} "
                                    f"(with 365.25 / 12-day months: " + ", ".join(
                                        f"{e['value']} {time_unit(e)} = {_fmt((lo + hi) / 2)} months"
                                        for e, (lo, hi) in zip(entries, base, strict=True)) + ")")
    if shared is not None and 2 * len(members) > len(entries):
        culprits = [i for i in range(len(entries)) if i not in members]
        far = max(gap(base[i], shared) for i in culprits)
        unit = max(unit_of(entries[i]["precision"]) for i in culprits)
        severity = "minor" if far <= unit else "major"
        values = " and ".join(dict.fromkeys(entries[i]["value"] for i in members))
        alt = _consensus_text(entries, members, shared)
        odd = ", ".join(dict.fromkeys(entries[i]["value"] for i in culprits))
        how = "just beyond rounding" if far == 0 else f"{_fmt(far)} beyond rounding"
        return Verdict(severity, culprits, f"{len(members)} of {len(entries)} places print {values}, "
                                           f"{len(culprits)} print{'s' if len(culprits) == 1 else ''} {odd} "
                                           f"({how})", alt)
    lo_max = max(lo for lo, _ in base)
    hi_min = min(hi for _, hi in base)
    spread = lo_max - hi_min
    unit = max(unit_of(e["precision"]) for e in entries)
    severity = "minor" if spread <= unit else "major"
    return Verdict(severity, list(range(len(entries))), "no value fits all of them and no majority agrees",
                   " or ".join(dict.fromkeys(e["value"] for e in entries)))


def _consensus_text(entries: list[dict], members: list[int], shared: tuple[Decimal, Decimal]) -> str:
    """The most precise value the majority prints (it lies in the shared stretch), with its unit."""
    best = max(members, key=lambda i: entries[i]["precision"])
    unit = entries[best].get("unit")
    return entries[best]["value"] + (f" {unit}" if unit and time_unit(entries[best]) else "")
