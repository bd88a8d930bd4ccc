"""Survival summaries against what the follow-up and the assessment schedule allow.

The numbers are found by their ``quantity`` (resources/studies/README.md): ``<endpoint>_median`` (a Kaplan–Meier
median; ``>`` or no value means not reached), ``<endpoint>_events``, ``followup_min`` / ``followup_max`` /
``followup_median`` / ``followup_planned``, and ``scan_interval`` (a fixed interval as a ``design`` value, or a
variable one as ``range_min`` and ``range_max``). A follow-up or schedule printed for a population holds for the
populations declared ``within`` it. The range of an endpoint is the ``range_min`` / ``range_max`` printed beside
its median (same id stem). Times are compared in months (7 days a week, 365.25 / 12 days a month, 365.25 days a
year). Conventions, from the Kaplan–Meier estimator:

- with ``e`` events among ``n`` patients and nobody censored before time ``t``, S(t) ≥ (n − e) / n; a median
  (S ≤ 0.5) therefore needs ``e ≥ n / 2`` events, or at least ``n − 2e`` patients censored before it;
- a median at the last follow-up time needs the curve to fall to 0.5 at the very end of the data, which the
  published curves of small cohorts almost never do: "not reached" printed as the follow-up is the usual cause;
- a PFS time is an assessment time: with a fixed interval ``d``, progression is seen at ``d, 2d, ...`` and a median
  (an event time or the midpoint of two) is a multiple of ``d / 2``; with an interval between ``a`` and ``b``, the
  ``k``-th assessment lies between ``k·a`` and ``k·b``. A death (also a PFS event) or an unscheduled scan can fall
  between assessments, so a value off the schedule is a minor finding, never a major one.
"""

from __future__ import annotations

from decimal import Decimal

from .common import Publication, _row, interval, number, stem
from .compare import DAYS_PER, time_unit
from .nesting import ancestors

ENDPOINTS = ("pfs", "os", "ttp", "dor")
FOLLOW_UP = ("followup_min", "followup_max", "followup_median", "followup_planned")


def months(entry: dict) -> tuple[Decimal, Decimal]:
    """The entry's interval of true values in months (a ``design`` value is exact, not rounded)."""
    lo, hi = (number(entry), number(entry)) if entry["statistic"] == "design" else interval(entry)
    unit = time_unit(entry) or "months"
    factor = DAYS_PER[unit] / DAYS_PER["months"]
    return lo * factor, hi * factor


def _fmt(x: Decimal) -> str:
    return f"{float(x):.3g}"


def _covering(pub: Publication, population: str, quantity: str) -> list[dict]:
    """Numbers of ``quantity`` printed for ``population`` or a population containing it."""
    pops = [population, *ancestors(pub, population)]
    return [e for e in pub.numbers if e.get("quantity") == quantity and e["population"] in pops]


def _medians(pub: Publication, endpoint: str) -> list[dict]:
    return [e for e in pub.numbers if e.get("quantity") == f"{endpoint}_median" and e["statistic"] == "median"
            and not e["value"].startswith(">")]


def check_events_vs_median(pub: Publication) -> list[dict]:
    """A reached median needs events in at least half the patients still at risk.

    Rule: for a median of ``n`` patients with ``e`` events printed (``n`` the population's size): ``2e ≥ n`` passes.
    Otherwise the Kaplan–Meier curve reaches 0.5 only if at least ``n − 2e`` patients were censored before the
    median; when a minimum or planned follow-up of the population reaches the median, nobody was, S(median) ≥
    (n − e) / n > 0.5 and the median cannot be where it is printed (major); when nothing printed rules the
    censoring out, the row is an info finding saying how many must have been censored.
    """
    rows = []
    for endpoint in ENDPOINTS:
        for median in _medians(pub, endpoint):
            events = [e for e in pub.numbers if e.get("quantity") == f"{endpoint}_events"
                      and e["population"] == median["population"]]
            n = pub.size(median)
            if not events or not n:
                continue
            e = max(int(number(x)) for x in events)
            entries = [median, *events]
            printed = f"median {median['value']}, {e} events of {n}"
            if 2 * e >= n:
                rows.append(_row("events_vs_median", entries, printed, "ok",
                                 f"{e} events among {n} patients: the curve can reach 0.5"))
                continue
            need = n - 2 * e
            low, _ = months(median)
            follow = [f for q in ("followup_min", "followup_planned") for f in _covering(pub, median["population"], q)
                      if months(f)[0] >= low]
            if follow:
                f = follow[0]
                rows.append(_row(
                    "events_vs_median", entries + [f], printed + f", follow-up ≥ {f['value']} {f.get('unit', '')}",
                    "major", f"every patient was followed to at least {_fmt(months(f)[0])} months, so nobody was "
                    f"censored before the median: S ≥ ({n} − {e}) / {n} = {_fmt(Decimal(n - e) / n)} > 0.5 and the "
                    f"median cannot be reached by {median['value']} {median.get('unit', '')}".rstrip(),
                    "not reached", culprits=[median, *events]))
            else:
                rows.append(_row("events_vs_median", entries, printed, "info",
                                 f"{e} events among {n} patients reach S = 0.5 only if at least {need} patients were "
                                 f"censored before {median['value']} {median.get('unit', '')}; nothing printed "
                                 "rules it out", culprits=[median], finding=True))
    return rows


