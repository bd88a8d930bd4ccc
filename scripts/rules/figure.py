"""Snakemake rule script: one figure of a cohort, as PNG (300 dpi) and SVG."""

import logging

import pandas as pd
from tkicohort.figures import FIGURE_TABLES, FigureInputs, make_figure, split_page
from tkicohort.figures.style import save
from tkicohort.io import read_csv
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
name = sm.wildcards.figure
base = split_page(name)[0]
given = dict(sm.input.items())
ids = {"dtype": {"patient_id": str}}
csv = {key: read_csv(given[key], **ids) if key in given else None for key in ("best_response", "visits")}
parquet = {key: pd.read_parquet(given[key]) if key in given else None
           for key in ("qol_data", "doses", "ae_rows")}
inputs = FigureInputs(
    dataset=read_csv(given["dataset"], **ids),
    best_response=csv["best_response"],
    visits=csv["visits"],
    tables={table: read_csv(given[table]) for table in FIGURE_TABLES[base] if table in given},
    qol=parquet["qol_data"],
    doses=parquet["doses"],
    adverse_events=parquet["ae_rows"],
)
figure = make_figure(name, inputs, sm.params.plan)
save(figure, sm.output.png, sm.output.svg)
logging.info("%s: read %s", name, ", ".join(sorted(given)))
