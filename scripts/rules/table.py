"""Snakemake rule script: one table of a cohort, as tidy CSV plus Markdown, HTML, Excel and Word renderings."""

import logging
from pathlib import Path

import pandas as pd
from tkicohort.derive.plan_variables import PlanError
from tkicohort.expression import ExpressionError
from tkicohort.io import read_csv, write_bytes, write_csv, write_text
from tkicohort.literature import LiteratureError, read_literature
from tkicohort.rule_log import fail, rule_logging
from tkicohort.stats.office import to_docx, to_xlsx
from tkicohort.stats.render import printed, to_html, to_markdown
from tkicohort.stats.tables import TableInputs, make_table, title_for

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
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
        fail(f"literature file of table {name} of cohort {sm.wildcards.cohort}:\n{err}")
try:
    table = make_table(name, inputs, sm.params.plan)
except (PlanError, ExpressionError) as err:  # a plan that does not fit the data: the message, not a traceback
    fail(f"plan error in table {name} of cohort {sm.wildcards.cohort}: {err}")
title = f"{title_for(name, sm.params.plan, sm.params.tumour_data)} — {sm.wildcards.cohort}"
page = printed(name, table, title, sm.params.plan)
write_csv(table, sm.output.csv)
write_text(to_markdown(page), sm.output.md)
write_text(to_html(page), sm.output.html)
write_bytes(to_xlsx(page), sm.output.xlsx)
write_bytes(to_docx(page), sm.output.docx)
logging.info("%s: %d rows", name, len(table))
