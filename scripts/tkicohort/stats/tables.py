"""The tables of a cohort, by name: which ones a plan yields, and how each is computed from the stage's inputs.

Every table reads the analysis dataset (``results/<c>/analysis/patients.csv``); the adverse-event and
quality-of-life tables also read the ingested ``adverse_events`` / ``qol`` tables. Which tables a plan yields:

- both designs: ``baseline`` (when the plan lists baseline rows), ``efficacy``, ``pfs_overall``, ``adverse_events``;
- single arm: ``response_by_subgroup``, ``pfs_by_subgroup``, ``cox_multivariable`` (when the plan lists variables);
- two arms: ``response_by_arm`` (best response and clinical benefit by arm), ``pfs_by_arm``, ``qol`` (when qol data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..expression import select
from .adverse_events import adverse_event_table
from .baseline import baseline_table, compare_categorical, mann_whitney
from .efficacy import RESPONSE_ORDER, efficacy_table
from .response import response_by_subgroup
from .survival_tables import (
    multivariable_cox,
    overall_survival_summary,
    pfs_by_subgroup,
    select_by_univariable_p,
)


@dataclass
class TableInputs:
    dataset: pd.DataFrame
    adverse_events: pd.DataFrame | None = None
    qol: pd.DataFrame | None = None


def time_column(plan: dict, endpoint: str = "pfs") -> str:
    unit = plan.get("time", {}).get("unit", "months")
    return f"{endpoint}_{unit}"


def tables_for(plan: dict, has_qol: bool = False) -> list[str]:
    names = ["baseline"] if plan.get("baseline") else []
    names += ["efficacy", "pfs_overall", "adverse_events"]
    if plan["design"] == "two_arm":
        names += ["response_by_arm", "pfs_by_arm"] + (["qol"] if has_qol else [])
    else:
        names += ["response_by_subgroup", "pfs_by_subgroup"]
        if plan.get("multivariable", {}).get("variables"):
            names.append("cox_multivariable")
    return names


def arm_setup(plan: dict) -> tuple[str | None, list | None]:
    if plan["design"] != "two_arm":
        return None, None
    return "arm", [plan["arms"]["reference"], plan["arms"]["treatment"]]


def _tests(plan: dict) -> dict:
    return plan.get("tests", {})


def survival_population(dataset: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """The patients of the survival analyses: the plan's ``tests.pfs_population`` condition, or everyone."""
    return select(dataset, _tests(plan).get("pfs_population"))


def subgroup_specs(plan: dict) -> dict[str, dict]:
    """variable → its plan subgroup (levels, labels) for the models of all patients: a subgroup restricted by a
    ``population:`` filter only when the variable has no unrestricted one."""
    specs = {}
    for sg in plan.get("subgroups", []):
        if sg["variable"] not in specs or (specs[sg["variable"]].get("population") and not sg.get("population")):
            specs[sg["variable"]] = sg
    return specs


