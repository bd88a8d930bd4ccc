"""Jobs of the stats stage, two per table: its statistics, computed from the plan without its labels, and its
rendering (tidy CSV plus Markdown, HTML, Excel and Word), which puts the labels in (:mod:`tkicohort.plan_labels`).
Editing a label in a plan reruns the renderings only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..derive.plan_variables import PlanError
from ..expression import ExpressionError
from ..io import read_csv, read_frame_json, write_bytes, write_csv, write_frame_json, write_text
from ..literature import LiteratureError, read_literature
from ..plan_labels import label_texts, restore_labels
from ..rule_log import fail, job_log


def statistics(inputs, outputs, params, wildcards, log: str) -> None:
    """The table's numbers (labels as placeholders), to ``results/<c>/stats/<table>.json``."""
    # the survival libraries: imported by a worker when it first computes a table, never to render one
    from ..stats.tables import TableInputs, make_table

    name, cohort = wildcards.table, wildcards.cohort
    with job_log(log) as logger:
        given = TableInputs(
            dataset=read_csv(inputs.dataset, dtype={"patient_id": str}),
            adverse_events=pd.read_parquet(inputs.adverse_events),
            qol=pd.read_parquet(inputs.qol) if Path(inputs.qol).exists() else None,
            tumour_data=params.tumour_data,
            tables={k.removeprefix("table_"): read_frame_json(v) for k, v in inputs.items() if k.startswith("table_")},
        )
        if "literature" in inputs.keys():
            try:
                given.literature = read_literature(inputs.literature)
            except LiteratureError as err:  # the file's problems, one per line, not a traceback
                fail(f"literature file of table {name} of cohort {cohort}:\n{err}")
        try:
            frame = make_table(name, given, params.plan)
        except (PlanError, ExpressionError) as err:  # a plan that does not fit the data: the message, not a traceback
            fail(f"plan error in table {name} of cohort {cohort}: {err}")
        write_frame_json(frame, outputs[0])
        logger.info("%s: %d rows", name, len(frame))


def table(inputs, outputs, params, wildcards, log: str) -> None:
    """The table with the plan's labels, as tidy CSV and its Markdown, HTML, Excel and Word renderings."""
    from ..stats.office import to_docx, to_xlsx
    from ..stats.render import printed, to_html, to_markdown
    from ..stats.titles import title_for

    name, cohort = wildcards.table, wildcards.cohort
    with job_log(log) as logger:
        frame = restore_labels(read_frame_json(inputs.statistics), label_texts(params.plan))
        title = f"{title_for(name, params.plan, params.tumour_data)} — {cohort}"
        page = printed(name, frame, title, params.plan)
        write_csv(frame, outputs.csv)
        write_text(to_markdown(page), outputs.md)
        write_text(to_html(page), outputs.html)
        write_bytes(to_xlsx(page), outputs.xlsx)
        write_bytes(to_docx(page), outputs.docx)
        logger.info("%s: %d rows", name, len(frame))
