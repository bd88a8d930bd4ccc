"""Jobs of the reproduce stage: reconstruction of a study's cohort, plausibility statistics, the audit of published
numbers and the reproduction of a publication."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..audit import CHECK_DESCRIPTIONS, load_published, summary
from ..audit import audit as audit_study
from ..audit.html import audit_page
from ..io import read_csv, write_csv, write_text
from ..literature import LiteratureError, literature_source, read_literature
from ..reproduce.reproduction import load_publication, reproduce_publication, reproduction_summary
from ..rule_log import fail, job_log
from ..stats.plausibility import compare, plausibility_statistics
from ..stats.qol import TEHRAN_RAW_SUBSCALES


def reconstruct(inputs, outputs, params, wildcards, log: str) -> None:
    """Reconstruct a cohort from its study folder: ensemble summaries and the cohort's files."""
    from ..reconstruct import ensemble  # imported only here: the reconstruction is outside the default run

    with job_log(log) as logger:
        result = ensemble.reconstruct(params.study, log=logger.info)
        out = Path(outputs[0])
        ensemble.write_result(result, out / "ensemble", out / "cohort")


def plausibility(inputs, outputs, params, wildcards, log: str) -> None:
    """A reconstructed cohort's plausibility statistics beside their distribution over its ensemble."""
    with job_log(log) as logger:
        frames = {name: pd.read_parquet(getattr(inputs, name)) for name in ("patients", "adverse_events", "qol", "labs")}
        dataset = read_csv(inputs.dataset, dtype={"patient_id": str})
        layout = {"tehran": TEHRAN_RAW_SUBSCALES}.get(params.qol_layout)
        observed = plausibility_statistics(frames["patients"], dataset, frames["adverse_events"], frames["qol"],
                                           frames["labs"], layout)
        frame = compare(observed, read_csv(inputs.ensemble))
        write_csv(frame, outputs.csv)
        logger.info("%s", frame["status"].value_counts().to_dict())


def audit(inputs, outputs, params, wildcards, log: str) -> None:
    """The audit of a study's published numbers (its own documents, the other studies of the config and the
    literature file), as findings (CSV) and a page (HTML)."""
    with job_log(log) as logger:
        literature, label = None, "literature"
        if inputs.get("literature"):
            try:
                literature = read_literature(inputs.literature)
            except LiteratureError as err:  # the file's problems, one per line, not a traceback
                fail(f"literature file of the audit of {wildcards.study}:\n{err}")
            label = literature_source(inputs.literature)["label"]
        others = [load_published(path) for path in inputs.others]
        result = audit_study(load_published(inputs.published), others, literature, label)
        write_csv(result.findings, outputs.csv)
        write_text(audit_page(result.label, result.documents, result.findings, result.checks, CHECK_DESCRIPTIONS,
                              result.compared_with), outputs.html)
        logger.info("%s: %s", inputs.published, summary(result.findings))


def reproduction(inputs, outputs, params, wildcards, log: str) -> None:
    """Every published number of a cohort's publication beside the pipeline's own (CSV + HTML)."""
    with job_log(log) as logger:
        document = load_publication(inputs.published)
        tables = {Path(path).stem: read_csv(path) for path in inputs.tables}
        dataset = read_csv(inputs.dataset, dtype={"patient_id": str})
        data = {"visits": read_csv(inputs.visits, dtype={"patient_id": str}),
                **{name: pd.read_parquet(getattr(inputs, name))
                   for name in ("tumor_measurements", "adverse_events", "doses")}}
        given = dict(inputs.items())
        ensemble = read_csv(given["ensemble"]) if "ensemble" in given else None  # written by the reconstruction
        plausible = read_csv(given["plausibility"]) if "plausibility" in given else None
        frame = reproduce_publication(document, tables, dataset, data=data, days_per_month=params.days_per_month,
                                      time=params.time, ensemble=ensemble)
        write_csv(frame, outputs.csv)
        title = f"Reproduction of {document['study']} — cohort {wildcards.cohort}"
        write_text(reproduction_summary(frame, title, plausible), outputs.html)
        logger.info("%s: %s", document["study"], frame["status"].value_counts().to_dict())
