"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_fixtures import VALID_COHORT, write_cohort


@pytest.fixture
def valid_cohort(tmp_path: Path) -> Path:
    return write_cohort(tmp_path / "cohort", VALID_COHORT)
