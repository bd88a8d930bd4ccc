"""The context table and figure: a cohort's median PFS and response rate beside the literature file's studies. Hand
-made cohort tables, the review's file, the expected values worked out in the comments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.figures import FigureInputs, figure_reads, figures_for, make_figure
from tkicohort.literature import read_literature
from tkicohort.stats.context import context_table, present_context
from tkicohort.stats.tables import TableInputs, context_reads, make_table, tables_for

ROOT = Path(__file__).resolve().parents[2]
SINGLE = {"title": "My cohort — sorafenib", "design": "single_arm", "subgroups": []}
TWO = {"title": "Trial — A vs B", "design": "two_arm", "subgroups": [],
       "arms": {"reference": "control", "treatment": "sorafenib"}}


@pytest.fixture(scope="module")
def lit():
    return read_literature(ROOT / "resources" / "studies" / "pitoia_2022" / "studies.csv")


def own_tables(arms=("all",), median=(16.5, 14.4, np.nan)):
    pfs = pd.DataFrame([{"endpoint": e, "statistic": s, "value": v, "ci_low": lo, "ci_high": hi, "arm": a}
                        for a in arms for e, s, v, lo, hi in (("pfs", "n", 26, np.nan, np.nan),
                                                              ("pfs", "median", *median),
                                                              ("os", "median", np.nan, np.nan, np.nan))])
    eff = pd.DataFrame([{"section": "rate", "item": "objective response (CR+PR)", "n": 7, "denominator": 26,
                         "pct": 100 * 7 / 26, "ci_low_pct": 11.57, "ci_high_pct": 47.79, "arm": a} for a in arms])
    return {"pfs_overall": pfs, "efficacy": eff}


def test_cohort_row_then_every_study(lit):
    t = context_table(own_tables(), lit, SINGLE)
    assert list(t["source"]) == ["cohort"] + ["literature"] * len(lit)
    c = t.iloc[0]
    # the plan's title up to the dash; 7/26 = 26.9 % with the efficacy table's CI; the median and its CI as they are
    assert c["label"] == "My cohort" and c["response_pct"] == pytest.approx(26.923, abs=1e-3)
    assert (c["pfs_median_months"], c["pfs_ci_low"], c["n"]) == (16.5, 14.4, 26) and np.isnan(c["pfs_ci_high"])
    assert present_context(t.iloc[:1])["Median PFS, months (95% CI)"].iloc[0] == "16.5 (14.4–NR)"


def test_study_response_and_pfs_as_their_table_prints_them(lit):
    t = context_table(own_tables(), lit, SINGLE).set_index("reference")
    row = t.filter(like="Table 3, row 8", axis=0).iloc[0]  # Aydemirli et al. 2020: CR 2 % + PR 33 % = 35 %
    assert (row["response_measure"], row["response_pct"], row["pfs_median_months"]) == ("ORR (CR + PR)", 35.0, 9.7)
    row = t.filter(like="Table 2, row 11", axis=0).iloc[0]  # Brose et al. 2014: PR 12 %, PFS 10.8 months
    assert (row["response_measure"], row["response_pct"], row["study"]) == ("PR", 12.0, "decision:sorafenib")
    row = t.filter(like="Table 1, row 9", axis=0).iloc[0]  # apatinib: a rate per dose group, no single number
    assert np.isnan(row["response_pct"]) and "90 (I); 70 (II)" in row["note"]


def test_times_in_weeks_become_months():
    # a plan in weeks: 40.1 weeks = 280.7 days = 9.222 months of 30.4375 days
    plan = {**SINGLE, "time": {"unit": "weeks"}}
    lit = pd.DataFrame(columns=read_literature(ROOT / "resources/studies/pitoia_2022/studies.csv").columns)
    t = context_table(own_tables(median=(40.1, 30.0, 55.0)), lit, plan)
    assert t.iloc[0]["pfs_median_months"] == pytest.approx(40.1 * 7 / 30.4375)
    assert t.iloc[0]["pfs_ci_high"] == pytest.approx(55.0 * 7 / 30.4375)


def test_two_arms_and_a_cohort_without_tumour_assessments(lit):
    t = context_table(own_tables(arms=("control", "sorafenib")), lit, TWO)
    assert list(t[t["source"] == "cohort"]["label"]) == ["Trial: control", "Trial: sorafenib"]
    none = context_table({"pfs_overall": pd.DataFrame({"endpoint": ["os"], "statistic": ["median"], "value": [9.0],
                                                       "ci_low": [np.nan], "ci_high": [np.nan], "arm": ["all"]})},
                         lit, SINGLE)
    assert "no tumour assessments" in none.iloc[0]["note"] and np.isnan(none.iloc[0]["pfs_median_months"])


def test_registered_as_the_last_table_and_figure_with_a_literature_file():
    assert tables_for(SINGLE, literature=True)[-1] == "context" and "context" not in tables_for(SINGLE)
    assert figures_for(SINGLE, literature=True)[-1] == "context" and "context" not in figures_for(SINGLE)
    assert context_reads(SINGLE, literature=True) == ["pfs_overall", "efficacy"]
    assert context_reads(TWO, tumour_data=False, literature=True) == ["pfs_overall"]
    assert figure_reads("context", SINGLE, literature=True)["context"] == "tables/context.csv"


def test_made_by_the_stats_stage_from_the_dataset_when_its_tables_are_not_given(lit):
    # 6 evaluable patients, 2 PR: ORR 2/6 = 33.3 %, Clopper–Pearson 4.33–77.72 % (R: binom.test(2, 6));
    # progression at 3, 6, 9 and 12 months, censored at 15 and 18: S = 5/6, 4/6, 3/6 = 0.5 from 9 to 12, a flat
    # stretch at exactly 0.5, so the median is its midpoint 10.5 (R's survfit)
    n = 6
    nan = [np.nan] * n
    dataset = pd.DataFrame({
        "patient_id": [str(i) for i in range(n)], "evaluable": [1] * n,
        "bor": ["PR", "PR", "SD", "SD", "PD", "PD"], "bor_confirmed": ["PR", "PR", "SD", "SD", "PD", "PD"],
        "orr": [1, 1, 0, 0, 0, 0], "dcr": [1, 1, 1, 1, 0, 0], "pfs_months": [3.0, 6.0, 9.0, 12.0, 15.0, 18.0],
        "pfs_event": [1, 1, 1, 1, 0, 0], "os_months": [20.0] * n, "os_event": [0] * n, "dor_months": nan,
        "dor_event": nan, "dor_days": nan, "dcd_months": nan, "dcd_event": nan, "dcd_days": nan})
    row = make_table("context", TableInputs(dataset, literature=lit), SINGLE).iloc[0]
    assert (row["n"], row["pfs_median_months"]) == (6, 10.5)
    assert (row["response_pct"], row["response_ci_low"], row["response_ci_high"]) == pytest.approx(
        (100 / 3, 4.3272, 77.7222), abs=1e-4)
    with pytest.raises(ValueError, match="literature file"):
        make_table("context", TableInputs(dataset), SINGLE)


def test_figure_draws_each_study_once_and_the_cohort_with_its_intervals(lit):
    table = context_table(own_tables(arms=("control", "sorafenib")), lit, TWO)
    fig = make_figure("context", FigureInputs(dataset=pd.DataFrame(), tables={"context": table}), TWO)
    ax = fig.axes[0]
    # studies with both a median PFS and a response rate; DECISION and SELECT, printed twice, are drawn once
    expected = table[(table["source"] == "literature")].dropna(subset=["pfs_median_months", "response_pct"])
    twice = expected["study"].replace("", np.nan).dropna().duplicated().sum()
    assert len([c for c in ax.collections if type(c).__name__ == "PathCollection"]) == len(expected) - twice
    assert len(ax.containers) == 2  # one error bar per arm
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Trial: control (95% CI)" in labels and "Trial: sorafenib (95% CI)" in labels
    fig.canvas.draw()
    box = fig.bbox
    for text in [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]:
        ext = text.get_window_extent()
        assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1 and box.y0 - 1 <= ext.y0 and ext.y1 <= box.y1 + 1
