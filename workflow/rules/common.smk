# Config validation and input functions shared by the rule files.
import copy
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from tkicohort.cohort_files import cohort_data, survival_only_message
from tkicohort.config import (
    PLAN_SCHEMA,
    ConfigProblem,
    key_text,
    read_plan,
    selected_cohorts,
    selected_studies,
    validate_with_defaults,
)
from tkicohort.ingest.contract import TABLES
from tkicohort.plan_check import check_cohort
from tkicohort.cohort_outputs import STATS_TABLES, table_reads, tables_for
from tkicohort.plan_labels import statistics_plan
from tkicohort.jobs.workers import run_job  # every rule's run: block: where its job runs


validate(config, schema="../schemas/config.schema.yaml")
try:
    SELECTED = selected_cohorts(config)
except ConfigProblem as _problem:
    raise WorkflowError(str(_problem))

# Every plan is read, validated and checked against its cohort's columns here, before any job: a plan problem
# (a condition that does not parse or names a missing column, a key the design does not use, ...) stops the run.
PLANS = {}
_problems = []
for _name in SELECTED:
    _cohort = config["cohorts"][_name]
    try:
        _plan, _lines = read_plan(_cohort["plan"], f"cohorts.{_name}.plan")
    except ConfigProblem as _problem:
        _problems.append(str(_problem))
        continue
    _raw = copy.deepcopy(_plan)  # as written: the schema below fills in defaults
    _invalid = validate_with_defaults(_plan, PLAN_SCHEMA)
    if _invalid:
        _where, _message = _invalid
        _line = f":{_lines[_where]}" if _where in _lines else ""
        _key = f": {key_text(_where)}" if _where else ""
        _problems.append(f"config error at 'cohorts.{_name}.plan ({_cohort['plan']}{_line}){_key}': {_message} "
                         "(workflow/schemas/plan.schema.yaml)")
        continue
    _problems += [str(p) for p in check_cohort(_name, _cohort, _plan, _lines, Path.cwd(), raw_plan=_raw)]
    PLANS[_name] = _plan
if _problems:
    raise WorkflowError("\n".join(dict.fromkeys(_problems)))

COHORTS = sorted(SELECTED)
# which files each cohort supplies decides its tables and figures (tkicohort.cohort_files), once, before any job
DATA = {
    _name: {**cohort_data(config["cohorts"][_name]["data"]), "literature": bool(config.get("literature"))}
    for _name in COHORTS
}
for _name in COHORTS:
    if not DATA[_name]["tumour_data"]:
        logger.info(survival_only_message(_name))
TABLE_NAMES = list(TABLES)
TABLE_FORMATS = ("csv", "md", "html", "xlsx", "docx")  # every table: tidy CSV and its renderings


wildcard_constraints:
    cohort="|".join(COHORTS),
    table="|".join(STATS_TABLES),


def cohort_folder(wildcards):
    return config["cohorts"][wildcards.cohort]["data"]


def cohort_csv_files(wildcards):
    """The contract's CSV files present in the cohort folder (so editing one re-runs ingestion)."""
    folder = Path(cohort_folder(wildcards))
    return [str(folder / t.file) for t in TABLES.values() if (folder / t.file).exists()]


def screen_options(wildcards):
    screen = config["cohorts"][wildcards.cohort].get("identifier_screen", {})
    return {
        "safe_columns": list(screen.get("safe_columns", [])),
        "cap_age_over_89": bool(screen.get("cap_age_over_89", False)),
    }


def plan_of(wildcards):
    return PLANS[wildcards.cohort]


# The plans without their labels (tkicohort.plan_labels), which the statistics and the analysis dataset take: a label
# edit reruns the renderings only. The context table names the cohort by the plan's title, so it keeps the title.
UNLABELLED = {c: statistics_plan(p) for c, p in PLANS.items()}
UNLABELLED_TITLED = {c: statistics_plan(p, keep_title=True) for c, p in PLANS.items()}


def unlabelled_plan_of(wildcards):
    if wildcards.get("table") == "context":
        return UNLABELLED_TITLED[wildcards.cohort]
    return UNLABELLED[wildcards.cohort]


def has_qol(cohort):
    return DATA[cohort]["has_qol"]


def cohort_flags(cohort):
    """has_qol, tumour_data, adverse_events of a cohort: the data-dependent arguments of tables_for, figures_for."""
    return DATA[cohort]


def tumour_data(wildcards):
    return DATA[wildcards.cohort]["tumour_data"]


def statistics_inputs(wildcards):
    """The analysis dataset, the ingested adverse events and QoL data, the statistics of the cohort's tables this one
    reads (tkicohort.cohort_outputs.table_reads) and, for the context table, the literature file."""
    cohort = wildcards.cohort
    inputs = {
        "dataset": f"results/{cohort}/analysis/patients.csv",
        "adverse_events": f"results/{cohort}/data/adverse_events.parquet",
        "qol": f"results/{cohort}/data/qol.parquet",
    }
    reads = table_reads(wildcards.table, PLANS[cohort], **cohort_flags(cohort))
    inputs.update({f"table_{t}": f"results/{cohort}/stats/{t}.json" for t in reads})
    if wildcards.table == "context":
        inputs["literature"] = config["literature"]
    return inputs


def cohort_tables(cohort):
    return [
        f"results/{cohort}/tables/{name}.{ext}"
        for name in tables_for(PLANS[cohort], **cohort_flags(cohort))
        for ext in TABLE_FORMATS
    ]


def study_of(cohort):
    """The cohort's reproduced-study folder, or None."""
    return config["cohorts"][cohort].get("study")


def published_of(cohort):
    """The cohort's published-numbers YAML (given, or the study folder's), or None."""
    entry = config["cohorts"][cohort]
    if entry.get("published"):
        return entry["published"]
    return f"{entry['study']}/published.yaml" if entry.get("study") else None


