"""Which tables and figures a cohort gets, and what each figure reads: decided from the plan and from which files the
cohort folder has (:mod:`tkicohort.cohort_files`) when the workflow starts, before any job.

The rules are described where the outputs are made: the tables in :mod:`tkicohort.stats.tables`, the figures in
:mod:`tkicohort.figures` (both re-export these names). They live here, apart from the code that computes and draws,
because every snakemake command evaluates them: this module reads only the plan and imports neither scipy, the
survival libraries nor matplotlib, so a run with little or nothing to do does not pay for importing them.
"""

from __future__ import annotations

import re

TIME_TO_EVENT = ("pfs", "os")

#: Every statistical table's name (the stats stage makes each: :data:`tkicohort.stats.tables.MAKERS`).
STATS_TABLES = (
    "baseline", "efficacy", "pfs_overall", "adverse_events", "response_by_subgroup",
    *(f"{e}_by_subgroup" for e in TIME_TO_EVENT), "cox_multivariable", "response_by_arm",
    *(f"{e}_by_arm" for e in TIME_TO_EVENT), *(f"{e}_by_subgroup_and_arm" for e in TIME_TO_EVENT), "qol",
    *(f"{e}_post_baseline" for e in TIME_TO_EVENT), "model_discrimination", "context",
)
#: The cohort's tables the ``context`` table reads (:mod:`tkicohort.stats.context`), when the cohort has them.
CONTEXT_READS = ("pfs_overall", "efficacy")
#: Tables whose statistics read other tables' statistics (when the cohort has them): the context table, and the Cox
#: table, whose notes give the discrimination of its model (computed once, by ``model_discrimination``).
TABLE_READS = {"context": CONTEXT_READS, "cox_multivariable": ("model_discrimination",)}

SINGLE_ARM_FIGURES = ("waterfall", "km_pfs", "km_subgroups", "forest", "ae_grades", "swimmer")
TWO_ARM_FIGURES = ("waterfall", "km_pfs", "response_by_arm", "qol_boxplots", "ae_grades", "swimmer",
                   "subgroup_forest_pfs", "subgroup_forest_os")
FIGURE_NAMES = tuple(dict.fromkeys(SINGLE_ARM_FIGURES + TWO_ARM_FIGURES + ("context",)))
#: Figures written as one file per page, ``<figure>_p<page>``.
PAGED_FIGURES = ("km_subgroups",)
#: Panels on one page of the subgroup Kaplan–Meier figure (:mod:`tkicohort.figures.km`).
PANELS_PER_PAGE = 6
#: A regular expression matching every figure file name (for the workflow's wildcard).
FIGURE_PATTERN = "|".join(re.escape(f) + (r"_p[1-9][0-9]*" if f in PAGED_FIGURES else "") for f in FIGURE_NAMES)
#: Figures of the best response (they need tumour assessments) and of PFS (they need PFS among the plan's endpoints).
RESPONSE_FIGURES = ("waterfall", "response_by_arm", "swimmer")
PFS_FIGURES = ("km_pfs", "km_subgroups", "forest", "subgroup_forest_pfs")
#: Figures that print no label of the plan (subgroup or baseline labels): their jobs take the plan without them
#: (:func:`tkicohort.plan_labels.figure_plan`), so a label edit does not redraw them. The subgroup figures print
#: the labels.
LABEL_FREE_FIGURES = ("waterfall", "km_pfs", "response_by_arm", "qol_boxplots", "ae_grades", "swimmer", "context")
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


def time_to_event_endpoints(plan: dict, tumour_data: bool = True) -> list[str]:
    """The plan's time-to-event endpoints that the cohort can give (no PFS without tumour assessments)."""
    wanted = plan.get("endpoints", ["pfs", "os", "orr", "dcr"])
    return [e for e in TIME_TO_EVENT if e in wanted and (e != "pfs" or tumour_data)]


def tables_for(plan: dict, has_qol: bool = False, *, tumour_data: bool = True,
               adverse_events: bool = True, literature: bool = False) -> list[str]:
    """Names of the tables of a cohort with this plan and these data (see :mod:`tkicohort.stats.tables`); with a
    literature file, ``context`` last."""
    from .derive.post_baseline import post_baseline_variables  # numpy and pandas only

    endpoints = time_to_event_endpoints(plan, tumour_data)
    names = ["baseline"] if plan.get("baseline") else []
    names += ["efficacy"] if tumour_data else []
    names += ["pfs_overall"] if endpoints else []
    names += ["adverse_events"] if adverse_events else []
    if plan["design"] == "two_arm":
        names += ["response_by_arm"] if tumour_data else []
        for e in endpoints:
            names += [f"{e}_by_arm"] + ([f"{e}_by_subgroup_and_arm"] if plan.get("subgroups") else [])
        names += ["qol"] if has_qol else []
    else:
        names += ["response_by_subgroup"] if tumour_data else []
        names += [f"{e}_by_subgroup" for e in endpoints]
        if "pfs" in endpoints and plan.get("multivariable", {}).get("variables"):
            names += ["cox_multivariable", "model_discrimination"]
    post_baseline = post_baseline_variables(plan)
    if any(sg["variable"] in post_baseline for sg in plan.get("subgroups", [])):
        names += [f"{e}_post_baseline" for e in endpoints]
    return names + (["context"] if literature else [])


def context_reads(plan: dict, **flags) -> list[str]:
    """The cohort's tables the ``context`` table reads (those of :data:`CONTEXT_READS` the cohort has)."""
    return table_reads("context", plan, **flags)


def table_reads(name: str, plan: dict, **flags) -> list[str]:
    """The cohort's tables whose statistics table ``name`` reads (those of :data:`TABLE_READS` the cohort has)."""
    have = tables_for(plan, **{k: v for k, v in flags.items() if k != "literature"})
    return [t for t in TABLE_READS.get(name, ()) if t in have]


def subgroup_pages(plan: dict) -> int:
    """Pages of the subgroup figure: one per :data:`PANELS_PER_PAGE` subgroups of the plan (at least one)."""
    return max(1, -(-len(plan.get("subgroups", [])) // PANELS_PER_PAGE))


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
