"""Snakemake rule script: the internal-consistency audit of a cohort's publication, from its printed numbers."""

import logging

from tkicohort.io import write_csv
from tkicohort.reproduce.audit import audit_publication, load_published, summary
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
audit = audit_publication(load_published(sm.input.published))
write_csv(audit, sm.output.csv)
logging.info("%s: %s", sm.input.published, summary(audit))
