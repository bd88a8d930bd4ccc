"""The figures of a cohort, by name: which ones a plan yields, what each reads, and a dispatcher.

- single arm: ``waterfall``, ``km_pfs``, ``km_subgroups_p1`` … (the subgroup Kaplan–Meier grid, one file per page
  of at most six panels: :func:`tkicohort.cohort_outputs.subgroup_pages`), ``forest``, ``ae_grades``, ``swimmer``;
- two arms: ``waterfall``, ``km_pfs`` (by arm, log-rank p and Cox HR printed), ``response_by_arm``,
  ``qol_boxplots`` (when the cohort has QoL data), ``ae_grades``, ``swimmer``, and with subgroups
  ``subgroup_forest_pfs`` / ``subgroup_forest_os`` (treatment HR per subgroup level and interaction p, per
  time-to-event endpoint of the plan);
- both, when the config names a literature file: ``context`` (the cohort's median PFS and response rate beside the
  published studies, from ``tables/context.csv``).

A cohort without tumour assessments gets none of the figures that need them (waterfall, response bars, swimmer plot),
and a plan without PFS among its endpoints (or a cohort without tumour assessments) none of the PFS figures (curves,
forest plots); a cohort without ``adverse_events.csv`` or ``qol.csv`` gets no ``ae_grades`` or ``qol_boxplots``.

A paged figure's files are ``<figure>_p<page>`` (page 1, 2, …); how many pages follows from the plan alone, so the
workflow knows every file at start-up. Every figure reads the analysis dataset; some also read RECIST outputs,
ingested data (doses for the swimmer plot, questionnaires for the QoL box plots, adverse-event rows for the terms'
spelling) or tables of the stats stage (:data:`FIGURE_TABLES`, :func:`figure_reads`).
A statistical table that is not supplied is computed from the dataset with the same code as the stats stage, so a
figure never prints a number of its own making. Times are shown in the plan's unit
(``time.unit``: days, weeks or months, months = days / ``time.days_per_month``). Responses are the best overall
response, confirmed when the plan requires confirmation (``recist.require_confirmation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# which figures a cohort gets and what each reads is decided at start-up from the plan alone (re-exported here)
from ..cohort_outputs import (  # noqa: F401
    FIGURE_DATA,
    FIGURE_NAMES,
    FIGURE_PATTERN,
    FIGURE_TABLES,
    PAGED_FIGURES,
    PFS_FIGURES,
    RESPONSE_FIGURES,
    SINGLE_ARM_FIGURES,
    TWO_ARM_FIGURES,
    figure_reads,
    figures_for,
    split_page,
    tables_for,
)
from ..stats.tables import TableInputs, make_table


@dataclass
class FigureInputs:
    dataset: pd.DataFrame
    best_response: pd.DataFrame | None = None
    visits: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    qol: pd.DataFrame | None = None
    doses: pd.DataFrame | None = None
    adverse_events: pd.DataFrame | None = None


def time_unit(plan: dict) -> str:
    return plan.get("time", {}).get("unit", "months")


def to_time_unit(days, plan: dict) -> np.ndarray:
    """Days converted to the plan's time unit."""
    per = {"days": 1.0, "weeks": 7.0, "months": plan.get("time", {}).get("days_per_month", 30.4375)}
    return np.asarray(days, dtype=float) / per[time_unit(plan)]


def response_column(plan: dict) -> str:
    return "bor_confirmed" if plan.get("recist", {}).get("require_confirmation", False) else "bor"


def arms_of(plan: dict) -> list[str] | None:
    return [plan["arms"]["reference"], plan["arms"]["treatment"]] if plan["design"] == "two_arm" else None


def _table(inputs: FigureInputs, name: str, plan: dict) -> pd.DataFrame | None:
    """Stats table ``name``: as supplied, else made by the stats stage's code; None when the plan has none."""
    if name in inputs.tables:
        return inputs.tables[name]
    if name in tables_for(plan, inputs.qol is not None):
        return make_table(name, TableInputs(inputs.dataset, inputs.adverse_events, inputs.qol), plan)
    return None


def make_figure(name: str, inputs: FigureInputs, plan: dict):
    """Build figure ``name`` (a ``matplotlib.figure.Figure``; a paged figure's page as ``<figure>_p<page>``); save
    it with :func:`style.save`."""
    from . import bars, context, forest, km, qol, subgroup_forest, swimmer, waterfall

    name, page = split_page(name)
    if name not in FIGURE_NAMES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURE_NAMES)}")
    if name in PAGED_FIGURES and page is None:
        raise KeyError(f"figure {name!r} is written page by page: name a page, e.g. {name}_p1")
    t = {n: _table(inputs, n, plan) for n in FIGURE_TABLES[name]}
    builders = {
        "waterfall": lambda: waterfall.waterfall(inputs.dataset, inputs.visits, plan),
        "km_pfs": lambda: km.km_pfs(inputs.dataset, plan, t["pfs_by_arm"],
                                    cumulative_events=plan.get("figures", {}).get("cumulative_events", False)),
        "km_subgroups": lambda: km.km_subgroups(inputs.dataset, plan, t["pfs_by_subgroup"], page=page),
        "forest": lambda: forest.forest(t["pfs_by_subgroup"], plan, t["cox_multivariable"]),
        "response_by_arm": lambda: bars.response_by_arm(t["response_by_arm"], plan),
        "ae_grades": lambda: bars.ae_grades(t["adverse_events"], plan, inputs.adverse_events),
        "swimmer": lambda: swimmer.swimmer(inputs.dataset, inputs.best_response, plan, inputs.visits, inputs.doses),
        "qol_boxplots": lambda: qol.qol_boxplots(inputs.qol, inputs.dataset, plan, t["qol"]),
        **{f"subgroup_forest_{e}": lambda e=e: subgroup_forest.subgroup_forest(
            t[f"{e}_by_subgroup_and_arm"], plan, t[f"{e}_by_arm"], e) for e in ("pfs", "os")},
        "context": lambda: context.context_figure(t["context"], plan),
    }
    if name not in builders:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURE_NAMES)}")
    return builders[name]()
