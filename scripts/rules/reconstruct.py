"""Snakemake rule script: reconstruct a cohort from its study folder (ensemble summaries and the committed files)."""

import logging
from pathlib import Path

from tkicohort.reconstruct.ensemble import reconstruct, write_result
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
result = reconstruct(sm.params.study, log=logging.info)
out = Path(sm.output[0])
write_result(result, out / "ensemble", out / "cohort")
