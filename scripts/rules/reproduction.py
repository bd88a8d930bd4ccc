"""Snakemake rule script: every published number of a cohort's publication beside the pipeline's own (CSV + HTML)."""

import logging
from pathlib import Path

import pandas as pd
from tkicohort.io import read_csv, write_csv, write_text
from tkicohort.reproduce.reproduction import load_publication, reproduce_publication, reproduction_summary
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
document = load_publication(sm.input.published)
tables = {Path(path).stem: read_csv(path) for path in sm.input.tables}
dataset = read_csv(sm.input.dataset, dtype={"patient_id": str})
data = {"visits": read_csv(sm.input.visits, dtype={"patient_id": str}),
        **{name: pd.read_parquet(getattr(sm.input, name)) for name in ("tumor_measurements", "adverse_events", "doses")}}
given = dict(sm.input.items())
ensemble = read_csv(given["ensemble"]) if "ensemble" in given else None  # written by the reconstruction
plausibility = read_csv(given["plausibility"]) if "plausibility" in given else None
frame = reproduce_publication(document, tables, dataset, data=data, days_per_month=sm.params.days_per_month,
                              time=sm.params.time, ensemble=ensemble)
write_csv(frame, sm.output.csv)
write_text(reproduction_summary(frame, f"Reproduction of {document['study']} — cohort {sm.wildcards.cohort}",
                                plausibility), sm.output.html)
logging.info("%s: %s", document["study"], frame["status"].value_counts().to_dict())
