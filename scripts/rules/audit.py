"""Snakemake rule script: the internal-consistency audit of a cohort's publication, from its printed numbers."""

import logging

from tkicohort.audit import audit_publication, load_published, summary
from tkicohort.io import write_csv

sm = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=sm.log[0], level=logging.INFO, format="%(message)s")
audit = audit_publication(load_published(sm.input.published))
write_csv(audit, sm.output.csv)
logging.info("%s: %s", sm.input.published, summary(audit))
