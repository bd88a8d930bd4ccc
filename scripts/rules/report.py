"""Snakemake rule script: a cohort's self-contained HTML report page (tkicohort.report)."""

import logging
from pathlib import Path

from tkicohort.io import write_text
from tkicohort.report.cohort import CohortFiles, cohort_page
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
given = dict(sm.input.items())
files = CohortFiles(
    cohort=sm.wildcards.cohort,
    title=sm.params.title,
    ingest_report=Path(sm.input.ingest),
    tables={Path(p).stem: Path(p) for p in sm.input.tables if p.endswith(".html")},
    figures={Path(p).stem: Path(p) for p in sm.input.figures if p.endswith(".png")},
    captions=Path(sm.params.captions),
    reproduction_html=given.get("reproduction_html"),
    reproduction_csv=given.get("reproduction_csv"),
    audit_csv=given.get("audit"),
    plausibility_csv=given.get("plausibility"),
    notes=list(sm.params.notes),
)
write_text(cohort_page(files), sm.output[0])
logging.info("%s: %d tables, %d figures", files.cohort, len(files.tables), len(files.figures))
