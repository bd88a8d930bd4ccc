"""Which of the data contract's files a cohort folder supplies, read once when the workflow starts.

What a cohort gets (which tables and figures, whether it has a PFS) is decided before any job runs, from the plan and
from these files: a file counts when it exists and holds at least one data line after its header (a header-only
file supplies nothing). The checks read only the first lines of each file.

- ``tumour_data``: ``tumor_measurements.csv`` or ``responses.csv`` — without either, the cohort is survival-only:
  no response, no PFS (:data:`tkicohort.recist.stage.NO_TUMOUR_DATA`);
- ``has_qol``: ``qol.csv``; ``adverse_events``: ``adverse_events.csv`` (without it, adverse events were not
  recorded, which is not the same as none having occurred: no adverse-event table or figure).
"""

from __future__ import annotations

from pathlib import Path

TUMOUR_FILES = ("tumor_measurements.csv", "responses.csv")


def has_rows(path: Path) -> bool:
    """True when ``path`` is a file with a non-blank line after its first (header) line."""
    if not path.is_file():
        return False
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        next(fh, None)
        return any(line.strip() for line in fh)


def cohort_data(folder: str | Path) -> dict[str, bool]:
    """The keyword flags of :func:`tkicohort.stats.tables.tables_for` and :func:`tkicohort.figures.figures_for`
    for a cohort folder: ``has_qol``, ``tumour_data``, ``adverse_events``."""
    folder = Path(folder)
    return {"has_qol": has_rows(folder / "qol.csv"),
            "tumour_data": any(has_rows(folder / name) for name in TUMOUR_FILES),
            "adverse_events": has_rows(folder / "adverse_events.csv")}


def survival_only_message(cohort: str) -> str:
    """The one log line of a cohort without tumour assessments."""
    return (f"cohort '{cohort}': no tumour assessments (neither tumor_measurements.csv nor responses.csv): "
            "survival-only analysis, no progression-free survival and no response tables or figures")
