"""Snakemake rule script: RECIST 1.1 responses and PFS from the ingested tables."""

import logging

import pandas as pd
from tkicohort.io import write_csv
from tkicohort.recist.stage import run_recist
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
visits, best = run_recist(
    pd.read_parquet(sm.input.patients),
    pd.read_parquet(sm.input.measurements),
    pd.read_parquet(sm.input.responses),
    sm.params.recist,
    tumour_data=sm.params.tumour_data,
)
write_csv(visits, sm.output.visits)
write_csv(best, sm.output.best)
logging.info("%d assessments, %d patients", len(visits), len(best))
