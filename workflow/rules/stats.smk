rule table:
    """One statistical table of a cohort (which ones: tkicohort.cohort_outputs.tables_for), tidy CSV + renderings
    (Markdown, HTML, Excel, Word)."""
    input:
        unpack(table_inputs),
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
        from tkicohort.jobs import tables

        tables.table(input, output, params, wildcards, log[0])
