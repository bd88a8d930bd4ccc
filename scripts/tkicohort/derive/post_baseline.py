"""Post-baseline variables: which columns of the analysis dataset are known only after treatment starts, and the day
each patient's value became known.

A variable whose rule looks at follow-up (an adverse event, the thyroglobulin response, the dose status, the best
response and the flags built on it) is not a baseline characteristic: a patient must stay on study long enough for
it to happen. Comparing survival by such a variable as if it were known at day 0 favours the patients in whom it
happened (guarantee-time or immortal-time bias); the survival tables therefore analyse it again with the day it
became known (``stats/post_baseline.py``). Each rule's day, as kept in the dataset (NaN when the event never happened
or its day is not recorded):

- ``orr`` → ``orr_day``: the first counted CR or PR; when the plan requires confirmation, the day of the assessment
  that confirms it (the response is known only then: dating it from the first CR/PR would credit the responder with
  the weeks it had to stay progression-free to be confirmed).
- ``dcr`` → ``dcr_day``: the first counted assessment giving disease control (CR or PR on any day, SD or
  NON-CR/NON-PD from the SD minimum on; with confirmation, a CR or PR counts from its confirmation); with
  ``clinical_benefit_sd_months``, stable disease counts only once PFS has lasted that long, so the day is at least
  that many days.
- ``tg_response`` (and a ``tg_response`` rule) → ``<name>_day``: the first on-treatment day before PD on which the
  decrease from baseline reaches the threshold.
- ``dose_status`` (and a ``dose_status`` rule) → ``<name>_day``: the day the dose was first modified (first record
  below the starting dose), for a status other than standard.
- an ``adverse_event`` rule → ``<name>_day``: the onset day of the first qualifying event.
- an ``expression`` over post-baseline variables → ``<name>_day``: the latest day of its post-baseline inputs
  that have one (the value is certainly known then); missing when one of them has no day column.
- other columns built from follow-up (``bor``, best percentage change, Tg nadir, any other derived rule over a
  post-baseline variable) are post-baseline without a day: tables flag them but cannot place them in time.

Before its day a patient is in the variable's *before* state: 0 for the flags, ``standard`` for the dose status, and
for a two-level variable without a fixed before state (an expression) the other level. A patient whose value is the
before state has no day and keeps that value throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..expression import ExpressionError, parse


@dataclass(frozen=True)
class PostBaseline:
    """A post-baseline column: its day column (None when it cannot be dated) and its before state (None: for a
    two-level variable, the other level)."""

    day_column: str | None
    before: object = None


#: Endpoint columns that are post-baseline, with their day column and before state.
BUILT_IN = {
    "orr": PostBaseline("orr_day", 0),
    "dcr": PostBaseline("dcr_day", 0),
    "tg_response": PostBaseline("tg_response_day", 0),
    "dose_status": PostBaseline("dose_status_day", "standard"),
}
#: Endpoint columns built from follow-up that cannot be dated by one day.
UNDATED = ("bor", "bor_confirmed", "best_pct_change", "tg_nadir", "tg_best_pct_change", "pfs_days", "pfs_months",
           "pfs_weeks", "pfs_event", "os_days", "os_months", "os_weeks", "os_event", "dor_days", "dor_months",
           "dcd_days", "dcd_months")
_DATED_RULES = {"adverse_event": 0, "tg_response": 0, "dose_status": "standard"}


def _inputs(spec: dict) -> list[str]:
    rule = spec.get("rule")
    if rule == "expression":
        try:
            return list(parse(spec["expr"]).columns)
        except ExpressionError:
            return []
    if rule in ("threshold", "cut"):
        return [spec["variable"]]
    if rule == "any":
        return list(spec["variables"])
    if rule == "only":
        return [spec["variable"], *spec["others"]]
    return []


def post_baseline_variables(plan: dict) -> dict[str, PostBaseline]:
    """Every post-baseline column a plan's dataset has: the endpoint columns and the plan's derived variables whose
    rule looks at follow-up or reads a post-baseline column (in plan order)."""
    out = dict(BUILT_IN)
    out.update({name: PostBaseline(None) for name in UNDATED})
    for name, spec in (plan.get("derived") or {}).items():
        rule = spec.get("rule")
        if rule in _DATED_RULES:
            out[name] = PostBaseline(f"{name}_day", _DATED_RULES[rule])
            continue
        upstream = [c for c in _inputs(spec) if c in out]
        if not upstream:
            out.pop(name, None)  # a baseline variable that reuses an endpoint's name
            continue
        dated = rule == "expression" and all(out[c].day_column for c in upstream)
        out[name] = PostBaseline(f"{name}_day" if dated else None)
    return out


def response_days(best: pd.DataFrame, flags: pd.DataFrame, recist: dict, days_per_month: float) -> dict:
    """``orr_day`` and ``dcr_day`` (module docstring) from the RECIST best-response table and the response flags."""
    confirmed = recist.get("require_confirmation", False)

    def column(name):
        return best[name].to_numpy(dtype=float) if name in best else np.full(len(best), np.nan)

    orr = flags["orr"].to_numpy(dtype=float, na_value=0) == 1
    dcr = flags["dcr"].to_numpy(dtype=float, na_value=0) == 1
    orr_day = np.where(orr, column("confirmed_response_day" if confirmed else "first_response_day_unconfirmed"), np.nan)
    dcr_day = column("confirmed_control_day" if confirmed else "control_day")
    benefit = recist.get("clinical_benefit_sd_months")
    if benefit is not None:  # stable disease gives clinical benefit once PFS has lasted that long
        dcr_day = np.where(orr, np.fmin(dcr_day, orr_day), np.fmax(dcr_day, np.ceil(benefit * days_per_month)))
    return {"orr_day": orr_day, "dcr_day": np.where(dcr, dcr_day, np.nan)}


def expression_day(frame: pd.DataFrame, spec: dict, registry: dict[str, PostBaseline]) -> np.ndarray:
    """The day an expression's value became known: the latest day of its dated post-baseline inputs, for patients
    whose value differs from the one the expression takes with those inputs in their before states (NaN otherwise,
    and when the value is missing)."""
    dated = [c for c in _inputs(spec) if c in registry and registry[c].day_column in frame]
    if not dated:
        return np.full(len(frame), np.nan)
    before = frame.copy()
    days = []
    for c in dated:
        day = frame[registry[c].day_column].to_numpy(dtype=float)
        state = registry[c].before
        if state is None:  # a two-level 0/1 variable: the other level
            state = 1 - pd.to_numeric(frame[c], errors="coerce")
        before[c] = frame[c].where(np.isnan(day), state)
        days.append(day)
    value = parse(spec["expr"]).evaluate(frame).astype("Int8").to_numpy(dtype=float, na_value=np.nan)
    earlier = parse(spec["expr"]).evaluate(before).astype("Int8").to_numpy(dtype=float, na_value=np.nan)
    latest = np.max(np.where(np.isnan(days), -np.inf, days), axis=0)
    changed = ~np.isnan(value) & (value != earlier) & np.isfinite(latest)
    return np.where(changed, latest, np.nan)
