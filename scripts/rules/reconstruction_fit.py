"""Snakemake rule script: the survival fit of a reconstructed cohort, computed from the pipeline's own outputs."""

import logging

from tkicohort.io import read_csv, write_csv
from tkicohort.reproduce.reconstruction import published_numbers, summary, survival_fit_report

sm = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=sm.log[0], level=logging.INFO, format="%(message)s")
dataset = read_csv(sm.input.dataset, dtype={"patient_id": str})
report = survival_fit_report(dataset, published_numbers(sm.input.published), time=sm.params.time)
write_csv(report, sm.output[0])
logging.info(summary(report))
