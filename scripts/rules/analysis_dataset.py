"""Snakemake rule script: build the one-row-per-patient analysis dataset."""

import logging

import pandas as pd
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.derive.plan_variables import PlanError
from tkicohort.io import read_csv, write_csv
from tkicohort.rule_log import fail, rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
best = read_csv(sm.input.best, dtype={"patient_id": str})
try:
    dataset = build_analysis_dataset(
        pd.read_parquet(sm.input.patients),
        best,
        sm.params.plan,
        labs=pd.read_parquet(sm.input.labs),
        adverse_events=pd.read_parquet(sm.input.adverse_events),
        doses=pd.read_parquet(sm.input.doses),
    )
except PlanError as err:  # a plan that does not fit the data: the message, not a traceback
    fail(f"plan error in the analysis dataset of cohort {sm.wildcards.cohort}: {err}")
write_csv(dataset, sm.output[0])
logging.info("%d patients, %d columns", len(dataset), dataset.shape[1])
