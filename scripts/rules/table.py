"""Snakemake rule script: one table of a cohort, as tidy CSV plus Markdown and HTML renderings."""

import logging
import sys
from pathlib import Path

import pandas as pd
from tkicohort.derive.plan_variables import PlanError
from tkicohort.expression import ExpressionError
from tkicohort.io import read_csv, write_csv, write_text
from tkicohort.literature import LiteratureError, read_literature
from tkicohort.stats.render import present, to_html, to_markdown
from tkicohort.stats.tables import TableInputs, make_table, title_for

sm = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=sm.log[0], level=logging.INFO, format="%(message)s")
name = sm.wildcards.table
inputs = TableInputs(
    dataset=read_csv(sm.input.dataset, dtype={"patient_id": str}),
    adverse_events=pd.read_parquet(sm.input.adverse_events),
    qol=pd.read_parquet(sm.input.qol) if Path(sm.input.qol).exists() else None,
    tumour_data=sm.params.tumour_data,
    tables={k.removeprefix("table_"): read_csv(v) for k, v in sm.input.items() if k.startswith("table_")},
)
if "literature" in sm.input.keys():
    try:
        inputs.literature = read_literature(sm.input.literature)
    except LiteratureError as err:  # the file's problems, one per line, not a traceback
        sys.exit(f"literature file of table {name} of cohort {sm.wildcards.cohort}:\n{err}")
try:
    table = make_table(name, inputs, sm.params.plan)
except (PlanError, ExpressionError) as err:  # a plan that does not fit the data: the message, not a traceback
    sys.exit(f"plan error in table {name} of cohort {sm.wildcards.cohort}: {err}")
title = f"{title_for(name, sm.params.plan, sm.params.tumour_data)} — {sm.wildcards.cohort}"
printed = present(name, table)
write_csv(table, sm.output.csv)
write_text(to_markdown(printed, title), sm.output.md)
write_text(to_html(printed, title), sm.output.html)
logging.info("%s: %d rows", name, len(table))
