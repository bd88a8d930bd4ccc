"""The tables of a cohort, by name: which ones a plan yields, and how each is computed from the stage's inputs.

Every table reads the analysis dataset (``results/<c>/analysis/patients.csv``); the adverse-event and
quality-of-life tables also read the ingested ``adverse_events`` / ``qol`` tables. Which tables a cohort gets is
decided when the workflow starts, from the plan and from which files the cohort folder has (:func:`tables_for`):

- ``baseline`` when the plan lists baseline rows; ``adverse_events`` when the cohort has ``adverse_events.csv``;
- with tumour assessments (``tumor_measurements.csv`` or ``responses.csv``): ``efficacy``, and ``response_by_subgroup``
  (single arm) or ``response_by_arm`` (two arms); without them (a survival-only cohort) no response table and no PFS;
- for each time-to-event endpoint of the plan (``pfs`` only with tumour assessments, ``os``): the overall summary
  ``pfs_overall`` (one table, a block per endpoint), then ``<endpoint>_by_subgroup`` (single arm) or
  ``<endpoint>_by_arm`` and, when the plan has subgroups, ``<endpoint>_by_subgroup_and_arm`` (two arms);
- single arm: ``cox_multivariable`` and ``model_discrimination`` (PFS) when the plan lists variables; two arms:
  ``qol`` when there are QoL data;
- either design, when a plan subgroup is a post-baseline variable (``derive/post_baseline.py``):
  ``<endpoint>_post_baseline`` for each time-to-event endpoint (naive, landmark and time-dependent analyses,
  ``stats/post_baseline.py``);
- ``context`` when the config names a literature file: the cohort's median PFS and response rate beside published
  trials and real-world studies (:mod:`tkicohort.stats.context`; it reads the cohort's ``pfs_overall`` and
  ``efficacy`` tables).

Each endpoint is analysed in its own population (:mod:`tkicohort.stats.populations`); the response tables use one
definition of response throughout, confirmed when the plan requires confirmation, named in their titles
(:func:`title_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

# which tables a cohort gets is decided at start-up from the plan alone (tkicohort.cohort_outputs, re-exported here)
from ..cohort_outputs import TIME_TO_EVENT, context_reads, tables_for, time_to_event_endpoints  # noqa: F401
from .adverse_events import adverse_event_table
from .baseline import baseline_table, compare_categorical, mann_whitney
from .discrimination import N_BOOT, discrimination
from .efficacy import RESPONSE_ORDER, efficacy_table
from .model_terms import describe_terms
from .permutation_logrank import N_RESAMPLE, SEED
from .populations import population, response_population
from .post_baseline import post_baseline_subgroups, post_baseline_table
from .response import response_by_subgroup
from .survival_tables import (
    design_matrix,
    multivariable_cox,
    overall_survival_summary,
    pfs_by_subgroup,
    select_by_univariable_p,
)
from .time_units import per_month  # noqa: F401  (re-exported)
from .titles import ENDPOINT_NAMES, RESPONSE_TABLES, TITLES, title_for  # noqa: F401  (re-exported)
from .treatment_by_subgroup import treatment_by_subgroup


@dataclass
class TableInputs:
    dataset: pd.DataFrame
    adverse_events: pd.DataFrame | None = None
    qol: pd.DataFrame | None = None
    tumour_data: bool = True
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # other tables' statistics a table reads (table_reads)
    literature: pd.DataFrame | None = None  # tkicohort.literature.read_literature (context)


def time_column(plan: dict, endpoint: str = "pfs") -> str:
    unit = plan.get("time", {}).get("unit", "months")
    return f"{endpoint}_{unit}"


def rmst_horizon(plan: dict) -> float | None:
    """``tests.rmst_horizon_months`` in the plan's time unit (None: no RMST)."""
    months = _tests(plan).get("rmst_horizon_months")
    return None if months is None else months * per_month(plan)


def arm_setup(plan: dict) -> tuple[str | None, list | None]:
    if plan["design"] != "two_arm":
        return None, None
    return "arm", [plan["arms"]["reference"], plan["arms"]["treatment"]]


def _tests(plan: dict) -> dict:
    return plan.get("tests", {})


