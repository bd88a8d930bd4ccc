"""Durations against the calendar dates a document prints.

Dates are numbers with ``statistic: date`` (``YYYY-MM`` or ``YYYY-MM-DD``; a month stands for any of its days) and
a ``quantity`` naming what happened then. Two windows are checked:

- **the study's**: from the first inclusion (``enrolment_start``) to the earliest date by which every follow-up had
  ended: the data cut-off (``data_cutoff``), else the manuscript's receipt (``received_date``), acceptance
  (``accepted_date``) or publication (``publication_date``). No follow-up, median or range of a time-to-event
  endpoint, or time on treatment printed for the study can be longer; every date of a case must lie in the
  window too.
- **a case's** (numbers sharing a ``case``): from its earliest start (``diagnosis_date``, ``treatment_start_date``)
  to its latest observation (``scan_date``, ``last_followup_date``); a time printed for the case (``individual``,
  with a time unit) cannot be longer, since treatment starts on or after diagnosis.

A duration longer than its window, beyond the rounding of the printed value, is major; the note gives both in
months (365.25 / 12 days) and days.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from .common import Publication, _row
from .compare import DAYS_PER
from .survival import months

STARTS = ("enrolment_start",)
ENDS = ("data_cutoff", "received_date", "accepted_date", "publication_date")
CASE_STARTS = ("diagnosis_date", "treatment_start_date")
CASE_ENDS = ("scan_date", "last_followup_date")
DURATIONS = ("followup_min", "followup_max", "followup_median", "followup_planned", "treatment_duration",
             *(f"{e}_{s}" for e in ("pfs", "os", "ttp", "dor") for s in ("median", "max")))


def day_range(entry: dict) -> tuple[date, date]:
    """The first and last day a printed date can be (a month without its day: the whole month)."""
    parts = [int(p) for p in entry["value"].split("-")]
    if len(parts) == 3:
        d = date(*parts)
        return d, d
    year, month = parts
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _span_months(start: date, end: date) -> Decimal:
    return Decimal((end - start).days) / DAYS_PER["months"]


def _dates(pub: Publication, quantities: tuple[str, ...], case: str | None) -> list[dict]:
    return [e for e in pub.numbers if e["statistic"] == "date" and e.get("quantity") in quantities
            and e.get("case") == case]


def _fmt(x: Decimal) -> str:
    return f"{float(x):.1f}"


def _check(check: str, durations: list[dict], start: dict, end: dict, first: date, last: date) -> list[dict]:
    rows = []
    window = _span_months(first, last)
    for d in durations:
        lo, _ = months(d)
        entries = [d, start, end]
        printed = f"{d['value']} {d.get('unit', '')} between {start['value']} and {end['value']}"
        if lo <= window:
            rows.append(_row(check, entries, printed, "ok", f"{d['value']} {d.get('unit', '')} fits in the "
                             f"{_fmt(window)} months ({(last - first).days} days) between the dates"))
        else:
            rows.append(_row(check, entries, printed, "major",
                             f"{d['value']} {d.get('unit', '')} is longer than the {_fmt(window)} months "
                             f"({(last - first).days} days) from {start['value']} to {end['value']}",
                             f"at most {_fmt(window)} months", culprits=[d]))
    return rows


def check_durations_vs_dates(pub: Publication) -> list[dict]:
    """Follow-up, survival times and times on treatment against the dates printed around them (module docstring)."""
    rows = []
    starts, ends = _dates(pub, STARTS, None), _dates(pub, ENDS, None)
    if starts and ends:
        start = min(starts, key=lambda e: day_range(e)[0])
        end = min(ends, key=lambda e: day_range(e)[1])
        first, last = day_range(start)[0], day_range(end)[1]
        durations = [e for e in pub.numbers if e.get("quantity") in DURATIONS and not e.get("case")
                     and e["statistic"] != "date" and not pub.external(e)]
        rows += _check("durations_vs_dates", durations, start, end, first, last)
        for d in [e for e in pub.numbers if e["statistic"] == "date" and e.get("case")]:
            lo, hi = day_range(d)
            if lo < first or hi > last:
                rows.append(_row("durations_vs_dates", [d, start, end], d["value"], "major",
                                 f"a date of case {d['case']} outside the study's {start['value']} to "
                                 f"{end['value']}", culprits=[d]))
    for case in sorted({e["case"] for e in pub.numbers if e.get("case")}):
        c_starts, c_ends = _dates(pub, CASE_STARTS, case), _dates(pub, CASE_ENDS, case)
        if not c_starts or not c_ends:
            continue
        start = min(c_starts, key=lambda e: day_range(e)[0])
        end = max(c_ends, key=lambda e: day_range(e)[1])
        durations = [e for e in pub.numbers if e.get("case") == case and e["statistic"] != "date"
                     and e.get("unit") in DAYS_PER]
        rows += _check("durations_vs_dates", durations, start, end, day_range(start)[0], day_range(end)[1])
    return rows
