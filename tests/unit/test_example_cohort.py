"""The example cohort through ingestion, RECIST and derivation against the hand-derived expectations in
tests/data/example_expected.csv (worked out patient by patient in resources/cohorts/example/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist

REPO = Path(__file__).resolve().parents[2]
EXPECTED = pd.read_csv(REPO / "tests" / "data" / "example_expected.csv", dtype={"patient_id": str})


@pytest.fixture(scope="module")
def dataset():
    t = ingest_cohort(REPO / "resources" / "cohorts" / "example").tables
    plan = load_yaml(REPO / "config" / "plans" / "example.yaml")
    _, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], plan["recist"])
    return build_analysis_dataset(t["patients"], best, plan, labs=t["labs"], adverse_events=t["adverse_events"],
                                  doses=t["doses"]).merge(best[["patient_id", "pd_day"]], on="patient_id")


@pytest.mark.parametrize("column", [c for c in EXPECTED.columns if c != "patient_id"])
def test_example_cohort_matches_hand_derivation(dataset, column):
    got = dataset.set_index("patient_id")[column]
    want = EXPECTED.set_index("patient_id")[column]
    mismatches = {pid: (got[pid], want[pid]) for pid in want.index
                  if not (pd.isna(got[pid]) and pd.isna(want[pid])) and str(got[pid]) != str(want[pid])
                  and not (pd.notna(got[pid]) and pd.notna(want[pid]) and float(got[pid]) == float(want[pid]))}
    assert not mismatches, f"{column}: (pipeline, hand-derived) {mismatches}"


def test_investigator_responses_give_the_same_best_response():
    t = ingest_cohort(REPO / "resources" / "cohorts" / "example").tables
    _, from_measurements = run_recist(t["patients"], t["tumor_measurements"], t["responses"], {"source": "measurements"})
    _, from_responses = run_recist(t["patients"], t["tumor_measurements"], t["responses"], {"source": "responses"})
    evaluable = from_measurements["evaluable"] == 1
    # EX10 (non-target only) is not evaluable from measurements but has investigator responses.
    assert (from_measurements.loc[evaluable, "bor"].tolist() == from_responses.loc[evaluable, "bor"].tolist())