def response_column(plan: dict) -> str:
    """The best overall response every response table reads: confirmed when the plan requires confirmation."""
    return "bor_confirmed" if plan.get("recist", {}).get("require_confirmation", False) else "bor"


def survival_population(dataset: pd.DataFrame, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    """The patients of the survival analyses of ``endpoint``: the plan's ``populations.<endpoint>``."""
    return population(dataset, plan, endpoint)


def subgroup_specs(plan: dict) -> dict[str, dict]:
    """variable → its plan subgroup (levels, labels) for the models of all patients: a subgroup restricted by a
    ``population:`` filter only when the variable has no unrestricted one."""
    specs = {}
    for sg in plan.get("subgroups", []):
        if sg["variable"] not in specs or (specs[sg["variable"]].get("population") and not sg.get("population")):
            specs[sg["variable"]] = sg
    return specs


def _by_arm(frame: pd.DataFrame, plan: dict) -> list[tuple[str, pd.DataFrame]]:
    arm, arms = arm_setup(plan)
    return [("all", frame)] if not arm else [(a, frame[frame[arm] == a]) for a in arms]


def make_baseline(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    arm, arms = arm_setup(plan)
    return baseline_table(inputs.dataset, plan.get("baseline", []), arm=arm, arms=arms,
                          mann_whitney_method=_tests(plan).get("mann_whitney", "auto"))


def make_efficacy(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    breaks = tuple(plan.get("efficacy", {}).get("duration_breaks_months", (6, 12, 18)))
    unit = plan.get("time", {}).get("unit", "months")
    patients = response_population(inputs.dataset, plan)
    parts = [efficacy_table(frame, response_column(plan), breaks, time_unit=unit,
                            conf_type=_tests(plan).get("km_ci", "log-log")).assign(arm=name)
             for name, frame in _by_arm(patients, plan)]
    return pd.concat(parts, ignore_index=True)


def make_pfs_overall(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """The overall summary of each time-to-event endpoint, each in its own population."""
    t = _tests(plan)
    parts = []
    for endpoint in time_to_event_endpoints(plan, inputs.tumour_data):
        data = survival_population(inputs.dataset, plan, endpoint)
        for name, frame in _by_arm(data, plan):
            parts.append(overall_survival_summary(
                frame, time_column(plan, endpoint), f"{endpoint}_event", t.get("km_ci", "log-log"),
                tuple(t.get("landmarks_months", (6, 12, 24))), t.get("rmst_horizon_months"), endpoint,
                per_month=per_month(plan)).assign(arm=name))
    return pd.concat(parts, ignore_index=True)


def make_response_by_subgroup(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    return response_by_subgroup(response_population(inputs.dataset, plan), plan["subgroups"],
                                test=_tests(plan).get("response", "fisher"))


def permutation_options(plan: dict) -> dict:
    """The permutation log-rank test's settings: ``tests.permutations`` resamples and ``tests.seed``."""
    t = _tests(plan)
    return {"n_resample": t.get("permutations", N_RESAMPLE), "seed": t.get("seed", SEED)}


def post_baseline_names(plan: dict) -> set[str]:
    """The plan's subgroup variables that are post-baseline (flagged in the subgroup tables)."""
    return {sg["variable"] for sg, _ in post_baseline_subgroups(plan)}


def make_by_subgroup(inputs: TableInputs, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    t = _tests(plan)
    return pfs_by_subgroup(survival_population(inputs.dataset, plan, endpoint), plan["subgroups"],
                           time=time_column(plan, endpoint), event=f"{endpoint}_event",
                           conf_type=t.get("km_ci", "log-log"), rmst_horizon=rmst_horizon(plan),
                           firth=t.get("cox_firth", False), permutation=permutation_options(plan),
                           post_baseline=post_baseline_names(plan))


def make_post_baseline(inputs: TableInputs, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    return post_baseline_table(survival_population(inputs.dataset, plan, endpoint), plan, endpoint)


def _multivariable_variables(inputs: TableInputs, plan: dict) -> list[dict]:
    """The plan's multivariable model variables (after the univariable p screen when the plan sets one)."""
    spec = plan.get("multivariable", {})
    wanted = list(spec.get("variables", []))
    if spec.get("select_p") is not None:
        uni = make_by_subgroup(inputs, plan, "pfs")
        keep = set(select_by_univariable_p(uni, spec["select_p"]))
        wanted = [v for v in wanted if v in keep]
    by_var = subgroup_specs(plan)
    return [by_var.get(v, {"variable": v}) for v in wanted]


def make_cox_multivariable(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    variables = _multivariable_variables(inputs, plan)
    if not variables:
        return pd.DataFrame({"term": [], "note": []})
    patients = survival_population(inputs.dataset, plan, "pfs")
    table, warnings = multivariable_cox(patients, variables, time=time_column(plan),
                                        firth=_tests(plan).get("cox_firth", False))
    table["warning"] = "; ".join(warnings)
    # the model's discrimination: its own table's statistics when the job has them (computed once), else computed here
    discrimination_table = inputs.tables.get("model_discrimination")
    if discrimination_table is None:
        discrimination_table = make_model_discrimination(inputs, plan)
    table["discrimination"] = discrimination_summary(discrimination_table)
    return describe_terms(table, patients, variables, time_column(plan), "pfs_event", plan.get("baseline", []))


def make_model_discrimination(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """Harrell's and Uno's C with the bootstrap optimism correction and the time-dependent AUC at the plan's
    landmarks, of the multivariable Cox model (``stats/discrimination.py``)."""
    variables = _multivariable_variables(inputs, plan)
    data = survival_population(inputs.dataset, plan, "pfs")
    time = time_column(plan)
    matrix, _ = design_matrix(data, variables)
    frame = pd.concat([data[[time, "pfs_event"]], matrix], axis=1).dropna()
    t = _tests(plan)
    landmarks = [lm * per_month(plan) for lm in t.get("landmarks_months", [6, 12, 24])]
    out = discrimination(frame[time], frame["pfs_event"], frame[list(matrix.columns)], landmarks,
                         n_boot=t.get("bootstrap", N_BOOT), seed=t.get("seed", SEED))
    out.insert(0, "model", "multivariable Cox, PFS: " + " + ".join(matrix.columns))
    return out


def discrimination_summary(table: pd.DataFrame) -> str:
    """One line for the Cox table's notes: apparent and optimism-corrected C, time-dependent AUCs."""
    by = {(r.statistic, r.time): r for r in table.itertuples()}
    parts = []
    for key, name in (("harrell_c", "Harrell's C"), ("uno_c", "Uno's C")):
        r = next((v for (s, _), v in by.items() if s == key), None)
        if r is None or pd.isna(r.value):
            continue
        corrected = f" (optimism-corrected {r.corrected:.3f}, {r.resamples} bootstrap resamples)" \
            if pd.notna(r.corrected) else ""
        parts.append(f"{name} {r.value:.3f}{corrected}")
    aucs = [f"{r.time:g}: {r.value:.3f}" for (s, _), r in by.items() if s == "auc" and pd.notna(r.value)]
    if aucs:
        parts.append("time-dependent AUC at " + ", ".join(aucs))
    return "; ".join(parts)


def make_adverse_events(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    ae = inputs.adverse_events if inputs.adverse_events is not None else pd.DataFrame(
        {"patient_id": [], "term": [], "grade": []})
    parts = [adverse_event_table(ae, frame).assign(arm=name) for name, frame in _by_arm(inputs.dataset, plan)]
    return pd.concat(parts, ignore_index=True)


def make_response_by_arm(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """Best response distribution by arm (χ² over the observed categories) and clinical benefit (DCR) by arm."""
    arm, arms = arm_setup(plan)
    ev = response_population(inputs.dataset, plan)
    bor = response_column(plan)
    present = [c for c in RESPONSE_ORDER if (ev[bor] == c).any()]
    test_name = _tests(plan).get("response", "chisq")
    rows = []
    dist = compare_categorical(ev[bor], ev[arm], arms, present, test_name)
    cbr = compare_categorical(ev["dcr"], ev[arm], arms, [1, 0], test_name)
    for a in arms:
        g = ev[ev[arm] == a]
        for code in present:
            k = int((g[bor] == code).sum())
            rows.append({"section": "best overall response", "item": code, "arm": a, "n": k,
                         "denominator": len(g), "pct": 100 * k / len(g) if len(g) else np.nan,
                         "test": dist["test"], "statistic": dist["statistic"], "p": dist["p"], "note": dist["note"]})
        k = int(g["dcr"].sum())
        rows.append({"section": "clinical benefit", "item": "CR+PR+SD", "arm": a, "n": k, "denominator": len(g),
                     "pct": 100 * k / len(g) if len(g) else np.nan, "test": cbr["test"],
                     "statistic": cbr["statistic"], "p": cbr["p"], "note": cbr["note"]})
    return pd.DataFrame(rows)


def make_by_arm(inputs: TableInputs, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    """KM, log-rank and Cox HR of treatment vs reference arm; for PFS with ``tests.pfs_times_test: mann_whitney``
    also the Mann–Whitney test on the PFS times (which ignores censoring), so both are visible side by side."""
    t = _tests(plan)
    arm, arms = arm_setup(plan)
    subgroup = {"variable": arm, "label": "Arm", "levels": arms}
    data = survival_population(inputs.dataset, plan, endpoint)
    time = time_column(plan, endpoint)
    table = pfs_by_subgroup(data, [subgroup], time=time, event=f"{endpoint}_event",
                            conf_type=t.get("km_ci", "log-log"), rmst_horizon=rmst_horizon(plan),
                            firth=t.get("cox_firth", False), permutation=permutation_options(plan))
    if endpoint == "pfs" and t.get("pfs_times_test", "none") == "mann_whitney":
        times = [data.loc[data[arm] == a, time].dropna() for a in arms]
        mw = mann_whitney(*times, method=t.get("mann_whitney", "auto"))
        table["times_test"], table["times_statistic"], table["times_p"] = mw["test"], mw["statistic"], mw["p"]
        # the raw times' median and range, as publications that use this test print them (censoring ignored)
        by_level = dict(zip(arms, times, strict=True))
        for stat in ("median", "min", "max"):
            table[f"times_{stat}"] = table["level"].map(lambda lv, s=stat: getattr(by_level[lv], s)())
    return table


def make_by_subgroup_and_arm(inputs: TableInputs, plan: dict, endpoint: str = "pfs") -> pd.DataFrame:
    arm, arms = arm_setup(plan)
    return treatment_by_subgroup(survival_population(inputs.dataset, plan, endpoint), plan["subgroups"], arm, arms,
                                 time_column(plan, endpoint), f"{endpoint}_event",
                                 firth=_tests(plan).get("cox_firth", False), permutation=permutation_options(plan),
                                 post_baseline=post_baseline_names(plan))


def make_context(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    """The cohort beside the literature file's trials and real-world studies (:mod:`.context`); its own tables as
    supplied, else made here."""
    from .context import READS, context_table

    if inputs.literature is None:
        raise ValueError("the context table needs a literature file (config: literature)")
    have = tables_for(plan, tumour_data=inputs.tumour_data)
    own = {t: inputs.tables[t] if t in inputs.tables else make_table(t, inputs, plan) for t in READS if t in have}
    return context_table(own, inputs.literature, plan)


def make_qol(inputs: TableInputs, plan: dict) -> pd.DataFrame:
    from .qol_tables import qol_by_arm  # QoL scoring is only needed for cohorts with qol data

    arm, arms = arm_setup(plan)
    return qol_by_arm(inputs.qol, inputs.dataset, arm, arms, plan)


MAKERS = {
    "baseline": make_baseline, "efficacy": make_efficacy, "pfs_overall": make_pfs_overall,
    "adverse_events": make_adverse_events, "response_by_subgroup": make_response_by_subgroup,
    **{f"{e}_by_subgroup": partial(make_by_subgroup, endpoint=e) for e in TIME_TO_EVENT},
    "cox_multivariable": make_cox_multivariable, "response_by_arm": make_response_by_arm,
    **{f"{e}_by_arm": partial(make_by_arm, endpoint=e) for e in TIME_TO_EVENT},
    **{f"{e}_by_subgroup_and_arm": partial(make_by_subgroup_and_arm, endpoint=e) for e in TIME_TO_EVENT},
    "qol": make_qol,
    **{f"{e}_post_baseline": partial(make_post_baseline, endpoint=e) for e in TIME_TO_EVENT},
    "model_discrimination": make_model_discrimination, "context": make_context,
}


def make_table(name: str, inputs: TableInputs, plan: dict) -> pd.DataFrame:
    return MAKERS[name](inputs, plan)
