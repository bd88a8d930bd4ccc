rule reconstruct_zhujiang:
    """Regenerate the reconstructed Zhujiang cohort from its published numbers (not part of the default run: the
    cohort under resources/cohorts/zhujiang_2023/ is committed; copy these files there to replace it)."""
    input:
        published="resources/published/zhujiang_2023.yaml",
    output:
        files=expand(
            "results/reconstruction/zhujiang_2023/{name}.csv",
            name=["patients", "tumor_measurements", "labs", "adverse_events", "doses"],
        ),
        fit="results/reconstruction/zhujiang_2023/reconstruction_fit.csv",
    params:
        study="zhujiang",
        iterations=120000,
        seed=2024,
    log:
        "logs/reconstruction/zhujiang_2023.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/reconstruct.py"


rule reconstruct_tehran:
    """Regenerate the reconstructed Tehran cohort from its published numbers (not part of the default run: the
    cohort under resources/cohorts/tehran/ is committed; copy these files there to replace it)."""
    input:
        published="resources/published/tehran.yaml",
    output:
        files=expand(
            "results/reconstruction/tehran/{name}.csv",
            name=["patients", "tumor_measurements", "labs", "doses", "qol"],
        ),
        fit="results/reconstruction/tehran/reconstruction_fit.csv",
    params:
        study="tehran",
        iterations=15000,
        seed=1399,
    log:
        "logs/reconstruction/tehran.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/reconstruct.py"


rule audit:
    """Internal-consistency audit of the publication a cohort reproduces, from its printed numbers alone."""
    input:
        published=lambda w: config["cohorts"][w.cohort]["published"],
    output:
        csv="results/{cohort}/audit.csv",
    log:
        "logs/{cohort}/audit.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/audit.py"


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
    conda:
        "../envs/pipeline.yaml"
    script:
        "../../scripts/rules/reproduction.py"
