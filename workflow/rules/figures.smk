# Figures stage. Which figures a plan yields and what each reads: tkicohort.cohort_outputs (figures_for,
# figure_reads); the figures themselves: tkicohort.figures.
from tkicohort.cohort_outputs import FIGURE_PATTERN, LABEL_FREE_FIGURES, figure_reads, figures_for, split_page
from tkicohort.plan_labels import figure_plan


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


# a figure that prints no plan label takes the plan without its labels: a label edit leaves it as it is
LABEL_FREE_PLANS = {c: figure_plan(p) for c, p in PLANS.items()}
figure_plan_of = lambda wildcards: (
    LABEL_FREE_PLANS if split_page(wildcards.figure)[0] in LABEL_FREE_FIGURES else PLANS
)[wildcards.cohort]


rule figure:
    """One figure of a cohort (which ones: tkicohort.cohort_outputs.figures_for), PNG at 300 dpi and SVG."""
    input:
        unpack(figure_inputs),
    output:
        png="results/{cohort}/figures/{figure}.png",
        svg="results/{cohort}/figures/{figure}.svg",
    params:
        plan=figure_plan_of,
    log:
        "logs/{cohort}/figures/{figure}.log",
    wildcard_constraints:
        figure=FIGURE_PATTERN,
    run:
        run_job("figures.figure", input, output, params, wildcards, log, workflow)
