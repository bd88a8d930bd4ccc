"""Survival by a post-baseline variable: the naive comparison beside a landmark and a time-dependent analysis.

A subgroup defined by something that happens during follow-up (hand-foot skin syndrome, a thyroglobulin response, a
dose reduction, an objective response) is known only for patients who stayed on study long enough for it to happen.
Comparing progression-free survival by it as if it were known at day 0 credits the "yes" group with the time before
the event, during which its patients could not progress without leaving that group: guarantee-time (immortal-time)
bias, which favours the "yes" group (Anderson, Cain & Gelber, J Clin Oncol 1983; Giobbie-Hurder, Gelber & Regan,
J Clin Oncol 2013). Each post-baseline subgroup of a plan (``derive/post_baseline.py`` says which variables are
post-baseline and the day each became known) is analysed three ways, one row per non-reference level:

- ``naive``: the univariable Cox model on the value at the end of follow-up, as in ``pfs_by_subgroup`` (biased).
- ``landmark`` (conditional landmark analysis, Anderson et al. 1983), at each of the plan's
  ``tests.landmarks_months``: the patients still at risk after the landmark (time > landmark), each classified by
  the status known on or before the landmark (day ≤ landmark; the before state otherwise), time measured from the
  landmark. As R: ``coxph(Surv(time - L, event) ~ x_L, subset = time > L)``.
- ``time_varying`` (extended Cox model, Giobbie-Hurder et al. 2013): the variable as a time-dependent covariate on
  counting-process rows, in its before state on (0, day] and at its final value after the day it became known. As R:
  ``tmerge(d, d, id, event = event(time, event))``, then ``tmerge(., d, id, x = tdc(day))`` and
  ``coxph(Surv(tstart, tstop, event) ~ x)``. A day on or before day 0 counts from the start; a day on or after the
  end of follow-up leaves the patient in the before state.

Hazard ratios are those of each level against the subgroup's reference level (the first listed, as in the subgroup
table), from Efron-ties Cox models with Wald CIs and Wald p. Patients whose value differs from the before state but
whose day is not recorded cannot be placed in time: they are left out of the landmark and time-dependent analyses
and counted in the note. The analyses run on days (``pfs_days``, ``os_days`` and the day columns; a landmark of L
months is L × the plan's days per month): a Cox model depends only on the order of the times, so the hazard ratios
are those on the plan's time scale, and a switch on the day of another patient's event is compared exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..derive.post_baseline import PostBaseline, post_baseline_variables
from .cox import NotEstimable, fit_cox
from .response import subgroup_levels
from .survival_tables import level_codes
from .time_units import days_per_month, days_per_unit, time_unit

POST_BASELINE_COLUMNS = ["subgroup", "method", "landmark_months", "n", "events", "hr", "hr_ci_low", "hr_ci_high",
                         "p", "note"]
NOTES = {
    "naive": "status at the end of follow-up treated as known at day 0: biased in favour of the level reached "
             "during follow-up",
    "landmark": "patients at risk after the landmark, by their status on or before it; time from the landmark",
    "time_varying": "time-dependent covariate: before state until the day the value became known",
}


def post_baseline_subgroups(plan: dict) -> list[tuple[dict, PostBaseline]]:
    """The plan's subgroups whose variable is post-baseline, with what is known of its timing."""
    registry = post_baseline_variables(plan)
    return [(sg, registry[sg["variable"]]) for sg in plan.get("subgroups", []) if sg["variable"] in registry]


def _index_of(levels: list, value) -> int:
    return next((j for j, lev in enumerate(levels) if lev == value or str(lev) == str(value)), -1)


def _fit_rows(data: pd.DataFrame, levels: list, base: dict, start: str | None = None) -> list[dict]:
    """One row per non-reference level: HR of the level against the reference, from a Cox model of the
    indicators of ``data['code']``. As in the subgroup table, a level without patients or events, or with a single
    patient (or a reference without events) has no HR: its rows are left out of the model and its row says why."""
    code, event = data["code"].to_numpy(), data["event"].to_numpy()
    patient = data["patient"].to_numpy() if "patient" in data else np.arange(len(data))
    ref_events = event[code == 0].sum()
    reasons = {}
    for j in range(1, len(levels)):
        if not (code == j).any():
            reasons[j] = "no patients in this level"
        elif len(np.unique(patient[code == j])) == 1:
            reasons[j] = "single patient in this level"
        elif not (code == 0).any():
            reasons[j] = "no patients in the reference level"
        elif event[code == j].sum() == 0:
            reasons[j] = "no events in this level (monotone likelihood)"
        elif ref_events == 0:
            reasons[j] = "no events in the reference level (monotone likelihood)"
    usable = [j for j in range(1, len(levels)) if j not in reasons]
    terms = None
    if usable:
        model = data[np.isin(code, [0, *usable])].copy()
        for j in usable:
            model[f"level{j}"] = (model["code"] == j).astype(float)
        try:
            terms = fit_cox(model, "stop", "event", [f"level{j}" for j in usable], start=start).terms
            terms = terms.set_index("term")
        except NotEstimable as err:
            reasons.update({j: str(err) for j in usable})
    rows = []
    for j in range(1, len(levels)):
        row = {**base, "level": levels[j], "reference": levels[0], "hr": np.nan, "hr_ci_low": np.nan,
               "hr_ci_high": np.nan, "p": np.nan}
        if j in reasons:
            row["note"] = f"{base['note']}; HR not estimable: {reasons[j]}"
        else:
            t = terms.loc[f"level{j}"]
            row.update(hr=t["hr"], hr_ci_low=t["hr_ci_low"], hr_ci_high=t["hr_ci_high"], p=t["p"])
        rows.append(row)
    return rows


