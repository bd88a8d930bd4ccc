"""A cohort beside the published trials and real-world studies: its median PFS and objective response rate next to
what a literature file prints (:mod:`tkicohort.literature`, the review's Tables 1–3 by default).

The table (``tables/context.csv``) has one row per arm of the cohort (``source`` = ``cohort``), read from the
cohort's own ``pfs_overall`` and ``efficacy`` tables, then one row per study of the literature file in its order
(``source`` = ``literature``). Columns: ``source``, ``label``, ``agent``, ``setting`` (``this cohort``, ``trial``,
``real-world``, as the review calls each study), ``phase``, ``n``, ``response_measure`` and ``response_pct`` with its
95 % CI, ``pfs_median_months`` with its 95 % CI, ``pfs_printed`` (the value and unit as printed), ``reference`` (the
review's table and row), ``study`` (the literature file's key of a study printed in more than one table, or quoted
elsewhere) and ``note`` (the literature file's note, and what could not be read as a number). Conventions:

- the cohort's response is its objective response rate, CR + PR, in the plan's response population (Clopper–Pearson
  CI, as the efficacy table); a study's is what its table prints: CR + PR where the table gives both (Table 3),
  otherwise the partial response rate (Tables 1 and 2), which the ``response_measure`` column says; a cell that is
  not one number (a rate per dose group) leaves it empty, and the note says why;
- every median PFS is in months of 365.25 / 12 days: the cohort's from its plan's time unit, a study's from the unit
  its table prints (:func:`tkicohort.literature.to_months`); the CI is the cohort's only (the review prints none);
- a cohort without tumour assessments has no PFS and no response: its row says so and holds no numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkicohort.cohort_outputs import CONTEXT_READS
from tkicohort.literature import to_months

COLUMNS = ("source", "label", "agent", "setting", "phase", "n", "response_measure", "response_pct",
           "response_ci_low", "response_ci_high", "pfs_median_months", "pfs_ci_low", "pfs_ci_high", "pfs_printed",
           "reference", "study", "note")
#: The cohort's own tables the context table reads.
READS = CONTEXT_READS
ORR_ITEM = "objective response (CR+PR)"


def _unit_to_months(plan: dict) -> float:
    """Months per unit of the plan's time (``time.unit``; months = days / ``time.days_per_month``)."""
    time = plan.get("time", {})
    per_month = float(time.get("days_per_month", 30.4375))
    return {"days": 1.0, "weeks": 7.0, "months": per_month}[time.get("unit", "months")] / per_month


def cohort_rows(tables: dict[str, pd.DataFrame], plan: dict, label: str) -> list[dict]:
    """One row per arm of the cohort, from its ``pfs_overall`` and ``efficacy`` tables (either may be missing)."""
    pfs = tables.get("pfs_overall")
    eff = tables.get("efficacy")
    factor = _unit_to_months(plan)
    arms = [plan["arms"]["reference"], plan["arms"]["treatment"]] if plan["design"] == "two_arm" else ["all"]
    rows = []
    for arm in arms:
        row = dict.fromkeys(COLUMNS, np.nan)
        row.update(source="cohort", label=label if arm == "all" else f"{label}: {arm}", agent="", setting="this cohort",
                   phase="", response_measure="ORR (CR + PR)", pfs_printed="", reference="this cohort's tables",
                   study="", note="")
        median = pfs[(pfs["endpoint"] == "pfs") & (pfs["statistic"] == "median") & (pfs["arm"] == arm)] \
            if pfs is not None and "endpoint" in pfs else pd.DataFrame()
        n = pfs[(pfs["endpoint"] == "pfs") & (pfs["statistic"] == "n") & (pfs["arm"] == arm)] \
            if pfs is not None and "endpoint" in pfs else pd.DataFrame()
        if len(median):
            m = median.iloc[0]
            row.update(pfs_median_months=m["value"] * factor, pfs_ci_low=m["ci_low"] * factor,
                       pfs_ci_high=m["ci_high"] * factor, n=int(n.iloc[0]["value"]) if len(n) else np.nan)
            if pd.isna(m["value"]):
                row["note"] = "median PFS not reached"
        orr = eff[(eff["item"] == ORR_ITEM) & (eff["arm"] == arm)] if eff is not None and "item" in eff else []
        if len(orr):
            o = orr.iloc[0]
            row.update(response_pct=o["pct"], response_ci_low=o["ci_low_pct"], response_ci_high=o["ci_high_pct"])
        if not len(median) and not len(orr):
            row["note"] = "no tumour assessments: no PFS and no response to set beside the studies"
        rows.append(row)
    return rows


