"""Adverse-event table (Zhujiang Table 5): per CTCAE term, each patient counted once at their worst grade.

Denominator: all treated patients of the analysis dataset (a patient without adverse-event rows had none). Bands:
grade 1–2, grade 3–4, grade 5 (listed only when any occurred) and any grade; a patient is in exactly one band of a
term, so grade_1_2 + grade_3_4 + grade_5 = any_grade. Terms are normalised and synonyms merged as in the derivation
stage. Sorted by any-grade count (descending), then grade 3–4 count (descending), then term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..derive.ae_flags import worst_grade_per_term


def adverse_event_table(adverse_events: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Tidy rows: term, n_patients, grade_1_2, grade_1_2_pct, grade_3_4, …, any_grade, any_grade_pct."""
    n = int(patients["patient_id"].nunique())
    treated = adverse_events[adverse_events["patient_id"].isin(patients["patient_id"])]
    worst = worst_grade_per_term(treated) if len(treated) else pd.DataFrame(
        {"patient_id": [], "term": [], "worst_grade": []})
    band = pd.cut(worst["worst_grade"], bins=[0, 2, 4, 5], labels=["grade_1_2", "grade_3_4", "grade_5"])
    counts = pd.crosstab(worst["term"], band).reindex(columns=["grade_1_2", "grade_3_4", "grade_5"], fill_value=0)
    counts["any_grade"] = counts.sum(axis=1)
    counts = counts.reset_index().rename(columns={"index": "term"})
    counts = counts.sort_values(["any_grade", "grade_3_4", "term"], ascending=[False, False, True], kind="mergesort")
    table = pd.DataFrame({"term": counts["term"].astype(str), "n_patients": n})
    for col in ("grade_1_2", "grade_3_4", "grade_5", "any_grade"):
        table[col] = counts[col].astype(int).to_numpy()
        table[f"{col}_pct"] = 100 * table[col] / n if n else np.nan
    if not table["grade_5"].any():
        table = table.drop(columns=["grade_5", "grade_5_pct"])
    return table.reset_index(drop=True)
