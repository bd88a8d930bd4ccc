# Figures stage. Which figures a plan yields and what each reads: tkicohort.cohort_outputs (figures_for,
# figure_reads); the figures themselves: tkicohort.figures.
from tkicohort.cohort_outputs import FIGURE_PATTERN, figure_reads, figures_for


# input name -> path: the analysis dataset, the RECIST outputs, the stats tables and QoL data the figure reads
figure_inputs = lambda wildcards: {
    key: f"results/{wildcards.cohort}/{path}"
    for key, path in figure_reads(
        wildcards.figure, PLANS[wildcards.cohort], **cohort_flags(wildcards.cohort)
    ).items()
}

# the PNG and SVG files of every figure of a cohort (a paged figure's pages: their number follows from the plan)
figure_targets = lambda cohort: [
    f"results/{cohort}/figures/{name}.{ext}"
    for name in figures_for(PLANS[cohort], **cohort_flags(cohort))
    for ext in ("png", "svg")
]


rule figure:
    """One figure of a cohort (which ones: tkicohort.cohort_outputs.figures_for), PNG at 300 dpi and SVG."""
    input:
        unpack(figure_inputs),
    output:
        png="results/{cohort}/figures/{figure}.png",
        svg="results/{cohort}/figures/{figure}.svg",
    params:
        plan=plan_of,
    log:
        "logs/{cohort}/figures/{figure}.log",
    wildcard_constraints:
        figure=FIGURE_PATTERN,
    run:
        run_job("figures.figure", input, output, params, wildcards, log, workflow)