def make_baseline(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    arm, arms = arm_setup(plan)
    return baseline_table(inputs.dataset, plan.get("baseline", []), arm=arm, arms=arms,
                          mann_whitney_method=_tests(plan).get("mann_whitney", "auto"))


def make_efficacy(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    breaks = tuple(plan.get("efficacy", {}).get("duration_breaks_months", (6, 12, 18)))
    arm, arms = arm_setup(plan)
    if not arm:
        return efficacy_table(inputs.dataset, duration_breaks_months=breaks).assign(arm="all")
    parts = [efficacy_table(inputs.dataset[inputs.dataset[arm] == a], duration_breaks_months=breaks).assign(arm=a)
             for a in arms]
    return pd.concat(parts, ignore_index=True)


def make_pfs_overall(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    t = _tests(plan)
    arm, arms = arm_setup(plan)
    data = survival_population(inputs.dataset, plan)
    groups = [("all", data)] if not arm else [(a, data[data[arm] == a]) for a in arms]
    parts = []
    for endpoint in ("pfs", "os"):
        if endpoint not in plan.get("endpoints", ["pfs", "os"]):
            continue
        for name, frame in groups:
            parts.append(overall_survival_summary(
                frame, time_column(plan, endpoint), f"{endpoint}_event", t.get("km_ci", "log-log"),
                tuple(t.get("landmarks_months", (6, 12, 24))), t.get("rmst_horizon_months"), endpoint,
            ).assign(arm=name))
    return pd.concat(parts, ignore_index=True)


def make_response_by_subgroup(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    evaluable = inputs.dataset[inputs.dataset["evaluable"] == 1]
    return response_by_subgroup(evaluable, plan["subgroups"], test=_tests(plan).get("response", "fisher"))


def make_pfs_by_subgroup(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    t = _tests(plan)
    return pfs_by_subgroup(survival_population(inputs.dataset, plan), plan["subgroups"], time=time_column(plan), conf_type=t.get("km_ci",
                           "log-log"), rmst_horizon=t.get("rmst_horizon_months"), firth=t.get("cox_firth", False))


def make_cox_multivariable(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    spec = plan.get("multivariable", {})
    wanted = list(spec.get("variables", []))
    if spec.get("select_p") is not None:
        uni = make_pfs_by_subgroup(inputs, plan)
        keep = set(select_by_univariable_p(uni, spec["select_p"]))
        wanted = [v for v in wanted if v in keep]
    by_var = subgroup_specs(plan)
    variables = [by_var.get(v, {"variable": v}) for v in wanted]
    if not variables:
        return pd.DataFrame({"term": [], "note": []})
    table, warnings = multivariable_cox(survival_population(inputs.dataset, plan), variables, time=time_column(plan),
                                        firth=_tests(plan).get("cox_firth", False))
    table["warning"] = "; ".join(warnings)
    return table


def make_adverse_events(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    ae = inputs.adverse_events if inputs.adverse_events is not None else pd.DataFrame(
        {"patient_id": [], "term": [], "grade": []})
    arm, arms = arm_setup(plan)
    if not arm:
        return adverse_event_table(ae, inputs.dataset).assign(arm="all")
    parts = [adverse_event_table(ae, inputs.dataset[inputs.dataset[arm] == a]).assign(arm=a) for a in arms]
    return pd.concat(parts, ignore_index=True)


def make_response_by_arm(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """Best response distribution by arm (χ² over the observed categories) and clinical benefit (DCR) by arm."""
    arm, arms = arm_setup(plan)
    ev = inputs.dataset[inputs.dataset["evaluable"] == 1]
    present = [c for c in RESPONSE_ORDER if (ev["bor"] == c).any()]
    test_name = _tests(plan).get("response", "chisq")
    rows = []
    dist = compare_categorical(ev["bor"], ev[arm], arms, present, test_name)
    cbr = compare_categorical(ev["dcr"], ev[arm], arms, [1, 0], test_name)
    for a in arms:
        g = ev[ev[arm] == a]
        for code in present:
            k = int((g["bor"] == code).sum())
            rows.append({"section": "best overall response", "item": code, "arm": a, "n": k,
                         "denominator": len(g), "pct": 100 * k / len(g) if len(g) else np.nan,
                         "test": dist["test"], "statistic": dist["statistic"], "p": dist["p"]})
        k = int(g["dcr"].sum())
        rows.append({"section": "clinical benefit", "item": "CR+PR+SD", "arm": a, "n": k, "denominator": len(g),
                     "pct": 100 * k / len(g) if len(g) else np.nan, "test": cbr["test"],
                     "statistic": cbr["statistic"], "p": cbr["p"]})
    return pd.DataFrame(rows)


def make_pfs_by_arm(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """KM, log-rank and Cox HR of treatment vs reference arm; with ``tests.pfs_times_test: mann_whitney`` also the
    Mann–Whitney test on the PFS times (which ignores censoring), so both are visible side by side."""
    t = _tests(plan)
    arm, arms = arm_setup(plan)
    subgroup = {"variable": arm, "label": "Arm", "levels": arms}
    data = survival_population(inputs.dataset, plan)
    table = pfs_by_subgroup(data, [subgroup], time=time_column(plan), conf_type=t.get("km_ci", "log-log"),
                            rmst_horizon=t.get("rmst_horizon_months"), firth=t.get("cox_firth", False))
    if t.get("pfs_times_test", "none") == "mann_whitney":
        times = [data.loc[data[arm] == a, time_column(plan)].dropna() for a in arms]
        mw = mann_whitney(*times, method=t.get("mann_whitney", "auto"))
        table["times_test"], table["times_statistic"], table["times_p"] = mw["test"], mw["statistic"], mw["p"]
        # the raw times' median and range, as publications that use this test print them (censoring ignored)
        by_level = dict(zip(arms, times, strict=True))
        for stat in ("median", "min", "max"):
            table[f"times_{stat}"] = table["level"].map(lambda lv, s=stat: getattr(by_level[lv], s)())
    return table


def make_qol(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    from .qol_tables import qol_by_arm  # QoL scoring is only needed for cohorts with qol data

    arm, arms = arm_setup(plan)
    return qol_by_arm(inputs.qol, inputs.dataset, arm, arms, plan)


MAKERS = {
    "baseline": make_baseline, "efficacy": make_efficacy, "pfs_overall": make_pfs_overall,
    "adverse_events": make_adverse_events, "response_by_subgroup": make_response_by_subgroup,
    "pfs_by_subgroup": make_pfs_by_subgroup, "cox_multivariable": make_cox_multivariable,
    "response_by_arm": make_response_by_arm, "pfs_by_arm": make_pfs_by_arm, "qol": make_qol,
}


def make_table(name: str, inputs: TableInputs, plan: dict) -> pd.DataFrame:
    return MAKERS[name](inputs, plan)


TITLES = {
    "baseline": "Baseline characteristics", "efficacy": "Best overall response and disease control",
    "pfs_overall": "Progression-free and overall survival", "adverse_events": "Adverse events (worst grade per patient)",
    "response_by_subgroup": "Disease control and objective response by subgroup",
    "pfs_by_subgroup": "Progression-free survival by subgroup", "cox_multivariable": "Multivariable Cox model of PFS",
    "response_by_arm": "Response and clinical benefit by arm", "pfs_by_arm": "Progression-free survival by arm",
    "qol": "Quality of life (EORTC QLQ-C30) by arm",
}
