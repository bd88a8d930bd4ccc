"""Labels apart from the statistics (tkicohort.plan_labels) and the exact JSON form of a table (tkicohort.io).

The central check: for every table of every default cohort, the statistics computed from the plan without its
labels, written to JSON, read back and given their labels, equal the table computed from the full plan, frame for
frame and byte for byte in every rendering; and the analysis dataset does not depend on the labels at all.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.cohort_files import cohort_data
from tkicohort.cohort_outputs import CONTEXT_READS, LABEL_FREE_FIGURES, TABLE_READS, figures_for, split_page
from tkicohort.config import load_plan, load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.figures import FigureInputs, make_figure
from tkicohort.figures.style import save
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.io import read_frame_json, write_csv, write_frame_json
from tkicohort.literature import read_literature
from tkicohort.plan_labels import figure_plan, label_texts, restore_labels, restore_text, statistics_plan
from tkicohort.recist.stage import run_recist
from tkicohort.stats.render import printed, to_markdown
from tkicohort.stats.tables import TableInputs, make_table, tables_for

REPO = Path(__file__).resolve().parents[2]

PLAN = {
    "title": "A cohort — test",
    "design": "single_arm",
    "subgroups": [
        {"variable": "sex", "label": "Gender", "levels": ["M", "F"], "labels": {"M": "Male", "F": "Female"}},
        {"variable": "met_bone", "levels": [1, 0], "labels": {1: "Yes", 0: "No"}},
        {"variable": "histology"},
    ],
    "baseline": [{"variable": "sex", "label": "Sex", "type": "categorical"}],
    "derived": {"age_band": {"rule": "cut", "variable": "age_years", "breaks": [55], "labels": ["< 55", "≥ 55"]}},
    "figures": {"cumulative_events": True},
}


def test_every_label_becomes_a_placeholder_and_the_plan_given_is_unchanged():
    before = copy.deepcopy(PLAN)
    unlabelled = statistics_plan(PLAN)
    assert PLAN == before
    assert "title" not in unlabelled and "figures" not in unlabelled
    assert statistics_plan(PLAN, keep_title=True)["title"] == PLAN["title"]
    texts = label_texts(PLAN)
    assert texts == ["Gender", "Male", "Female", "Yes", "No", "Sex"]
    first, second, third = unlabelled["subgroups"]
    # the keys stay (levels keep their types); a label that was not given is not invented
    assert list(first["labels"]) == ["M", "F"] and list(second["labels"]) == [1, 0]
    assert "label" not in second and "label" not in third and "labels" not in third
    assert unlabelled["derived"] == PLAN["derived"]  # a cut's categories are data, not print
    shown = [first["label"], *first["labels"].values(), *second["labels"].values(), unlabelled["baseline"][0]["label"]]
    assert [restore_text(s, texts) for s in shown] == texts
    assert all(t not in str(unlabelled) for t in texts)


def test_editing_a_label_leaves_the_statistics_plan_as_it_was():
    edited = copy.deepcopy(PLAN)
    edited["title"] = "Another title"
    edited["subgroups"][0]["label"] = "Sex at birth"
    edited["subgroups"][1]["labels"][1] = "Present"
    edited["baseline"][0]["label"] = "Sex (M/F)"
    edited["figures"]["cumulative_events"] = False
    assert statistics_plan(edited) == statistics_plan(PLAN)
    added = copy.deepcopy(PLAN)
    added["subgroups"][2]["label"] = "Histology"  # a new label is a change of the plan's shape: statistics rerun
    assert statistics_plan(added) != statistics_plan(PLAN)


def test_restoring_survives_case_changes_and_never_rescans_a_label():
    texts = ["⟨x⟩ \ue0000\ue001", "b"]
    text = statistics_plan({"subgroups": [{"variable": "v", "label": "a"}, {"variable": "w", "label": "b"}]})
    first, second = (sg["label"] for sg in text["subgroups"])
    assert restore_text(f"{first.upper()} vs {second.lower()}", texts) == "⟨x⟩ \ue0000\ue001 vs b"
    frame = pd.DataFrame({first: [first, 1, None], "n": [1, 2, 3]})
    restored = restore_labels(frame, texts)
    assert list(restored.columns) == [texts[0], "n"] and restored.iloc[0, 0] == texts[0]
    assert restored.iloc[1, 0] == 1 and restored.iloc[2, 0] is None


def test_a_table_survives_json_exactly(tmp_path):
    frame = pd.DataFrame({
        "level": pd.Series([1, "M", None, np.int64(3), 2.5, np.nan], dtype=object),
        "x": [0.1 + 0.2, np.nan, 1e-300, -0.0, 3.0, np.inf],
        "n": np.arange(6, dtype=np.int64),
        "flag": [True, False] * 3,
        "text": ["=1+1", "a,b", 'q"', "é\n", "", "x"],
    })
    frame.attrs = {"note": "kept"}
    write_frame_json(frame, tmp_path / "t.json")
    back = read_frame_json(tmp_path / "t.json")
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert [type(v) for v in back["level"]][:2] == [int, str] and back.attrs == frame.attrs
    write_csv(frame, tmp_path / "a.csv")
    write_csv(back, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    with pytest.raises(TypeError, match="when"):
        write_frame_json(pd.DataFrame({"when": pd.to_datetime(["2020-01-01"])}), tmp_path / "d.json")


# --- the default cohorts: labels never change a number -------------------------------------------------------------

CONFIG = load_yaml(REPO / "config" / "config.yaml")


@functools.cache
def cohort(name: str) -> dict:
    entry = CONFIG["cohorts"][name]
    plan = load_plan(REPO / entry["plan"])  # with the schema's defaults, as the workflow reads it
    tables = ingest_cohort(REPO / entry["data"]).tables
    visits, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], plan["recist"],
                         tumour_data=cohort_data(REPO / entry["data"])["tumour_data"])
    return {"plan": plan, "tables": tables, "visits": visits, "best": best, "flags": cohort_data(REPO / entry["data"])}


def dataset_of(run: dict, plan: dict) -> pd.DataFrame:
    t = run["tables"]
    return build_analysis_dataset(t["patients"], run["best"], plan, labs=t["labs"], adverse_events=t["adverse_events"],
                                  doses=t["doses"])


@pytest.mark.slow  # every table of the five default cohorts, twice (~15 s)
@pytest.mark.parametrize("name", list(CONFIG["cohorts"]))
def test_statistics_without_labels_give_the_same_tables_once_labelled(name, tmp_path):
    run = cohort(name)
    plan = run["plan"]
    dataset = dataset_of(run, plan)
    pd.testing.assert_frame_equal(dataset_of(run, statistics_plan(plan)), dataset, check_exact=True)
    literature = read_literature(REPO / CONFIG["literature"])
    texts = label_texts(plan)
    made: dict[str, pd.DataFrame] = {}
    unlabelled: dict[str, pd.DataFrame] = {}
    # the tables that read others' statistics last; those statistics come from their JSON files, as in the workflow,
    # and are compared with the table computed on its own (the Cox table then works out its model's discrimination)
    for table in sorted(tables_for(plan, **run["flags"], literature=True), key=lambda t: t in TABLE_READS):
        own = {t: made[t] for t in CONTEXT_READS if t in made}
        full = TableInputs(dataset=dataset, adverse_events=run["tables"]["adverse_events"], qol=run["tables"]["qol"],
                           tumour_data=run["flags"]["tumour_data"], tables=own, literature=literature)
        bare = TableInputs(dataset=dataset, adverse_events=run["tables"]["adverse_events"], qol=run["tables"]["qol"],
                           tumour_data=run["flags"]["tumour_data"], tables=unlabelled, literature=literature)
        expected = make_table(table, full, plan)
        stats = make_table(table, bare, statistics_plan(plan, keep_title=table == "context"))
        write_frame_json(stats, tmp_path / f"{table}.json")
        unlabelled[table] = read_frame_json(tmp_path / f"{table}.json")
        got = restore_labels(unlabelled[table], texts)
        made[table] = expected
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=table)
        write_csv(got, tmp_path / "got.csv")
        write_csv(expected, tmp_path / "expected.csv")
        assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes(), table
        assert to_markdown(printed(table, got, "t", plan)) == to_markdown(printed(table, expected, "t", plan)), table


@pytest.mark.slow  # the label-free figures of the five default cohorts, drawn twice (~20 s)
@pytest.mark.parametrize("name", list(CONFIG["cohorts"]))
def test_figures_that_print_no_label_are_the_same_drawn_without_the_labels(name, tmp_path):
    """The figures of LABEL_FREE_FIGURES, whose jobs take figure_plan (a label edit leaves them be), give the same
    PNG and SVG bytes from the plan without its labels as from the full plan; the others do print labels."""
    run = cohort(name)
    plan = run["plan"]
    dataset = dataset_of(run, plan)
    literature = read_literature(REPO / CONFIG["literature"])
    made: dict[str, pd.DataFrame] = {}
    for table in sorted(tables_for(plan, **run["flags"], literature=True), key=lambda t: t in TABLE_READS):
        made[table] = make_table(table, TableInputs(
            dataset=dataset, adverse_events=run["tables"]["adverse_events"], qol=run["tables"]["qol"],
            tumour_data=run["flags"]["tumour_data"], tables=dict(made), literature=literature), plan)
    inputs = FigureInputs(dataset=dataset, best_response=run["best"], visits=run["visits"], tables=made,
                          qol=run["tables"]["qol"], doses=run["tables"]["doses"],
                          adverse_events=run["tables"]["adverse_events"])

    def drawn(figure: str, with_plan: dict, folder: str) -> tuple[bytes, bytes]:
        (tmp_path / folder).mkdir(exist_ok=True)
        png, svg = tmp_path / folder / f"{figure}.png", tmp_path / folder / f"{figure}.svg"
        save(make_figure(figure, inputs, with_plan), png, svg)
        return png.read_bytes(), svg.read_bytes()

    figures = figures_for(plan, **run["flags"], literature=True)
    label_free = [f for f in figures if split_page(f)[0] in LABEL_FREE_FIGURES]
    assert label_free
    for figure in label_free:
        assert drawn(figure, figure_plan(plan), "bare") == drawn(figure, plan, "full"), figure
