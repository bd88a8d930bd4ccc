"""Snakemake rule script: a reconstructed cohort's plausibility statistics beside their ensemble distribution."""

import logging

import pandas as pd
from tkicohort.io import read_csv, write_csv
from tkicohort.rule_log import rule_logging
from tkicohort.stats.plausibility import compare, plausibility_statistics
from tkicohort.stats.qol import TEHRAN_RAW_SUBSCALES

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
frames = {name: pd.read_parquet(getattr(sm.input, name)) for name in ("patients", "adverse_events", "qol", "labs")}
dataset = read_csv(sm.input.dataset, dtype={"patient_id": str})
layout = {"tehran": TEHRAN_RAW_SUBSCALES}.get(sm.params.qol_layout)
observed = plausibility_statistics(frames["patients"], dataset, frames["adverse_events"], frames["qol"], frames["labs"],
                                   layout)
table = compare(observed, read_csv(sm.input.ensemble))
write_csv(table, sm.output.csv)
logging.info("%s", table["status"].value_counts().to_dict())
