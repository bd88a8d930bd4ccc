"""Jobs of the first stages: ingestion, RECIST and the analysis dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..derive.dataset import build_analysis_dataset
from ..derive.plan_variables import PlanError
from ..ingest.cli import run as run_ingest
from ..ingest.validate import ScreenOptions
from ..io import read_csv, write_csv
from ..recist.stage import run_recist
from ..rule_log import fail, job_log


def ingest(inputs, outputs, params, wildcards, log: str) -> None:
    """Validate the cohort folder and write its typed tables; on failure nothing, not even an empty folder, is left.
    Ingestion writes its own report to the log and prints every problem on the console."""
    with job_log(log):
        paths = {name: Path(path) for name, path in zip(params.tables, outputs.tables, strict=True)}
        paths["report"] = Path(outputs.report)
        options = ScreenOptions(set(params.screen["safe_columns"]), params.screen["cap_age_over_89"])
        status = run_ingest(params.folder, paths, options, log=log)
        if status:
            for d in {p.parent for p in paths.values()}:
                for folder in (d, d.parent):
                    try:
                        folder.rmdir()
                    except OSError:
                        pass
            fail(f"ingestion of cohort {wildcards.cohort} stopped (exit status {status}): see the messages above")


def recist(inputs, outputs, params, wildcards, log: str) -> None:
    """RECIST 1.1 per-visit responses, best overall response and PFS."""
    with job_log(log) as logger:
        visits, best = run_recist(
            pd.read_parquet(inputs.patients),
            pd.read_parquet(inputs.measurements),
            pd.read_parquet(inputs.responses),
            params.recist,
            tumour_data=params.tumour_data,
        )
        write_csv(visits, outputs.visits)
        write_csv(best, outputs.best)
        logger.info("%d assessments, %d patients", len(visits), len(best))


def analysis_dataset(inputs, outputs, params, wildcards, log: str) -> None:
    """The one-row-per-patient analysis dataset."""
    with job_log(log) as logger:
        best = read_csv(inputs.best, dtype={"patient_id": str})
        try:
            dataset = build_analysis_dataset(
                pd.read_parquet(inputs.patients),
                best,
                params.plan,
                labs=pd.read_parquet(inputs.labs),
                adverse_events=pd.read_parquet(inputs.adverse_events),
                doses=pd.read_parquet(inputs.doses),
            )
        except PlanError as err:  # a plan that does not fit the data: the message, not a traceback
            fail(f"plan error in the analysis dataset of cohort {wildcards.cohort}: {err}")
        write_csv(dataset, outputs[0])
        logger.info("%d patients, %d columns", len(dataset), dataset.shape[1])