def counting_process(stop, event, before, final, switch) -> pd.DataFrame:
    """(start, stop] rows: a patient switching at 0 < switch < stop gets (0, switch] in the before state without
    event and (switch, stop] at the final value; otherwise one row, at the final value when switch ≤ 0 or there is no
    switch, in the before state when switch ≥ stop."""
    stop, event, switch = (np.asarray(a, dtype=float) for a in (stop, event, switch))
    before, final = np.asarray(before), np.asarray(final)
    split = (switch > 0) & (switch < stop)
    single_code = np.where(np.isnan(switch) | (switch <= 0), final, before)
    first = pd.DataFrame({"patient": np.arange(len(stop)), "start": 0.0, "stop": np.where(split, switch, stop),
                          "event": np.where(split, 0.0, event), "code": np.where(split, before, single_code)})
    second = pd.DataFrame({"patient": np.flatnonzero(split), "start": switch[split], "stop": stop[split],
                           "event": event[split], "code": final[split]})
    return pd.concat([first, second], ignore_index=True).sort_values(["patient", "start"], kind="stable")


def _one_subgroup(dataset, sg, info, time, event, landmarks) -> list[dict]:
    """Rows of one subgroup; ``time`` in days, like the day columns and ``landmarks`` (a Cox model depends on the
    order of the times only, so the HRs are those on the plan's scale, and ties between a switch day and an event
    day are compared exactly); ``landmarks``: (months, days) pairs."""
    var = sg["variable"]
    frame, levels = subgroup_levels(dataset, sg)
    code = level_codes(frame[var], levels)
    ok = (code >= 0) & frame[time].notna().to_numpy() & frame[event].notna().to_numpy()
    frame, code = frame.loc[ok], code[ok]
    t, e = frame[time].to_numpy(dtype=float), frame[event].to_numpy(dtype=float)
    label = sg.get("label", var)
    head = {"subgroup": label, "variable": var}
    rows = _fit_rows(pd.DataFrame({"stop": t, "event": e, "code": code}), levels,
                     {**head, "method": "naive", "landmark_months": np.nan, "n": len(t), "events": int(e.sum()),
                      "note": NOTES["naive"]})
    reason = ""
    if info.day_column is None or info.day_column not in frame:
        reason = "the day this variable became known is not defined"
    else:
        day = frame[info.day_column].to_numpy(dtype=float)
        if info.before is None and len(levels) == 2:  # the other level, for patients whose value changed
            changed = ~np.isnan(day)
            before_code = np.where(changed, 1 - code, code)
        elif _index_of(levels, info.before) >= 0:
            before_code = np.full(len(code), _index_of(levels, info.before))
            changed = code != before_code
        else:
            reason = "its state before the day it became known is not a level of this subgroup"
    if reason:
        for method in ("landmark", "time_varying"):
            for lm in ([m for m, _ in landmarks] if method == "landmark" else [np.nan]):
                rows += [{**head, "method": method, "landmark_months": lm, "level": lev, "reference": levels[0],
                          "n": np.nan, "events": np.nan, "note": f"not computed: {reason}"} for lev in levels[1:]]
        return rows
    switch = np.where(changed, day, np.nan)
    unknown = changed & np.isnan(switch)
    missing_note = (f"; {int(unknown.sum())} patient(s) without a recorded day left out" if unknown.any() else "")
    dated = ~unknown
    t, e, code, before_code, switch = t[dated], e[dated], code[dated], before_code[dated], switch[dated]
    for months, lm in landmarks:
        at_risk = t > lm
        status = np.where(switch[at_risk] <= lm, code[at_risk], before_code[at_risk])
        data = pd.DataFrame({"stop": t[at_risk] - lm, "event": e[at_risk], "code": status})
        rows += _fit_rows(data, levels, {**head, "method": "landmark", "landmark_months": months,
                                         "n": int(at_risk.sum()), "events": int(e[at_risk].sum()),
                                         "note": NOTES["landmark"] + missing_note})
    positive = t > 0  # a follow-up of length 0 has no (start, stop] interval
    zero_note = f"; {int((~positive).sum())} patient(s) with no follow-up left out" if not positive.all() else ""
    data = counting_process(t[positive], e[positive], before_code[positive], code[positive], switch[positive])
    rows += _fit_rows(data, levels, {**head, "method": "time_varying", "landmark_months": np.nan,
                                     "n": int(positive.sum()), "events": int(e[positive].sum()),
                                     "note": NOTES["time_varying"] + missing_note + zero_note}, start="start")
    return rows


def post_baseline_table(dataset: pd.DataFrame, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    """The three analyses of every post-baseline subgroup of ``plan`` for ``endpoint`` (pfs or os), in the plan's
    time unit; columns :data:`POST_BASELINE_COLUMNS`, then variable, level, reference and their labels."""
    landmarks = list(plan.get("tests", {}).get("landmarks_months", [6, 12, 24]))
    data = dataset
    time = f"{endpoint}_days"
    if time not in data:  # only the plan's time unit given: back to days
        data = data.assign(**{time: data[f"{endpoint}_{time_unit(plan)}"] * days_per_unit(plan)})
    in_days = [(lm, lm * days_per_month(plan)) for lm in landmarks]
    rows = []
    for sg, info in post_baseline_subgroups(plan):
        part = _one_subgroup(data, sg, info, time, f"{endpoint}_event", in_days)
        labels = sg.get("labels") or {}
        for row in part:
            row["label"] = str(labels.get(row["level"], row["level"]))
            row["reference_label"] = str(labels.get(row["reference"], row["reference"]))
        rows += part
    table = pd.DataFrame(rows, columns=[*POST_BASELINE_COLUMNS, "variable", "level", "reference", "label",
                                        "reference_label"])
    table["note"] = table["note"].fillna("")
    return table
