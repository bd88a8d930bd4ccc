rule table:
    """One statistical table of a cohort (which ones: tkicohort.stats.tables.tables_for), tidy CSV + renderings."""
    input:
        unpack(table_inputs),
    output:
        csv=report(
            "results/{cohort}/tables/{table}.csv",
            caption="../report/tables.rst",
            category="{cohort}",
            subcategory="4 tables",
        ),
        md="results/{cohort}/tables/{table}.md",
        html=report(
            "results/{cohort}/tables/{table}.html",
            caption="../report/tables.rst",
            category="{cohort}",
            subcategory="4 tables",
        ),
    params:
        plan=plan_of,
        tumour_data=tumour_data,
    log:
        "logs/{cohort}/tables/{table}.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/table.py"
