"""Which tables and figures a cohort gets is decided at start-up by tkicohort.cohort_outputs, a module that must stay
light: every snakemake command imports it. Its table names are the stats stage's, and the stages re-export it."""

import os
import subprocess
import sys
from pathlib import Path

from tkicohort import cohort_outputs, figures
from tkicohort.stats import context, tables

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_every_table_name_is_one_the_stats_stage_makes_and_the_reverse():
    assert list(cohort_outputs.STATS_TABLES) == list(tables.MAKERS)


def test_the_stages_use_the_same_decisions():
    assert tables.tables_for is cohort_outputs.tables_for and figures.figures_for is cohort_outputs.figures_for
    assert figures.figure_reads is cohort_outputs.figure_reads and context.READS == cohort_outputs.CONTEXT_READS


def test_the_start_up_imports_neither_scipy_nor_matplotlib_nor_a_survival_library():
    # what workflow/rules/common.smk and figures.smk import when the workflow starts
    code = ("import sys\n"
            "import tkicohort.cohort_files, tkicohort.config, tkicohort.plan_check, tkicohort.ingest.contract\n"
            "from tkicohort.cohort_outputs import figures_for, tables_for\n"
            "heavy = ('scipy', 'matplotlib', 'lifelines', 'statsmodels', 'sksurv', 'docx', 'openpyxl')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(SCRIPTS)})
    assert done.stdout.strip() == "[]"


def test_subgroup_figure_pages_hold_at_most_six_panels():
    plan = {"design": "single_arm", "endpoints": ["pfs"], "subgroups": [{"variable": f"v{i}"} for i in range(13)]}
    assert cohort_outputs.subgroup_pages(plan) == 3
    assert cohort_outputs.subgroup_pages({"subgroups": []}) == 1
    names = cohort_outputs.figures_for(plan)
    assert [n for n in names if n.startswith("km_subgroups")] == ["km_subgroups_p1", "km_subgroups_p2",
                                                                   "km_subgroups_p3"]
