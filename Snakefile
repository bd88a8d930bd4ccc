# Cohort-analysis pipeline for TKI-treated radioiodine-refractory differentiated thyroid cancer.
# Stages: ingest -> recist -> derive -> stats -> figures -> reproduce -> report. See README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/recist.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/reproduce.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_targets(),
    default_target: True
