"""Snakemake rule script: the audit of a study's published numbers (its own documents, the other studies of the
config and the literature file), as findings (CSV) and a page (HTML)."""

import logging

from tkicohort.audit import CHECK_DESCRIPTIONS, audit, load_published, summary
from tkicohort.audit.html import audit_page
from tkicohort.io import write_csv, write_text
from tkicohort.literature import LiteratureError, literature_source, read_literature
from tkicohort.rule_log import fail, rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
literature, label = None, "literature"
if sm.input.get("literature"):
    try:
        literature = read_literature(sm.input.literature)
    except LiteratureError as err:  # the file's problems, one per line, not a traceback
        fail(f"literature file of the audit of {sm.wildcards.study}:\n{err}")
    label = literature_source(sm.input.literature)["label"]
others = [load_published(path) for path in sm.input.others]
result = audit(load_published(sm.input.published), others, literature, label)
write_csv(result.findings, sm.output.csv)
write_text(audit_page(result.label, result.documents, result.findings, result.checks, CHECK_DESCRIPTIONS,
                      result.compared_with), sm.output.html)
logging.info("%s: %s", sm.input.published, summary(result.findings))