def _study_label(r) -> str:
    if r["table"] == "Table 1":
        return f"{str(r['agent']).capitalize()} (phase {r['phase']})" if r["phase"] else str(r["agent"]).capitalize()
    who = f"{r['first_author']} et al. {r['year']}" if pd.notna(r["year"]) else f"{r['first_author']} et al."
    return f"{who} ({r['agent']})"


def literature_rows(literature: pd.DataFrame, label: str = "literature") -> list[dict]:
    """One row per study of a literature file (see the module docstring for the response and PFS conventions)."""
    rows = []
    for _, r in literature.iterrows():
        both = pd.notna(r["cr_pct"]) and pd.notna(r["pr_pct"])
        response = r["cr_pct"] + r["pr_pct"] if both else r["pr_pct"]
        notes = [r["note"]] if isinstance(r["note"], str) else []
        if pd.isna(response) and isinstance(r["pr_printed"], str) and r["pr_printed"] not in ("-", "."):
            notes.append(f"response printed as '{r['pr_printed']}'")
        pfs = to_months(r["pfs_median"], r["pfs_unit"]) if pd.notna(r["pfs_median"]) else np.nan
        if pd.isna(pfs) and isinstance(r["pfs_printed"], str) and r["pfs_printed"] not in ("-", "."):
            notes.append(f"median PFS printed as '{r['pfs_printed']}'")
        rows.append({
            "source": "literature", "label": _study_label(r), "agent": r["agent"], "setting": r["setting"],
            "phase": r["phase"] or "", "n": int(r["n"]), "response_measure": "ORR (CR + PR)" if both else "PR",
            "response_pct": float(response) if pd.notna(response) else np.nan, "response_ci_low": np.nan,
            "response_ci_high": np.nan, "pfs_median_months": pfs, "pfs_ci_low": np.nan, "pfs_ci_high": np.nan,
            "pfs_printed": f"{r['pfs_printed']} {r['pfs_unit']}" if pd.notna(r["pfs_median"]) else "",
            "reference": f"{label}, {r['table']}, row {int(r['row'])}: {r['reference']}",
            "study": r["study"] if isinstance(r["study"], str) else "", "note": "; ".join(notes),
        })
    return rows


def cohort_label(plan: dict) -> str:
    """The cohort's name in the table: its plan's title up to the first dash."""
    return str(plan.get("title", "this cohort")).split(" — ")[0].strip() or "this cohort"


def context_table(tables: dict[str, pd.DataFrame], literature: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """The context table of a cohort (see the module docstring); the literature's label from its ``attrs``."""
    rows = cohort_rows(tables, plan, cohort_label(plan))
    rows += literature_rows(literature, literature.attrs.get("label", "literature"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _num(x, digits: int = 1) -> str:
    return "—" if pd.isna(x) else f"{x:.{digits}f}"


def present_context(t: pd.DataFrame) -> pd.DataFrame:
    """The printed form of the context table (strings)."""
    def with_ci(v, lo, hi):
        if pd.isna(v):
            return "NR" if pd.notna(lo) else "—"
        if pd.isna(lo) and pd.isna(hi):
            return _num(v)
        return f"{_num(v)} ({_num(lo) if pd.notna(lo) else '—'}–{_num(hi) if pd.notna(hi) else 'NR'})"

    return pd.DataFrame({
        "Study": t["label"], "Setting": t["setting"], "Phase": t["phase"].fillna(""),
        "n": t["n"].map(lambda x: "—" if pd.isna(x) else str(int(x))),
        "Response": t["response_measure"],
        "Response, % (95% CI)": [with_ci(*v) for v in zip(t["response_pct"], t["response_ci_low"],
                                                          t["response_ci_high"], strict=True)],
        "Median PFS, months (95% CI)": [with_ci(*v) for v in zip(t["pfs_median_months"], t["pfs_ci_low"],
                                                                 t["pfs_ci_high"], strict=True)],
        "Source": t["reference"], "Note": t["note"].fillna("")})
