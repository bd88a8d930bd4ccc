"""Snakemake rule script: every cohort's report on one self-contained HTML page (tkicohort.report)."""

import logging
from pathlib import Path

from tkicohort.io import write_text
from tkicohort.report.cohort import combined_page
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
pages = {Path(p).parent.name: Path(p).read_text(encoding="utf-8") for p in sm.input.pages}
write_text(combined_page(pages, Path(sm.input.intro)), sm.output[0])
logging.info("report of %d cohorts: %s", len(pages), ", ".join(pages))
