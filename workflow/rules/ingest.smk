rule ingest:
    """Validate a cohort folder against the data contract and write typed tables (all or nothing)."""
    input:
        cohort_csv_files,
    output:
        tables=expand("results/{{cohort}}/data/{table}.parquet", table=TABLE_NAMES),
        report="results/{cohort}/data/ingest_report.json",
    params:
        folder=cohort_folder,
        screen=screen_options,
        tables=TABLE_NAMES,
    log:
        "logs/{cohort}/ingest.log",
    run:
        run_job("data.ingest", input, output, params, wildcards, log, workflow)
