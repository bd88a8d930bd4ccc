"""Jobs of the report stage: a cohort's self-contained HTML page, and every cohort's page on one page."""

from __future__ import annotations

from pathlib import Path

from ..io import write_text
from ..report.cohort import CohortFiles, cohort_page, combined_page
from ..rule_log import job_log


def cohort_report(inputs, outputs, params, wildcards, log: str) -> None:
    with job_log(log) as logger:
        given = dict(inputs.items())
        files = CohortFiles(
            cohort=wildcards.cohort,
            title=params.title,
            ingest_report=Path(inputs.ingest),
            tables={Path(p).stem: Path(p) for p in inputs.tables if p.endswith(".html")},
            figures={Path(p).stem: Path(p) for p in inputs.figures if p.endswith(".png")},
            captions=Path(params.captions),
            reproduction_html=given.get("reproduction_html"),
            reproduction_csv=given.get("reproduction_csv"),
            audit_csv=given.get("audit"),
            plausibility_csv=given.get("plausibility"),
            notes=list(params.notes),
        )
        write_text(cohort_page(files), outputs[0])
        logger.info("%s: %d tables, %d figures", files.cohort, len(files.tables), len(files.figures))


def report(inputs, outputs, params, wildcards, log: str) -> None:
    with job_log(log) as logger:
        pages = {Path(p).parent.name: Path(p).read_text(encoding="utf-8") for p in inputs.pages}
        audits = {Path(p).parent.name: Path(p).read_text(encoding="utf-8") for p in inputs.audits}
        write_text(combined_page(pages, Path(inputs.intro), audits=audits, audit_caption=Path(inputs.audit_caption)),
                   outputs[0])
        logger.info("report of %d cohorts (%s) and %d audited studies without a cohort", len(pages), ", ".join(pages),
                    len(audits))
