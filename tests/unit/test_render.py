"""Printed tables as a journal takes them (gtsummary's layout): N in the arm headers, Unknown rows, labels and units
instead of column names, n and events per level of the multivariable Cox model, a footnote naming each test, and
HTML cells that keep an estimate on one line. Expected counts are worked out by hand from the data below."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from tkicohort.stats.baseline import baseline_table
from tkicohort.stats.printed import FRAGMENT_BEGIN, FRAGMENT_END, Printed, fragment_of, html_fragment
from tkicohort.stats.render import printed, to_html, to_markdown
from tkicohort.stats.survival_tables import overall_survival_summary
from tkicohort.stats.tables import TableInputs, make_table

# 40 patients, 20 per arm. BRAF: arm A 8 V600E, 7 wild type, 5 unknown; arm B 6 V600E, 10 wild type, 4 unknown
# (unknown 9 in all). TERT: 10 unknown in A, 8 in B (18 in all); known values alternate mutated / wild type.
ARM = ["A"] * 20 + ["B"] * 20
BRAF = (["V600E"] * 8 + ["wild type"] * 7 + [None] * 5) + (["V600E"] * 6 + ["wild type"] * 10 + [None] * 4)
TERT = ([None] * 10 + ["mutated", "wild type"] * 5) + ([None] * 8 + ["mutated", "wild type"] * 6)
AGE = [float(50 + i) for i in range(40)]
AGE[3] = np.nan  # one unknown age in arm A


def dataset() -> pd.DataFrame:
    return pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(40)], "arm": ARM, "braf_status": BRAF,
                         "tert_status": TERT, "age_years": AGE, "lung_only": [i % 2 for i in range(40)]})


def cells(p: Printed) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in p.rows}


BASELINE_ROWS = [
    {"variable": "age_years", "label": "Age (years)", "type": "continuous", "test": "welch"},
    {"variable": "braf_status", "label": "BRAF", "type": "categorical", "levels": ["V600E", "wild type"],
     "test": "fisher"},
    {"variable": "tert_status", "label": "TERT promoter", "type": "categorical", "levels": ["mutated", "wild type"]},
    {"variable": "lung_only", "label": "Lung-only metastasis", "type": "categorical", "levels": [1, 0],
     "test": "chisq"},
]


def baseline_printed() -> Printed:
    table = baseline_table(dataset(), BASELINE_ROWS, arm="arm", arms=["A", "B"])
    return printed("baseline", table, "Baseline")


def test_baseline_has_n_per_arm_and_unknown_rows():
    p = baseline_printed()
    assert p.header[:3] == ["Characteristic", "A (N = 20)¹", "B (N = 20)¹"] and p.header[3] == "p"
    rows = [r for r in p.rows]
    # BRAF: heading, V600E, wild type, Unknown; percentages of the known values (A: 8/15, B: 6/16)
    braf = rows[[r[0] for r in rows].index("BRAF"):][:4]
    assert [r[0] for r in braf] == ["BRAF", "V600E", "wild type", "Unknown"]
    assert braf[1][1:3] == ["8 (53.3)", "6 (37.5)"] and braf[3][1:3] == ["5", "4"]
    tert = rows[[r[0] for r in rows].index("TERT promoter"):][:4]
    assert tert[3][:3] == ["Unknown", "10", "8"]
    assert sum(int(x) for x in braf[3][1:3]) == 9 and sum(int(x) for x in tert[3][1:3]) == 18
    # the continuous variable with one unknown age gets its Unknown row too
    age = rows[:4]
    assert [r[0] for r in age] == ["Age (years)", "Mean ± SD", "Median (range)", "Unknown"]
    assert age[3][1:3] == ["1", "0"]
    # levels indented under their heading
    assert p.indent[:4] == [0, 1, 1, 1]


def test_baseline_dichotomous_variable_is_one_row_and_each_test_is_named():
    p = baseline_printed()
    lung = cells(p)["Lung-only metastasis"]
    assert lung[:2] == ["10 (50.0)", "10 (50.0)"]  # the count of 1 (every other patient)
    assert "1" not in cells(p) and "0" not in cells(p)
    notes = " ".join(p.footnotes)
    assert "Welch's t-test" in notes and "Fisher's exact test" in notes and "Pearson's χ² test without" in notes
    # each p-value carries the marker of its test's footnote
    for label, test in (("Age (years)", "Welch"), ("BRAF", "Fisher"), ("Lung-only metastasis", "Pearson")):
        marker = re.search(r"[¹²³⁴⁵⁶⁷⁸⁹]+", cells(p)[label][-1]).group()
        assert any(n.startswith(marker + " ") and test in n for n in p.footnotes), (label, p.footnotes)
    assert cells(p)["TERT promoter"][-1] == ""  # no test asked for TERT


def test_single_arm_baseline_header():
    table = baseline_table(dataset(), BASELINE_ROWS[1:2])
    p = printed("baseline", table, "Baseline")
    assert p.header == ["Characteristic", "All patients (N = 40)¹"]
    assert cells(p)["Unknown"] == ["9"] and cells(p)["V600E"] == ["14 (45.2)"]  # 14 of the 31 known


def survival_dataset() -> pd.DataFrame:
    data = dataset()
    rng = np.random.default_rng(3)
    data["pfs_months"] = rng.uniform(1, 30, 40).round(1)
    data["pfs_event"] = (rng.uniform(size=40) < 0.7).astype(int)
    data["evaluable"] = 1
    return data


def test_multivariable_cox_prints_labels_with_n_and_events_per_level():
    data = survival_dataset().dropna(subset=["braf_status"]).reset_index(drop=True)
    plan = {"design": "single_arm", "subgroups": [
        {"variable": "braf_status", "label": "BRAF status", "levels": ["wild type", "V600E"]},
        {"variable": "lung_only", "label": "Lung-only metastasis", "levels": [1, 0], "labels": {1: "Yes", 0: "No"}}],
        "multivariable": {"variables": ["braf_status", "lung_only", "age_years"]}, "endpoints": ["pfs"]}
    table = make_table("cox_multivariable", TableInputs(data), plan)
    p = printed("cox_multivariable", table, "Cox", plan)
    text = to_markdown(p)
    assert "==" not in text and "braf_status" not in text
    complete = data.dropna(subset=["age_years"])
    v600e = complete[complete["braf_status"] == "V600E"]
    wild = complete[complete["braf_status"] == "wild type"]
    rows = cells(p)
    assert rows["V600E"][:2] == [str(len(v600e)), str(int(v600e["pfs_event"].sum()))]
    assert rows["wild type"][:3] == [str(len(wild)), str(int(wild["pfs_event"].sum())), "1 (reference)"]
    assert rows["Yes"][0] == str(int((complete["lung_only"] == 1).sum()))
    assert any(k.startswith("age_years") or k.startswith("Age") for k in rows)
    assert p.header[1:3] == ["n", "Events"]
    assert f"of the {len(complete)} patients with complete data" in " ".join(p.footnotes)
    # the tidy table keeps its term names and gains the labels and counts as columns
    assert "braf_status==V600E" in set(table["term"])
    assert {"variable_label", "level_label", "n_level", "events_level"} <= set(table.columns)


def test_overall_survival_rows_are_named_for_people():
    data = survival_dataset()
    table = overall_survival_summary(data, "pfs_months", "pfs_event", landmarks=(6, 12), rmst_horizon=24)
    p = printed("pfs_overall", table.assign(arm="all"), "PFS", {"time": {"unit": "months"}})
    text = to_markdown(p)
    for raw in ("survival_at", "km_mean", "rmst_", "median_followup"):
        assert raw not in text
    rows = cells(p)
    assert "Survival at 6 months, % (95% CI)" in rows
    s6 = table.loc[table["statistic"] == "survival_at_6"].iloc[0]
    assert rows["Survival at 6 months, % (95% CI)"][0].startswith(f"{100 * s6['value']:.1f} (")
    assert any(k.startswith("Kaplan–Meier mean, months (95% CI)") for k in rows)


def test_html_keeps_estimates_on_one_line_and_lets_labels_wrap():
    p = Printed("T", ["Subgroup", "Median (95% CI)", "Note"], [["A long label", "9.5 (7.1–12.0)", "a note"]],
                wrap=frozenset({0, 2}))
    fragment = html_fragment(p)
    assert '<td>9.5 (7.1–12.0)</td>' in fragment  # no wrap class: the nowrap rule applies
    assert '<td class="wrap">A long label</td>' in fragment and '<td class="wrap">a note</td>' in fragment
    page = to_html(p)
    assert "white-space:nowrap" in page
    assert fragment_of(page) == fragment and page.index(FRAGMENT_BEGIN) < page.index(FRAGMENT_END)


def test_renderings_escape_labels_and_footnotes():
    p = Printed("<b>T</b>", ["<i>h</i>"], [["<script>alert(1)</script>"]], footnotes=["¹ <img src=x>"])
    page = to_html(p)
    assert "<script>" not in page and "<img" not in page and "<b>T" not in page and "<i>h" not in page
    md = to_markdown(p)
    assert "<script" not in md and "<img" not in md


def test_a_table_without_a_layout_is_printed_column_by_column():
    table = pd.DataFrame({"statistic": ["harrell_c"], "value": [0.71234], "p": [0.0004], "n": [12]})
    p = printed("something_new", table, "New")
    assert p.header == ["statistic", "value", "p", "n"] and p.rows == [["harrell_c", "0.71", "<0.001", "12"]]


def test_every_table_of_a_two_arm_trial_prints_with_arm_headers_and_named_tests():
    from tkicohort.stats.office import to_docx, to_xlsx

    n = 20
    data = pd.DataFrame({
        "patient_id": [f"P{i:02d}" for i in range(n)], "arm": ["control"] * 10 + ["sorafenib"] * 10,
        "evaluable": 1, "bor": ["PD"] * 6 + ["SD"] * 4 + ["PR"] * 3 + ["SD"] * 5 + ["PD"] * 2,
        "pfs_months": np.r_[np.arange(1, 11), np.arange(5, 25, 2)].astype(float),
        "pfs_event": [1] * 8 + [0] * 2 + [1] * 6 + [0] * 4, "os_months": 24.0, "os_event": 0,
        "sex": ["F", "M"] * 10})
    data["dcr"] = data["bor"].isin(["PR", "SD"]).astype(int)
    data["orr"] = (data["bor"] == "PR").astype(int)
    data["dor_months"] = np.where(data["orr"] == 1, 6.0, np.nan)
    data["dor_event"] = np.where(data["orr"] == 1, 1.0, np.nan)
    plan = {"design": "two_arm", "arms": {"reference": "control", "treatment": "sorafenib"},
            "subgroups": [{"variable": "sex", "label": "Sex", "levels": ["F", "M"]}],
            "tests": {"response": "chisq", "pfs_times_test": "mann_whitney"}, "time": {"unit": "months"},
            "baseline": [{"variable": "sex", "label": "Sex", "type": "categorical", "levels": ["F", "M"],
                          "test": "fisher"}]}
    ae = pd.DataFrame({"patient_id": ["P01", "P12"], "term": ["diarrhoea", "=cmd()"], "grade": [3, 1],
                       "onset_day": [10, 20], "end_day": [np.nan, np.nan]})
    inputs = TableInputs(data, adverse_events=ae)
    from tkicohort.stats.tables import tables_for

    names = tables_for(plan, adverse_events=True)
    assert names == ["baseline", "efficacy", "pfs_overall", "adverse_events", "response_by_arm", "pfs_by_arm",
                     "pfs_by_subgroup_and_arm", "os_by_arm", "os_by_subgroup_and_arm"]
    for name in names:
        p = printed(name, make_table(name, inputs, plan), name, plan)
        text = to_markdown(p)
        for raw in ("survival_at", "_p_holm", "hr_ci", "nan", "None"):
            assert raw not in text, (name, raw)
        to_xlsx(p), to_docx(p)
        if name in ("baseline", "efficacy", "response_by_arm"):
            assert p.header[1].startswith("control (N = 10)") and any(h.startswith("sorafenib (N = 10)")
                                                                       for h in p.header), (name, p.header)
        if name == "response_by_arm":
            assert "Pearson's χ² test without continuity correction." in " ".join(p.footnotes)
        if name == "adverse_events":
            assert p.header[1] == "control (N = 10): any grade¹" and cells(p)["=cmd()"][0] == "0 (0.0)"
        if name == "pfs_by_arm":
            assert "Wilcoxon rank-sum (Mann–Whitney) test of the observed times" in " ".join(p.footnotes)
        if name == "pfs_by_subgroup_and_arm":
            assert p.header[1] == "Patients, n (control / sorafenib)"


def test_survival_by_subgroup_prints_optional_permutation_and_post_baseline_columns():
    from tkicohort.stats.survival_tables import pfs_by_subgroup

    data = survival_dataset()
    table = pfs_by_subgroup(data, [{"variable": "lung_only", "label": "Lung-only", "levels": [1, 0]},
                                   {"variable": "braf_status", "label": "BRAF", "levels": ["wild type", "V600E"]}])
    assert "logrank_p_exact" in table  # the table computes it; a table without the column prints without it
    plain = printed("pfs_by_subgroup", table.drop(columns=["logrank_p_exact", "logrank_p_method",
                                                           "logrank_p_exact_se"], errors="ignore"), "PFS")
    assert "Permutation p" not in " ".join(plain.header) and len(plain.header) == 10
    table["logrank_p_exact"] = [0.04, 0.04, 0.5, 0.5]
    table["logrank_p_method"] = ["exact", "exact", "monte_carlo", "monte_carlo"]
    table["post_baseline"] = [0, 0, 1, 1]
    p = printed("pfs_by_subgroup", table, "PFS")
    column = next(i for i, h in enumerate(p.header) if h.startswith("Permutation p"))
    headings = [r for r, level in zip(p.rows, p.indent, strict=True) if level == 0]
    assert [r[column] for r in headings] == ["0.040", "0.500 (MC)"]
    assert headings[0][0] == "Lung-only" and headings[1][0].startswith("BRAF") and headings[1][0] != "BRAF"
    marker = headings[1][0].removeprefix("BRAF")
    assert any(n.startswith(marker + " Known only after treatment start") for n in p.footnotes)


def test_notes_become_sentences_without_changing_symbols():
    from tkicohort.stats.render import _sentence

    assert _sentence("χ² approximation may be inaccurate") == "χ² approximation may be inaccurate."
    assert _sentence("no events in this level") == "No events in this level."
    assert _sentence(float("nan")) == "" and _sentence("Done.") == "Done."