def audited_studies():
    """Every name audited -> its published.yaml: the cohorts with published numbers and the config's `studies:`
    (studies audited before a cohort reproduces them). Problems stop the run before any job."""
    out = {c: published_of(c) for c in COHORTS if published_of(c)}
    problems = []
    cohort_studies = {str(Path(config["cohorts"][c]["study"])): c for c in config["cohorts"] if study_of(c)}
    chosen = selected_studies(config)
    for name, folder in (config.get("studies") or {}).items():
        if name not in chosen:
            continue
        path = Path(folder) / "published.yaml"
        if name in config["cohorts"]:
            problems.append(f"config error at 'studies.{name}': '{name}' is also a cohort; a cohort's study is "
                            "audited with the cohort")
        elif str(Path(folder)) in cohort_studies:
            problems.append(f"config error at 'studies.{name}': {folder} is the study of cohort "
                            f"'{cohort_studies[str(Path(folder))]}'; list it only there")
        elif not path.is_file():
            problems.append(f"config error at 'studies.{name}': no published.yaml in {folder}")
        else:
            out[name] = str(path)
    literature = config.get("literature")
    if literature and not Path(literature).is_file():
        problems.append(f"config error at 'literature': no file {literature}")
    if problems:
        raise WorkflowError("\n".join(problems))
    return out


def ensemble_file(cohort, name):
    """A file the reconstruction wrote beside the study (ensemble/summary.csv, ensemble/plausibility.csv), or None."""
    study = study_of(cohort)
    path = Path(study) / "ensemble" / name if study else None
    return str(path) if path is not None and path.exists() else None


def reproduction_inputs(wildcards):
    """The published YAML, every tidy table of the cohort, the analysis dataset, RECIST visits, ingested data, and
    for a reconstructed study its ensemble summary and the cohort's plausibility table."""
    cohort = wildcards.cohort
    extra = {}
    if ensemble_file(cohort, "summary.csv"):
        extra["ensemble"] = ensemble_file(cohort, "summary.csv")
    if ensemble_file(cohort, "plausibility.csv"):
        extra["plausibility"] = f"results/{cohort}/plausibility.csv"
    return {
        **extra,
        "published": published_of(cohort),
        "tables": [t for t in cohort_tables(cohort) if t.endswith(".csv")],
        "dataset": f"results/{cohort}/analysis/patients.csv",
        "visits": f"results/{cohort}/recist/visits.csv",
        **{
            name: f"results/{cohort}/data/{name}.parquet"
            for name in ("tumor_measurements", "adverse_events", "doses")
        },
    }


def final_targets():
    targets = expand(
        [
            "results/{cohort}/data/ingest_report.json",
            "results/{cohort}/recist/visits.csv",
            "results/{cohort}/recist/best_response.csv",
            "results/{cohort}/analysis/patients.csv",
        ],
        cohort=COHORTS,
    )
    tables = [t for c in COHORTS for t in cohort_tables(c)]
    figures = [f for c in COHORTS for f in figure_targets(c)]
    published = [c for c in COHORTS if published_of(c)]
    audits = [f"results/{s}/audit.{ext}" for s in AUDITED for ext in ("csv", "html")]
    reproductions = [f"results/{c}/reproduction.{ext}" for c in published for ext in ("csv", "html")]
    plausibility = [f"results/{c}/plausibility.csv" for c in COHORTS if ensemble_file(c, "plausibility.csv")]
    reports = [f"results/{c}/report.html" for c in COHORTS] + ["results/report.html"]
    return targets + tables + figures + audits + reproductions + plausibility + reports


# the report's captions (workflow/report/*.rst)
CAPTIONS = Path(workflow.basedir) / "workflow" / "report"


def report_inputs(wildcards):
    """The files a cohort's page shows: ingestion report, tables (HTML pages and every other format, which the page
    links to), figures, and the reproduction and audit of a cohort with a publication. The RECIST files and the
    analysis dataset it links to are not inputs (the tables need them first): their size, registry-scale, would
    count in the job's memory request (workflow/profiles)."""
    cohort = wildcards.cohort
    inputs = {
        "ingest": f"results/{cohort}/data/ingest_report.json",
        "tables": cohort_tables(cohort),
        "figures": figure_targets(cohort),
        "captions": sorted(str(p) for p in CAPTIONS.glob("*.rst")),
    }
    if published_of(cohort):
        inputs.update(
            reproduction_html=f"results/{cohort}/reproduction.html",
            reproduction_csv=f"results/{cohort}/reproduction.csv",
            audit=f"results/{cohort}/audit.csv",
            audit_html=f"results/{cohort}/audit.html",
        )
    if ensemble_file(cohort, "plausibility.csv"):
        inputs["plausibility"] = f"results/{cohort}/plausibility.csv"
    return inputs


def plausibility_inputs(wildcards):
    cohort = wildcards.cohort
    return {
        "dataset": f"results/{cohort}/analysis/patients.csv",
        "ensemble": ensemble_file(cohort, "plausibility.csv"),
        **{name: f"results/{cohort}/data/{name}.parquet" for name in ("patients", "adverse_events", "qol", "labs")},
    }


# every audited study (cohorts with published numbers and the config's `studies:`) -> its published.yaml
AUDITED = audited_studies()
LITERATURE = config.get("literature")


def audit_inputs(wildcards):
    """The study's published numbers, every other audited study's (the cross-source checks) and the literature file."""
    inputs = {
        "published": AUDITED[wildcards.study],
        "others": [path for name, path in AUDITED.items() if name != wildcards.study],
    }
    if LITERATURE:
        inputs["literature"] = LITERATURE
    return inputs
