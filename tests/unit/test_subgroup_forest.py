"""The subgroup forest plot of a two-arm study prints the cells of its tables and computes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tkicohort.figures import FigureInputs, figure_reads, figures_for, make_figure

PLAN = {"design": "two_arm", "arms": {"reference": "standard", "treatment": "test"}, "endpoints": ["os"],
        "subgroups": [{"variable": "g", "label": "Cell type"}]}
BY_SUBGROUP = pd.DataFrame({
    "subgroup": ["Cell type"] * 3, "level": ["a", "b", "c"], "label": ["Adeno", "Large", "Small"],
    "n_reference": [10, 12, 3], "n_treatment": [11, 9, 0], "events_reference": [8, 9, 2],
    "events_treatment": [7, 9, 0], "hr": [0.54, 1.65, np.nan], "hr_ci_low": [0.25, 0.86, np.nan],
    "hr_ci_high": [1.18, 3.16, np.nan], "hr_p": [0.12, 0.13, np.nan], "interaction_p": [0.0417] * 3,
    "note": ["", "", "no patients in the treatment arm"]})
BY_ARM = pd.DataFrame({"level": ["standard", "test"], "n": [25, 20], "events": [19, 16], "hr": [1.0, 1.02],
                       "hr_ci_low": [np.nan, 0.71], "hr_ci_high": [np.nan, 1.45], "note": ["reference level", ""]})


def texts(fig, label: str) -> list[str]:
    ax = next(a for a in fig.axes if a.get_label() == label)
    return [t.get_text() for t in ax.texts]


def test_forest_prints_the_tables_cells():
    fig = make_figure("subgroup_forest_os", FigureInputs(pd.DataFrame(), tables={
        "os_by_subgroup_and_arm": BY_SUBGROUP, "os_by_arm": BY_ARM}), PLAN)
    hr = texts(fig, "forest_hr")
    assert hr[:5] == ["1.02 (0.71–1.45)", "interaction p = 0.042", "0.54 (0.25–1.18)", "1.65 (0.86–3.16)",
                      "no patients in the treatment arm"]
    assert [t.strip() for t in texts(fig, "forest_labels")] == ["All patients", "Cell type", "Adeno", "Large", "Small"]
    counts = texts(fig, "forest_counts")
    assert counts[:4] == ["25 / 20", "19 / 16", "", ""] and counts[8:10] == ["3 / 0", "2 / 0"]
    plot = next(a for a in fig.axes if a.get_label() == "forest")
    assert "test vs standard" in plot.get_xlabel() and "death" in plot.get_xlabel()
    # the point estimates: all patients, then the two estimable levels
    squares = next(line for line in plot.lines if line.get_label() == "_estimates").get_xdata()
    np.testing.assert_allclose(squares, [1.02, 0.54, 1.65])


def test_forest_is_made_for_two_arm_plans_with_subgroups_and_reads_both_tables():
    assert "subgroup_forest_os" in figures_for(PLAN, tumour_data=False, adverse_events=False)
    assert "subgroup_forest_pfs" not in figures_for(PLAN, tumour_data=False)
    assert figures_for({**PLAN, "subgroups": []}, tumour_data=False, adverse_events=False) == []
    assert figure_reads("subgroup_forest_os", PLAN) == {
        "dataset": "analysis/patients.csv", "os_by_subgroup_and_arm": "tables/os_by_subgroup_and_arm.csv",
        "os_by_arm": "tables/os_by_arm.csv"}


def test_figures_follow_the_cohorts_data_and_the_plans_endpoints():
    plan = {**PLAN, "endpoints": ["pfs", "os"]}
    everything = figures_for(plan, has_qol=True)
    assert everything == ["waterfall", "km_pfs", "response_by_arm", "qol_boxplots", "ae_grades", "swimmer",
                          "subgroup_forest_pfs", "subgroup_forest_os"]
    assert figures_for({**plan, "endpoints": ["os"]}, has_qol=True) == [
        "waterfall", "response_by_arm", "qol_boxplots", "ae_grades", "swimmer", "subgroup_forest_os"]
    assert figures_for(plan, tumour_data=False) == ["ae_grades", "subgroup_forest_os"]
    single = {"design": "single_arm", "subgroups": []}
    assert figures_for(single, adverse_events=False) == ["waterfall", "km_pfs", "km_subgroups_p1", "forest",
                                                         "swimmer"]
