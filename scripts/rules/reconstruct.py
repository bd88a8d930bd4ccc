"""Snakemake rule script: regenerate a reconstructed cohort and print its fit summary."""

import logging
from pathlib import Path

from tkicohort.io import write_csv
from tkicohort.reproduce.reconstruction import build_tehran, build_zhujiang, sample_summary, summary
from tkicohort.rule_log import rule_logging

sm = snakemake  # noqa: F821 - injected by Snakemake
rule_logging(sm.log[0])
build, describe = {"zhujiang": (build_zhujiang, summary), "tehran": (build_tehran, sample_summary)}[sm.params.study]
report = build(sm.input.published, Path(sm.output.fit).parent, iterations=sm.params.iterations, seed=sm.params.seed)
write_csv(report, sm.output.fit)
text = describe(report)
print(text)
logging.info(text)
