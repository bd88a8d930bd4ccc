# Report stage: one self-contained HTML page per cohort and one for every cohort of the run (tkicohort.report),
# from the files the earlier stages wrote; captions from workflow/report/*.rst.
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
    run:
        run_job("report.cohort_report", input, output, params, wildcards, log, workflow)


rule report:
    """Every cohort's report on one page, after the workflow's introduction (workflow/report/workflow.rst), then the
    audits of the config's studies that have no cohort (`studies:`)."""
    input:
        pages=expand("results/{cohort}/report.html", cohort=COHORTS),
        intro=str(CAPTIONS / "workflow.rst"),
        audits=[f"results/{s}/audit.csv" for s in AUDITED if s not in COHORTS],
        audit_pages=[f"results/{s}/audit.html" for s in AUDITED if s not in COHORTS],
        audit_caption=str(CAPTIONS / "audit.rst"),
    output:
        "results/report.html",
    log:
        "logs/report.log",
    run:
        run_job("report.report", input, output, params, wildcards, log, workflow)
