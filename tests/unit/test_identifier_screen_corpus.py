"""The identifier screen refuses nothing in the committed cohorts and templates (false-positive rate 0), measured by
benchmarks/screen_false_positives.py over every screened value and column name."""

from __future__ import annotations

import importlib.util

import pytest
from cohort_fixtures import REPO
from tkicohort.ingest.validate import ingest_cohort

FOLDERS = sorted(p for p in (REPO / "resources" / "cohorts").iterdir() if p.is_dir()) + [REPO / "resources" /
                                                                                         "templates"]


def _script():
    spec = importlib.util.spec_from_file_location("screen_fp", REPO / "benchmarks" / "screen_false_positives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_no_false_positive_in_committed_data(folder):
    cells, distinct, refused = _script().screen_folder(folder)
    assert cells > 0 and distinct > 0
    assert refused == []
    ingest_cohort(folder)  # and the whole folder passes ingestion
