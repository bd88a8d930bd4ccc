"""The figures of a cohort, by name: which ones a plan yields, what each reads, and a dispatcher.

- single arm: ``waterfall``, ``km_pfs``, ``km_subgroups_p1`` … (the subgroup Kaplan–Meier grid, one file per page
  of at most six panels: :func:`km.subgroup_pages`), ``forest``, ``ae_grades``, ``swimmer``;
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

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..stats.tables import TableInputs, make_table, tables_for, time_to_event_endpoints

SINGLE_ARM_FIGURES = ("waterfall", "km_pfs", "km_subgroups", "forest", "ae_grades", "swimmer")
TWO_ARM_FIGURES = ("waterfall", "km_pfs", "response_by_arm", "qol_boxplots", "ae_grades", "swimmer",
                   "subgroup_forest_pfs", "subgroup_forest_os")
FIGURE_NAMES = tuple(dict.fromkeys(SINGLE_ARM_FIGURES + TWO_ARM_FIGURES + ("context",)))
#: Figures written as one file per page, ``<figure>_p<page>``.
PAGED_FIGURES = ("km_subgroups",)
#: A regular expression matching every figure file name (for the workflow's wildcard).
FIGURE_PATTERN = "|".join(re.escape(f) + (r"_p[1-9][0-9]*" if f in PAGED_FIGURES else "") for f in FIGURE_NAMES)
#: Figures of the best response (they need tumour assessments) and of PFS (they need PFS among the plan's endpoints).
RESPONSE_FIGURES = ("waterfall", "response_by_arm", "swimmer")
PFS_FIGURES = ("km_pfs", "km_subgroups", "forest", "subgroup_forest_pfs")
#: Tables of the stats stage a figure reads (when the plan yields them).
FIGURE_TABLES = {
    "waterfall": (), "swimmer": (), "km_pfs": ("pfs_by_arm",), "km_subgroups": ("pfs_by_subgroup",),
    "forest": ("pfs_by_subgroup", "cox_multivariable"), "response_by_arm": ("response_by_arm",),
    "qol_boxplots": ("qol",), "ae_grades": ("adverse_events",),
    **{f"subgroup_forest_{e}": (f"{e}_by_subgroup_and_arm", f"{e}_by_arm") for e in ("pfs", "os")},
    "context": ("context",),
}
#: Other files a figure reads besides the analysis dataset: input name -> path under ``results/<cohort>/``.
FIGURE_DATA = {
    "waterfall": {"visits": "recist/visits.csv"},
    "swimmer": {"best_response": "recist/best_response.csv", "visits": "recist/visits.csv",
                "doses": "data/doses.parquet"},
    "qol_boxplots": {"qol_data": "data/qol.parquet"},
    "ae_grades": {"ae_rows": "data/adverse_events.parquet"},
}


@dataclass
class FigureInputs:
    dataset: pd.DataFrame
    best_response: pd.DataFrame | None = None
    visits: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    qol: pd.DataFrame | None = None
    doses: pd.DataFrame | None = None
    adverse_events: pd.DataFrame | None = None


def figures_for(plan: dict, has_qol: bool = False, *, tumour_data: bool = True,
                adverse_events: bool = True, literature: bool = False) -> list[str]:
    """The figure files (without extension) of a cohort with this plan and these data (the flags of
    :func:`tables_for`), a paged figure as its pages; with a literature file, ``context`` last."""
    tables = tables_for(plan, has_qol, tumour_data=tumour_data, adverse_events=adverse_events)
    pfs = "pfs" in time_to_event_endpoints(plan, tumour_data)

    def made(name: str) -> bool:
        if name in RESPONSE_FIGURES and not tumour_data or name in PFS_FIGURES and not pfs:
            return False
        if name in ("qol_boxplots", "ae_grades") or name.startswith("subgroup_forest_"):
            return FIGURE_TABLES[name][0] in tables
        return True

    names = TWO_ARM_FIGURES if plan["design"] == "two_arm" else SINGLE_ARM_FIGURES
    return [page for name in names if made(name) for page in _pages(name, plan)] + (["context"] if literature else [])


def _pages(name: str, plan: dict) -> list[str]:
    if name not in PAGED_FIGURES:
        return [name]
    from .km import subgroup_pages

    return [f"{name}_p{p}" for p in range(1, subgroup_pages(plan) + 1)]


def split_page(name: str) -> tuple[str, int | None]:
    """``km_subgroups_p2`` → (``km_subgroups``, 2); a figure of one file → (name, None)."""
    match = re.fullmatch(r"(.+)_p([1-9][0-9]*)", name)
    if match and match.group(1) in PAGED_FIGURES:
        return match.group(1), int(match.group(2))
    return name, None


def figure_reads(name: str, plan: dict, has_qol: bool = False, **flags) -> dict[str, str]:
    """What figure ``name`` reads for this plan: input name → path under ``results/<cohort>/`` (the output
    contract's paths). Always the analysis dataset; then the RECIST outputs and ingested data of
    :data:`FIGURE_DATA` and the stats tables the figure uses and the plan yields (``flags``: as
    :func:`figures_for`; a paged figure's pages read the same)."""
    available = tables_for(plan, has_qol, **flags)
    name = split_page(name)[0]
    return {"dataset": "analysis/patients.csv", **FIGURE_DATA.get(name, {}),
            **{t: f"tables/{t}.csv" for t in FIGURE_TABLES[name] if t in available}}


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
