"""Job of the figures stage: one figure of a cohort, as PNG (300 dpi) and SVG."""

from __future__ import annotations

import threading

import pandas as pd

from ..figures import FIGURE_TABLES, FigureInputs, make_figure, split_page
from ..figures.style import save
from ..io import read_csv
from ..rule_log import job_log

# matplotlib's rc settings, which the figures are drawn and saved under (figures.style), are one global of the
# process: figure jobs running beside each other in threads of one process (a cluster job grouping several jobs)
# take turns for drawing and saving. In a worker, jobs run one after another anyway.
_MATPLOTLIB = threading.Lock()


def figure(inputs, outputs, params, wildcards, log: str) -> None:
    name = wildcards.figure
    with job_log(log) as logger:
        given = dict(inputs.items())
        ids = {"dtype": {"patient_id": str}}
        csv = {key: read_csv(given[key], **ids) if key in given else None for key in ("best_response", "visits")}
        parquet = {key: pd.read_parquet(given[key]) if key in given else None
                   for key in ("qol_data", "doses", "ae_rows")}
        data = FigureInputs(
            dataset=read_csv(given["dataset"], **ids),
            best_response=csv["best_response"],
            visits=csv["visits"],
            tables={table: read_csv(given[table]) for table in FIGURE_TABLES[split_page(name)[0]] if table in given},
            qol=parquet["qol_data"],
            doses=parquet["doses"],
            adverse_events=parquet["ae_rows"],
        )
        with _MATPLOTLIB:
            save(make_figure(name, data, params.plan), outputs.png, outputs.svg)
        logger.info("%s: read %s", name, ", ".join(sorted(given)))