def check_median_at_end_of_followup(pub: Publication) -> list[dict]:
    """A median equal to the end of follow-up, or to the median follow-up, is most likely the follow-up printed in
    place of "not reached".

    Rule: a reached median of an endpoint whose interval meets that of the population's maximum or planned
    follow-up, of the largest time printed in the endpoint's range (same id stem), or of the median follow-up →
    minor (one row per median; the note names every equal number).
    """
    rows = []
    for endpoint in ENDPOINTS:
        for median in _medians(pub, endpoint):
            lo, hi = months(median)
            ends = [f for q in ("followup_max", "followup_planned", "followup_median")
                    for f in _covering(pub, median["population"], q)]
            ends += [e for e in pub.numbers if e["statistic"] == "range_max" and stem(e) == stem(median)
                     and e["population"] == median["population"]]
            equal = [f for f in ends if months(f)[0] <= hi and lo <= months(f)[1]]
            if not ends:
                continue
            if not equal:
                rows.append(_row("median_at_end_of_followup", [median, *ends], median["value"], "ok",
                                 "below the end of follow-up"))
                continue
            what = ", ".join(dict.fromkeys(f"{_followup_label(f)} {f['value']} {f.get('unit', '')}".rstrip()
                                           for f in equal))
            rows.append(_row("median_at_end_of_followup", [median, *equal], median["value"], "minor",
                             f"the median {endpoint.upper()} ({median['value']} {median.get('unit', '')}) equals the "
                             f"{what}: a Kaplan–Meier median at the end of the data, or the follow-up printed where "
                             "the median was not reached", "not reached", culprits=[median]))
    return rows


def _followup_label(entry: dict) -> str:
    return {"followup_max": "longest follow-up", "followup_planned": "planned follow-up",
            "followup_median": "median follow-up"}.get(entry.get("quantity", ""), "largest time of its range")


def _schedules(pub: Publication, population: str) -> list[tuple[str, Decimal, Decimal, list[dict]]]:
    """(kind, a, b, entries) of every assessment schedule covering ``population``: fixed (a = b) or a range."""
    out = []
    entries = _covering(pub, population, "scan_interval")
    for e in entries:
        if e["statistic"] == "design":
            d = months(e)[0]
            out.append(("fixed", d, d, [e]))
    lows = [e for e in entries if e["statistic"] == "range_min"]
    highs = [e for e in entries if e["statistic"] == "range_max"]
    for a, b in zip(lows, highs, strict=False):
        out.append(("range", months(a)[0], months(b)[0], [a, b]))
    return out


def _on_schedule(lo: Decimal, hi: Decimal, a: Decimal, b: Decimal, median: bool) -> bool:
    """Does [lo, hi] meet an assessment time k·[a, b] (k ≥ 0), or for a median the midpoint of two of them?"""
    if a <= 0:
        return True
    top = int(hi / a) + 2
    for k in range(0, top + 1):
        if k * a <= hi and lo <= k * b:
            return True
    if median:
        for j in range(0, top + 1):
            for k in range(j + 1, top + 1):
                if (j + k) * a / 2 <= hi and lo <= (j + k) * b / 2:
                    return True
    return False


def check_scan_schedule(pub: Publication) -> list[dict]:
    """Printed PFS times against the assessment schedule: progression is found at a scan.

    Rule: every PFS median (``pfs_median``) and every limit of the PFS range printed beside it (same id stem) must
    be a time at which the population's schedule (``scan_interval``) has an assessment (a median may also be the
    midpoint of two); see the module docstring. Off the schedule → minor (a death or an unscheduled scan would
    explain it); on it → one ok row per schedule.
    """
    rows, fine = [], []
    for median in [e for e in pub.numbers if e.get("quantity") == "pfs_median" and e["statistic"] == "median"]:
        schedules = _schedules(pub, median["population"])
        if not schedules:
            continue
        times = [median] + [e for e in pub.numbers if e["statistic"] in ("range_min", "range_max")
                            and stem(e) == stem(median) and e["population"] == median["population"]]
        for t in times:
            lo, hi = months(t)
            for kind, a, b, defining in schedules:
                if _on_schedule(lo, hi, a, b, t is median):
                    fine.append(t)
                    continue
                plan = f"every {_fmt(a)} months" if kind == "fixed" else f"every {_fmt(a)} to {_fmt(b)} months"
                what = "median PFS" if t is median else f"PFS {'minimum' if t['statistic'] == 'range_min' else 'maximum'}"
                rows.append(_row("scan_schedule", [t, *defining], f"{t['value']} {t.get('unit', '')}".rstrip(),
                                 "minor", f"{what} {t['value']} {t.get('unit', '')} is no assessment time of a "
                                 f"schedule of {plan}" + (" (nor the midpoint of two)" if t is median else "")
                                 + "; only a death or an unscheduled scan could give it", culprits=[t]))
    if fine:
        rows.insert(0, _row("scan_schedule", list({id(e): e for e in fine}.values()), f"{len(fine)} values", "ok",
                            "PFS times that fall on the assessment schedule"))
    return rows
