# Stats stage: two jobs per table. `statistics` computes the numbers from the plan without its labels
# (tkicohort.plan_labels); `table` puts the labels in and renders. A label edit reruns `table` jobs only.
rule statistics:
    """The numbers of one statistical table of a cohort (which tables: tkicohort.cohort_outputs.tables_for), labels
    as placeholders."""
    input:
        unpack(statistics_inputs),
    output:
        "results/{cohort}/stats/{table}.json",
    params:
        plan=unlabelled_plan_of,
        tumour_data=tumour_data,
    log:
        "logs/{cohort}/stats/{table}.log",
    run:
        run_job("tables.statistics", input, output, params, wildcards, log, workflow)


rule table:
    """One statistical table of a cohort with the plan's labels: tidy CSV + renderings (Markdown, HTML, Excel, Word)."""
    input:
        statistics="results/{cohort}/stats/{table}.json",
    output:
        csv="results/{cohort}/tables/{table}.csv",
        md="results/{cohort}/tables/{table}.md",
        html="results/{cohort}/tables/{table}.html",
        xlsx="results/{cohort}/tables/{table}.xlsx",
        docx="results/{cohort}/tables/{table}.docx",
    params:
        plan=plan_of,
        tumour_data=tumour_data,
    log:
        "logs/{cohort}/tables/{table}.log",
    run:
        run_job("tables.table", input, output, params, wildcards, log, workflow)
