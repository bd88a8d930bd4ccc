"""Snakemake rule script: validate a cohort folder and write its normalised tables."""

import sys
from pathlib import Path

from tkicohort.ingest.cli import run
from tkicohort.ingest.validate import ScreenOptions

sm = snakemake  # noqa: F821 - injected by Snakemake
outputs = {name: Path(path) for name, path in zip(sm.params.tables, sm.output.tables, strict=True)}
outputs["report"] = Path(sm.output.report)
options = ScreenOptions(set(sm.params.screen["safe_columns"]), sm.params.screen["cap_age_over_89"])
status = run(sm.params.folder, outputs, options, log=sm.log[0])
if status:
    # Leave no empty result folder of this cohort behind either.
    for d in {p.parent for p in outputs.values()}:
        for folder in (d, d.parent):
            try:
                folder.rmdir()
            except OSError:
                pass
sys.exit(status)
