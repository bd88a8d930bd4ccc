"""Snakemake rule script: regenerate a reconstructed cohort and print its fit summary."""

import logging
from pathlib import Path

from tkicohort.io import write_csv
from tkicohort.reconstruct.reconstruction import build_tehran, build_zhujiang, sample_summary, summary

sm = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=sm.log[0], level=logging.INFO, format="%(message)s")
build, describe = {"zhujiang": (build_zhujiang, summary), "tehran": (build_tehran, sample_summary)}[sm.params.study]
report = build(sm.input.published, Path(sm.output.fit).parent, iterations=sm.params.iterations, seed=sm.params.seed)
write_csv(report, sm.output.fit)
text = describe(report)
print(text)
logging.info(text)
