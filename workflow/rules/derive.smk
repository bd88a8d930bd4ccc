rule analysis_dataset:
    """The analysis dataset: one row per patient with covariates, derived variables and endpoints."""
    input:
        patients="results/{cohort}/data/patients.parquet",
        labs="results/{cohort}/data/labs.parquet",
        adverse_events="results/{cohort}/data/adverse_events.parquet",
        doses="results/{cohort}/data/doses.parquet",
        best="results/{cohort}/recist/best_response.csv",
    output:
        "results/{cohort}/analysis/patients.csv",
    params:
        plan=unlabelled_plan_of,
    log:
        "logs/{cohort}/analysis_dataset.log",
    run:
        run_job("data.analysis_dataset", input, output, params, wildcards, log, workflow)
