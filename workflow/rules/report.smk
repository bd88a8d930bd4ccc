# Report stage: one self-contained HTML page per cohort and one for every cohort of the run (tkicohort.report),
# from the files the earlier stages wrote; captions from workflow/report/*.rst.
CAPTIONS = Path(workflow.basedir) / "workflow" / "report"


def report_inputs(wildcards):
    """The files a cohort's page shows: ingestion report, tables (HTML pages and every other format, which the page
    links to), figures, and the reproduction and audit of a cohort with a publication."""
    cohort = wildcards.cohort
    inputs = {
        "ingest": f"results/{cohort}/data/ingest_report.json",
        "linked": [
            f"results/{cohort}/{path}"
            for path in ("recist/visits.csv", "recist/best_response.csv", "analysis/patients.csv")
        ],
        "tables": cohort_tables(cohort),
        "figures": figure_targets(cohort),
        "captions": sorted(str(p) for p in CAPTIONS.glob("*.rst")),
    }
    if config["cohorts"][cohort].get("published"):
        inputs.update(
            reproduction_html=f"results/{cohort}/reproduction.html",
            reproduction_csv=f"results/{cohort}/reproduction.csv",
            audit=f"results/{cohort}/audit.csv",
        )
    return inputs


rule cohort_report:
    """A cohort's report page: data read, every table inline, every figure embedded, reproduction and audit."""
    input:
        unpack(report_inputs),
    output:
        "results/{cohort}/report.html",
    params:
        title=lambda w: PLANS[w.cohort]["title"],
        captions=str(CAPTIONS),
        notes=lambda w: [] if DATA[w.cohort]["tumour_data"] else [survival_only_message(w.cohort)],
    log:
        "logs/{cohort}/report.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/report.py"


rule report:
    """Every cohort's report on one page, after the workflow's introduction (workflow/report/workflow.rst)."""
    input:
        pages=expand("results/{cohort}/report.html", cohort=COHORTS),
        intro=str(CAPTIONS / "workflow.rst"),
    output:
        "results/report.html",
    log:
        "logs/report.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/combined_report.py"
