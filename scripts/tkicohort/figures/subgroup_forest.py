"""Subgroup forest plot of a two-arm study: the treatment hazard ratio within each subgroup level.

Reads ``<endpoint>_by_subgroup_and_arm.csv`` (one row per subgroup level: patients and events per arm, the
treatment HR with its 95 % CI, the interaction p and a note) and, for the first row, ``<endpoint>_by_arm.csv`` (the
treatment HR of all patients). Nothing is computed here: every number printed is a cell of those tables.

Layout: one block per subgroup headed by its label and the treatment × subgroup interaction p (likelihood-ratio
test), one row per level with n and events per arm (reference / treatment) and "HR (95 % CI)"; a level without a
finite HR keeps its row and shows the reason instead of a point. The HR axis is logarithmic with a line at 1 and
says which side favours which arm; confidence limits beyond the axis end in an arrow. Columns, wrapping and the
ratio axis are those of the univariable forest plot (:func:`forest.draw_forest`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.render import fmt_estimate_ci
from .forest import draw_forest
from .style import p_text, styled

ENDPOINT_WORDS = {"pfs": "progression or death", "os": "death"}


def _level_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Header and level rows in drawing order: text, n_text, events_text, hr, hr_ci_low, hr_ci_high, hr_text, kind."""
    t = table.reset_index(drop=True).copy()
    for col in ("hr", "hr_ci_low", "hr_ci_high", "interaction_p"):
        t[col] = pd.to_numeric(t[col], errors="coerce")
    t["note"] = t["note"].fillna("").astype(str)
    rows = []
    for subgroup, block in t.groupby("subgroup", sort=False):
        rows.append({"text": str(subgroup), "kind": "header", "n_text": "", "events_text": "",
                     "hr_text": f"interaction {p_text(block['interaction_p'].iloc[0])}"})
        for r in block.itertuples():
            estimable = pd.notna(r.hr)
            label = r.label if "label" in t and pd.notna(r.label) else r.level
            rows.append({"text": str(label), "kind": "estimate" if estimable else "not_estimable",
                         "n_text": f"{r.n_reference} / {r.n_treatment}",
                         "events_text": f"{r.events_reference} / {r.events_treatment}",
                         "hr": r.hr, "hr_ci_low": r.hr_ci_low, "hr_ci_high": r.hr_ci_high,
                         "hr_text": fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2) if estimable
                         else " ".join(r.note.split()) or "not estimable"})
    return pd.DataFrame(rows)


def _overall_row(by_arm: pd.DataFrame | None, arms: list) -> list[dict]:
    if by_arm is None or by_arm.empty:
        return []
    t = by_arm.set_index(by_arm["level"].astype(str))
    ref, trt = (t.loc[str(a)] for a in arms)
    hr = pd.to_numeric(pd.Series([trt["hr"], trt["hr_ci_low"], trt["hr_ci_high"]]), errors="coerce").to_numpy()
    estimable = bool(np.isfinite(hr[0]))
    return [{"text": "All patients", "kind": "estimate" if estimable else "not_estimable",
             "n_text": f"{int(ref['n'])} / {int(trt['n'])}", "events_text": f"{int(ref['events'])} / {int(trt['events'])}",
             "hr": hr[0], "hr_ci_low": hr[1], "hr_ci_high": hr[2],
             "hr_text": fmt_estimate_ci(*hr, 2) if estimable else "not estimable"}]


@styled
def subgroup_forest(table: pd.DataFrame, plan: dict, by_arm: pd.DataFrame | None = None, endpoint: str = "pfs"):
    """The forest plot of ``table`` (an ``<endpoint>_by_subgroup_and_arm`` table); ``by_arm`` adds the all-patients
    row. ``plan``: its ``arms`` name the reference and treatment arms."""
    arms = [plan["arms"]["reference"], plan["arms"]["treatment"]]
    parts = [pd.DataFrame(_overall_row(by_arm, arms)), _level_rows(table)]
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    for col in ("hr", "hr_ci_low", "hr_ci_high"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce") if col in rows else np.nan
    rows["bold"] = rows["kind"].eq("header") | rows["text"].eq("All patients")
    x_label = f"Hazard ratio for {ENDPOINT_WORDS.get(endpoint, endpoint)}, {arms[1]} vs {arms[0]}\n(log scale)"
    return draw_forest(rows, x_label, counts_note="reference / treatment",
                       favours=(f"← favours {arms[1]}", f"favours {arms[0]} →"))
