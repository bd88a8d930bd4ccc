RECONSTRUCTED = [c for c in COHORTS if study_of(c)]


rule reconstruct:
    """Reconstruct a cohort from its study folder (not part of the default run: the committed cohort and the
    ensemble summaries beside the study are read instead). Writes results/reconstruction/<cohort>/ensemble/*.csv
    and results/reconstruction/<cohort>/cohort/*.csv; copy them over the study's ensemble/ and the cohort folder
    (or run tkicohort-reconstruct <study> --install)."""
    input:
        spec=lambda w: f"{study_of(w.cohort)}/reconstruction.yaml",
        published=lambda w: f"{study_of(w.cohort)}/published.yaml",
    output:
        directory("results/reconstruction/{cohort}"),
    params:
        study=lambda w: study_of(w.cohort),
    log:
        "logs/reconstruction/{cohort}.log",
    run:
        run_job("reproduce.reconstruct", input, output, params, wildcards, log, workflow)


rule reconstruct_all:
    """Every cohort of the config that has a study folder, reconstructed (see rule reconstruct)."""
    input:
        expand("results/reconstruction/{cohort}", cohort=RECONSTRUCTED),


rule plausibility:
    """Plausibility statistics of a reconstructed cohort beside their distribution over its ensemble."""
    input:
        unpack(plausibility_inputs),
    output:
        csv="results/{cohort}/plausibility.csv",
    params:
        qol_layout=lambda w: plan_of(w).get("qol", {}).get("raw_subscales", ""),
    log:
        "logs/{cohort}/plausibility.log",
    run:
        run_job("reproduce.plausibility", input, output, params, wildcards, log, workflow)


rule audit:
    """Audit of a study's published numbers: findings within and across the documents that print them (CSV + HTML)."""
    input:
        unpack(audit_inputs),
    output:
        csv="results/{study}/audit.csv",
        html="results/{study}/audit.html",
    wildcard_constraints:
        study="|".join(AUDITED),
    log:
        "logs/{study}/audit.log",
    run:
        run_job("reproduce.audit", input, output, params, wildcards, log, workflow)


rule reproduction:
    """Every number of the cohort's publication beside the number the pipeline computes (CSV + HTML summary)."""
    input:
        unpack(reproduction_inputs),
    output:
        csv="results/{cohort}/reproduction.csv",
        html="results/{cohort}/reproduction.html",
    params:
        days_per_month=lambda w: plan_of(w).get("time", {}).get("days_per_month", 30.4375),
        time=lambda w: f"pfs_{plan_of(w).get('time', {}).get('unit', 'months')}",
    log:
        "logs/{cohort}/reproduction.log",
    run:
        run_job("reproduce.reproduction", input, output, params, wildcards, log, workflow)
