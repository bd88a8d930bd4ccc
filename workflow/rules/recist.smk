rule recist:
    """RECIST 1.1 per-visit response, best overall response (with confirmation) and PFS."""
    input:
        patients="results/{cohort}/data/patients.parquet",
        measurements="results/{cohort}/data/tumor_measurements.parquet",
        responses="results/{cohort}/data/responses.parquet",
    output:
        visits="results/{cohort}/recist/visits.csv",
        best="results/{cohort}/recist/best_response.csv",
    params:
        recist=lambda w: plan_of(w)["recist"],
        tumour_data=tumour_data,
    log:
        "logs/{cohort}/recist.log",
    run:
        run_job("data.recist", input, output, params, wildcards, log, workflow)
