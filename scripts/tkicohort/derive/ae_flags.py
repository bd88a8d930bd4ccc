"""Adverse-event flags: worst grade per patient and term, any-grade and grade ≥ 3 flags, hand-foot skin reaction.

Terms are normalised (lower case, single spaces) and synonyms mapped to one CTCAE v5 term, so that sites writing
"Hand-foot skin reaction", "HFSR" or "Palmar-plantar erythrodysesthesia syndrome" are counted together. The adverse
event table covers every treated patient: a patient with no row has had no adverse event (flag 0, not missing).

A flag depends on follow-up: it is known from the **onset day of the first qualifying event** (``onset_day`` of the
earliest row with one of the terms at grade ≥ the minimum; a grade reached only later in an episode recorded as one
row counts from that row's onset). Patients with flag 0 have no such day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HFS = "palmar-plantar erythrodysesthesia syndrome"
#: Synonym → canonical CTCAE v5 term.
SYNONYMS = {
    "hand-foot skin reaction": HFS, "hand foot skin reaction": HFS, "hand-foot syndrome": HFS,
    "hand foot syndrome": HFS, "hfsr": HFS, "hfs": HFS, "ppe": HFS, "palmar-plantar erythrodysaesthesia syndrome": HFS,
    "palmar plantar erythrodysesthesia syndrome": HFS, "palmar-plantar erythrodysesthesia": HFS,
    "diarrhoea": "diarrhea", "hair loss": "alopecia",
}


def normalise_term(terms: pd.Series) -> pd.Series:
    t = terms.astype(str).str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    return t.replace(SYNONYMS)


def worst_grade_per_term(adverse_events: pd.DataFrame) -> pd.DataFrame:
    ae = adverse_events.assign(term=normalise_term(adverse_events["term"]))
    return (ae.groupby(["patient_id", "term"], sort=True)["grade"].max().rename("worst_grade").reset_index())


def _qualifying(adverse_events: pd.DataFrame, terms, min_grade: int) -> pd.DataFrame:
    ae = adverse_events[adverse_events["grade"] >= min_grade]
    if terms != "any":
        wanted = set(normalise_term(pd.Series(list(terms))))
        ae = ae[normalise_term(ae["term"]).isin(wanted)]
    return ae


def ae_flag(adverse_events: pd.DataFrame, patients: pd.DataFrame, terms="any", min_grade: int = 1) -> pd.Series:
    """1 if the patient had one of ``terms`` (or any term) at grade ≥ ``min_grade``, else 0 (index: patients')."""
    ae = _qualifying(adverse_events, terms, min_grade)
    return patients["patient_id"].isin(ae["patient_id"]).astype("int8")


def ae_flag_day(adverse_events: pd.DataFrame, patients: pd.DataFrame, terms="any", min_grade: int = 1) -> pd.Series:
    """The day the flag of :func:`ae_flag` became 1: the onset day of the first qualifying event (NaN for flag 0,
    and where no onset day is recorded)."""
    ae = _qualifying(adverse_events, terms, min_grade)
    if "onset_day" not in ae.columns:
        return pd.Series(np.nan, index=patients.index)
    first = pd.to_numeric(ae["onset_day"], errors="coerce").groupby(ae["patient_id"]).min()
    return patients["patient_id"].map(first).astype(float)
