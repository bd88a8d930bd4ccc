"""Figures on the example cohort and on a two-arm variant of it: every figure is written as PNG (300 dpi) and SVG,
axes are labelled, and the numbers drawn are checked against counts made here from the raw data (number at risk,
bar heights, grade percentages) or against the stats tables the figures must print.

Layout under stress: every figure is rendered for synthetic cohorts built here (12 subgroups of 2–6 levels with
60-character labels, a level with one patient, 10 and 5,000 patients, two arms with long names) and matplotlib's own
text extents (``get_window_extent`` with the figure's renderer, at the 300 dpi the files are written at) must show
no text leaving the figure, none cut by the axes that clips it, none below 5 pt and no two texts overlapping (tick
labels, numbers at risk, legends, titles). The text-fitting helpers are checked the same way against drawn text."""

from __future__ import annotations

import functools
import io
import itertools
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import PIL.Image
import pytest
from matplotlib.text import Text
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.figures import (
    FIGURE_PATTERN,
    FIGURE_TABLES,
    FigureInputs,
    arms_of,
    figure_reads,
    figures_for,
    make_figure,
    split_page,
)
from tkicohort.figures import forest as forest_module
from tkicohort.figures.bars import display_terms
from tkicohort.figures.km import km_pfs, km_subgroups
from tkicohort.figures.style import (
    DOUBLE_COLUMN_MM,
    MIN_FONT_SIZE,
    OKABE_ITO,
    PAGE_HEIGHT_MM,
    RC,
    RESPONSE_COLOURS,
    SINGLE_COLUMN_MM,
    fit_text,
    log_ticks,
    new_figure,
    save,
    shorten,
    wrap_lines,
)
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist
from tkicohort.stats.qol import score_qlq_c30
from tkicohort.stats.qol_tables import select_assessment
from tkicohort.stats.survival_tables import POST_BASELINE_NOTE
from tkicohort.stats.tables import TableInputs, make_table, tables_for

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
PLAN = load_yaml(REPO / "config" / "plans" / "example.yaml")
TWO_ARM_PLAN = {**PLAN, "design": "two_arm", "arms": {"reference": "control", "treatment": "sorafenib"}}
DAYS_PER_MONTH = 30.4375


def with_tables(inputs: FigureInputs, plan: dict) -> FigureInputs:
    """The inputs with the stats tables the plan's figures read, made once (as the workflow's stats stage does)."""
    wanted = {t for f in figures_for(plan, has_qol=inputs.qol is not None) for t in FIGURE_TABLES[split_page(f)[0]]}
    made = TableInputs(inputs.dataset, inputs.adverse_events, inputs.qol)
    inputs.tables = {t: make_table(t, made, plan) for t in sorted(wanted) if t in tables_for(plan, inputs.qol is not None)}
    return inputs


def build(folder: Path, plan: dict) -> FigureInputs:
    t = ingest_cohort(folder).tables
    visits, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], plan["recist"])
    dataset = build_analysis_dataset(t["patients"], best, plan, labs=t["labs"], adverse_events=t["adverse_events"],
                                     doses=t["doses"])
    return with_tables(FigureInputs(dataset, best, visits, qol=t["qol"], doses=t["doses"],
                                    adverse_events=t["adverse_events"]), plan)


@pytest.fixture(scope="module")
def example() -> FigureInputs:
    return build(EXAMPLE, PLAN)


@pytest.fixture(scope="module")
def two_arm(tmp_path_factory) -> FigureInputs:
    """The example cohort split into two arms: every other patient is a control."""
    folder = tmp_path_factory.mktemp("two_arm") / "cohort"
    shutil.copytree(EXAMPLE, folder)
    patients = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
    patients["arm"] = np.where(np.arange(len(patients)) % 2 == 1, "control", "sorafenib")
    patients.to_csv(folder / "patients.csv", index=False)
    return build(folder, TWO_ARM_PLAN)


def axes(fig, label: str):
    return next(a for a in fig.axes if a.get_label() == label)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def png_size_and_dpi(data: bytes) -> tuple[int, int, float]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return width, height, per_metre * 0.0254


# ---------------------------------------------------------------- files, sizes, labels


@pytest.mark.parametrize(("cohort", "plan"), [("example", PLAN), ("two_arm", TWO_ARM_PLAN)])
def test_every_figure_is_written_as_png_at_300_dpi_and_svg(request, tmp_path, cohort, plan):
    inputs = request.getfixturevalue(cohort)
    names = figures_for(plan, has_qol=True)
    assert ("km_subgroups_p1" in names) == (plan["design"] == "single_arm")
    assert ("response_by_arm" in names and "qol_boxplots" in names) == (plan["design"] == "two_arm")
    for name in names:
        fig = make_figure(name, inputs, plan)
        save(fig, tmp_path / f"{name}.png", tmp_path / f"{name}.svg")
        width, height, dpi = png_size_and_dpi((tmp_path / f"{name}.png").read_bytes())
        assert dpi == pytest.approx(300, abs=0.1), name
        assert min(abs(width - mm / 25.4 * 300) for mm in (SINGLE_COLUMN_MM, DOUBLE_COLUMN_MM)) < 2, name
        assert height > 100
        root = ET.parse(tmp_path / f"{name}.svg").getroot()
        assert root.tag.endswith("svg"), name
        assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


@pytest.mark.parametrize(("cohort", "plan"), [("example", PLAN), ("two_arm", TWO_ARM_PLAN)])
def test_every_axis_is_labelled(request, cohort, plan):
    inputs = request.getfixturevalue(cohort)
    for name in figures_for(plan, has_qol=True):
        fig = make_figure(name, inputs, plan)
        for ax in fig.axes:
            if not ax.axison or ax.get_label() == "risk_table":
                continue  # text columns of the forest plot; the risk table is checked below
            where = f"{name}/{ax.get_label()}"
            assert ax.get_xlabel() or any(t.get_text() for t in ax.get_xticklabels()), where
            if ax.get_label() == "forest":
                continue  # its rows are named by the text column beside it (see the forest tests)
            siblings = ax.get_shared_y_axes().get_siblings(ax)
            assert any(a.get_ylabel() or any(t.get_text() for t in a.get_yticklabels()) for a in siblings), where
        if name in ("km_pfs", "km_subgroups_p1", "swimmer"):
            assert all("(months)" in a.get_xlabel() for a in fig.axes if a.get_label() in ("km", "swimmer"))


def test_saving_is_deterministic(example, tmp_path):
    for run in ("a", "b"):
        save(make_figure("km_pfs", example, PLAN), tmp_path / f"{run}.png", tmp_path / f"{run}.svg")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert b"<dc:date>" not in (tmp_path / "a.svg").read_bytes()
    (tmp_path / "plain.txt").write_text("")  # files are created with the usual permissions (umask), not 0600
    assert (tmp_path / "a.png").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


def test_a_figure_of_constrained_layout_is_laid_out_once_with_the_pixels_of_matplotlibs_own_saving(example, tmp_path):
    # save() lays it out once for both files; matplotlib's savefig lays it out before each file
    fig = make_figure("waterfall", example, PLAN)
    engine = fig.get_layout_engine()
    assert engine is not None
    save(fig, tmp_path / "a.png", tmp_path / "a.svg")
    assert fig.get_layout_engine() is engine
    reference = io.BytesIO()
    with matplotlib.rc_context(RC):
        make_figure("waterfall", example, PLAN).savefig(reference, format="png", dpi=300)
    ours, theirs = (np.asarray(PIL.Image.open(f).convert("RGBA")) for f in (tmp_path / "a.png", reference))
    assert PIL.Image.open(tmp_path / "a.png").mode == "RGB"  # opaque: no alpha channel is written
    assert ours.shape == theirs.shape and np.array_equal(ours, theirs)
    save(make_figure("waterfall", example, PLAN), tmp_path / "b.png", tmp_path / "b.svg")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


# ---------------------------------------------------------------- Kaplan-Meier and the number at risk


def at_risk_rows(fig, panel: int = 0):
    """Risk-table text objects by row (top first) of the n-th KM panel, and that panel's curve axes."""
    curve = [a for a in fig.axes if a.get_label() == "km"][panel]
    table = [a for a in fig.axes if a.get_label() == "risk_table"][panel]
    rows: dict[float, list] = {}
    for t in table.texts:
        rows.setdefault(t.get_position()[1], []).append(t)
    return curve, table, [sorted(rows[y], key=lambda t: t.get_position()[0]) for y in sorted(rows, reverse=True)]


def expected_at_risk(days: pd.Series, ticks) -> list[str]:
    months = days.dropna().to_numpy(float) / DAYS_PER_MONTH
    return [str(int((months >= t).sum())) for t in ticks]


def test_number_at_risk_sits_under_the_ticks_and_counts_patients_still_at_risk(example):
    fig = km_pfs(example.dataset, PLAN)
    curve, table, rows = at_risk_rows(fig)
    ticks = curve.get_xticks()
    assert len(rows) == 1 and len(rows[0]) == len(ticks)
    assert [t.get_text() for t in rows[0]] == expected_at_risk(example.dataset["pfs_days"], ticks)
    assert table.get_yticklabels()[0].get_text() == "All patients"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for tick, text in zip(ticks, rows[0], strict=True):
        box = text.get_window_extent(renderer)
        assert abs((box.x0 + box.x1) / 2 - curve.transData.transform((tick, 0))[0]) < 0.5  # pixels


def test_number_at_risk_with_cumulative_events_at_chosen_ticks(example):
    ticks = [0, 3, 6]
    curve, _, rows = at_risk_rows(km_pfs(example.dataset, PLAN, ticks=ticks, cumulative_events=True))
    months = example.dataset["pfs_days"].to_numpy(float) / DAYS_PER_MONTH
    events = example.dataset["pfs_event"].to_numpy() == 1
    expected = [f"{(months >= t).sum()} ({(events & (months <= t)).sum()})" for t in ticks]
    assert list(curve.get_xticks()) == ticks
    assert [t.get_text() for t in rows[0]] == expected


def test_the_plan_turns_on_cumulative_events(example):
    plain = at_risk_rows(make_figure("km_pfs", example, PLAN))[2]
    with_events = at_risk_rows(make_figure("km_pfs", example, {**PLAN, "figures": {"cumulative_events": True}}))[2]
    assert "(" not in plain[0][1].get_text() and with_events[0][1].get_text().endswith(")")


def test_subgroup_panels_count_their_own_population(example):
    pages = [km_subgroups(example.dataset, PLAN, page=p) for p in (1, 2)]
    assert [len([a for a in f.axes if a.get_label() == "km"]) for f in pages] == [6, len(PLAN["subgroups"]) - 6]
    i, sg = next((i, sg) for i, sg in enumerate(PLAN["subgroups"]) if sg.get("population"))
    curve, table, rows = at_risk_rows(pages[i // 6], i % 6)
    population = example.dataset.query(sg["population"])
    for level, row in zip(sg["levels"], rows, strict=True):
        days = population.loc[population[sg["variable"]] == level, "pfs_days"]
        assert [t.get_text() for t in row] == expected_at_risk(days, curve.get_xticks())
    table_p = make_table("pfs_by_subgroup", TableInputs(example.dataset), PLAN)
    p = table_p.loc[table_p["subgroup"] == sg["label"], "logrank_p"].iloc[0]
    assert curve.get_legend().get_title().get_text() == f"Log-rank p = {p:.3f}"


def test_two_arm_km_by_arm_prints_the_tables_log_rank_p_and_hazard_ratio(two_arm):
    data = two_arm.dataset
    table = make_table("pfs_by_arm", TableInputs(data), TWO_ARM_PLAN)
    fig = km_pfs(data, TWO_ARM_PLAN, table)
    curve, risk, rows = at_risk_rows(fig)
    assert [t.get_text() for t in risk.get_yticklabels()] == ["control", "sorafenib"]
    for arm, row in zip(["control", "sorafenib"], rows, strict=True):
        assert [t.get_text() for t in row] == expected_at_risk(data.loc[data["arm"] == arm, "pfs_days"],
                                                               curve.get_xticks())
    legend = curve.get_legend()
    treated = table[table["level"] == "sorafenib"].iloc[0]
    title = legend.get_title().get_text()
    assert f"Log-rank p = {table['logrank_p'].iloc[0]:.3f}" in title
    assert (f"HR sorafenib vs control: {treated['hr']:.2f} ({treated['hr_ci_low']:.2f}–{treated['hr_ci_high']:.2f})"
            in title)
    labels = [t.get_text() for t in legend.get_texts()]
    assert [lab.split(":")[0] for lab in labels] == [f"{a} (n = {(data['arm'] == a).sum()})"
                                                     for a in ("control", "sorafenib")]


# ---------------------------------------------------------------- forest


def test_forest_keeps_a_not_estimable_row_with_its_reason():
    table = pd.DataFrame({
        "subgroup": ["Dose"] * 3, "level": ["standard", "reduced", "stopped"], "label": ["standard", "reduced", "stopped"],
        "n": [7, 3, 2], "events": [3, 2, 0], "logrank_p": [0.41] * 3, "hr": [1.0, 1.8, np.nan],
        "hr_ci_low": [np.nan, 0.3, np.nan], "hr_ci_high": [np.nan, 10.9, np.nan],
        "note": ["reference level", "", "no events in this level"]})
    fig = forest_module.forest(table, PLAN)
    labels, hr, plot = axes(fig, "forest_labels"), axes(fig, "forest_hr"), axes(fig, "forest")
    assert [s.strip() for s in texts(labels)] == ["Dose", "standard", "reduced", "stopped"]
    assert texts(hr)[:-1] == ["log-rank p = 0.410", "reference", "1.80 (0.30–10.90)", "no events in this level"]
    kept_y = labels.texts[-1].get_position()[1]
    assert [t.get_text() for t in axes(fig, "forest_counts").texts if t.get_position()[1] == kept_y] == ["2", "0"]
    points = [line for line in plot.lines if line.get_marker() == "s"]
    assert sum(len(line.get_xdata()) for line in points) == 1  # only the estimable level has a point


def test_forest_of_the_example_prints_univariable_and_multivariable_hazard_ratios(example):
    uni = make_table("pfs_by_subgroup", TableInputs(example.dataset), PLAN)
    multi = make_table("cox_multivariable", TableInputs(example.dataset), PLAN)
    fig = make_figure("forest", FigureInputs(example.dataset, tables={"pfs_by_subgroup": uni,
                                                                     "cox_multivariable": multi}), PLAN)
    hr = texts(axes(fig, "forest_hr"))
    for _, r in pd.concat([uni, multi]).dropna(subset=["hr_ci_low"]).iterrows():
        assert f"{r['hr']:.2f} ({r['hr_ci_low']:.2f}–{r['hr_ci_high']:.2f})" in hr
    not_estimable = uni[uni["hr"].isna() & ~uni["note"].fillna("").str.startswith("reference")]
    assert len(not_estimable), "the example has a level without an HR"
    # the reason is printed; a post-baseline subgroup's pointer to its own table is the heading's mark and footnote
    assert all(note.replace("; " + POST_BASELINE_NOTE, "") in hr for note in not_estimable["note"])
    labels = " ".join(texts(axes(fig, "forest_labels")))
    assert "Hand-foot skin reaction †" in labels and fig.texts and "pfs_post_baseline" in fig.texts[-1].get_text()
    assert "Multivariable Cox model (n = 12, 4 events)" in labels and "Hand-foot skin reaction: Yes vs No" in labels


# ---------------------------------------------------------------- bars, waterfall, swimmer, QoL


def by_label(ax, label: str):
    return next(c for c in [*ax.collections, *ax.lines] if c.get_label() == label)


def bar_tops(ax) -> list[float]:
    """Signed heights of the waterfall's bars, left to right (one polygon per bar, from 0 to the value)."""
    bars = by_label(ax, "_bars")
    return [float(path.vertices[1, 1]) for path in bars.get_paths()]


def test_waterfall_bars_are_the_best_changes_sorted_and_star_new_lesions_below_progression(example):
    fig = make_figure("waterfall", example, PLAN)
    ax = axes(fig, "waterfall")
    measured = example.dataset.loc[example.dataset["evaluable"] == 1, ["patient_id", "best_pct_change"]].dropna()
    assert bar_tops(ax) == pytest.approx(sorted(measured["best_pct_change"], reverse=True))
    assert {line.get_ydata()[0] for line in ax.lines} >= {-30.0, 20.0}
    ids = [t.get_text() for t in ax.get_xticklabels()]
    lesions = pd.read_csv(EXAMPLE / "tumor_measurements.csv")
    with_new = set(lesions.loc[(lesions["lesion_type"] == "new") & (lesions["day"] > 0), "patient_id"])
    below_progression = set(measured.loc[measured["best_pct_change"] < 20, "patient_id"])
    x = by_label(ax, "_new_lesion").get_offsets()[:, 0]
    assert {ids[int(round(v))] for v in x} == with_new & below_progression
    assert with_new & below_progression, "the example has a starred bar"
    assert not [c for c in ax.collections if c.get_label() == "_death"], "deaths are not marked on the waterfall"


def test_response_by_arm_bars_are_percentages_of_evaluable_patients(two_arm):
    fig = make_figure("response_by_arm", two_arm, TWO_ARM_PLAN)
    ax = axes(fig, "response_by_arm")
    evaluable = two_arm.dataset[two_arm.dataset["evaluable"] == 1]
    for bars in ax.containers:
        code = bars.get_label()
        assert bars.patches[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(RESPONSE_COLOURS[code]))
        for arm, patch in zip(["control", "sorafenib"], bars.patches, strict=True):
            in_arm = evaluable[evaluable["arm"] == arm]
            assert patch.get_height() == pytest.approx(100 * (in_arm["bor"] == code).mean())
    assert {c.get_label() for c in ax.containers} == set(evaluable["bor"])


def test_ae_grades_are_worst_grade_percentages_of_treated_patients(example):
    fig = make_figure("ae_grades", example, PLAN)
    ax = axes(fig, "ae_grades:all")
    raw = pd.read_csv(EXAMPLE / "adverse_events.csv")
    worst = raw[raw["term"] == "Diarrhea"].groupby("patient_id")["grade"].max()
    n = len(pd.read_csv(EXAMPLE / "patients.csv"))
    row = [t.get_text() for t in ax.get_yticklabels()].index("Diarrhea")  # as the file writes it
    widths = {c.get_label(): c.patches[row].get_width() for c in ax.containers}
    assert widths["grade 1–2"] == pytest.approx(100 * (worst <= 2).sum() / n)
    assert widths["grade 3–4"] == pytest.approx(100 * worst.between(3, 4).sum() / n)


def test_swimmer_lanes_run_to_last_contact_and_treatment_stops_at_a_final_zero_dose(example):
    fig = make_figure("swimmer", example, PLAN)
    ax = axes(fig, "swimmer")
    at = {round(t.get_position()[1], 6): t.get_text() for t in ax.get_yticklabels()}
    ids = [at[round(p.get_y() + p.get_height() / 2, 6)] for p in ax.patches]
    patients = pd.read_csv(EXAMPLE / "patients.csv", dtype={"patient_id": str}).set_index("patient_id")
    last = patients["death_day"].where(patients["death"] == 1, patients["followup_days"])
    doses = pd.read_csv(EXAMPLE / "doses.csv").sort_values("day").groupby("patient_id").tail(1).set_index("patient_id")
    stop = doses["day"].where(doses["dose_mg_per_day"] == 0)
    assert sorted(ids) == sorted(patients.index)
    expected = np.fmin(last.reindex(ids), stop.reindex(ids).fillna(np.inf)) / DAYS_PER_MONTH
    assert [p.get_width() for p in ax.patches] == pytest.approx(expected.to_numpy())
    assert at[max(at)] == last.idxmax()  # longest lane on top
    # progression markers at the hand-derived PD days (tests/data/example_expected.csv)
    hand = pd.read_csv(REPO / "tests" / "data" / "example_expected.csv").dropna(subset=["pd_day"])
    lane_y = {pid: p.get_y() + p.get_height() / 2 for pid, p in zip(ids, ax.patches, strict=True)}
    marks = by_label(ax, "_progression").get_offsets()
    expected = sorted((day / DAYS_PER_MONTH, lane_y[pid]) for pid, day in zip(hand["patient_id"], hand["pd_day"],
                                                                              strict=True))
    assert np.allclose(sorted(map(tuple, marks)), expected)


def test_qol_boxplots_show_each_arms_scores_and_the_tables_p(two_arm):
    table = make_table("qol", TableInputs(two_arm.dataset, qol=two_arm.qol), TWO_ARM_PLAN)
    fig = make_figure("qol_boxplots", two_arm, TWO_ARM_PLAN)
    ax = axes(fig, "qol:functional")
    chosen = score_qlq_c30(select_assessment(two_arm.qol, "last")).merge(two_arm.dataset[["patient_id", "arm"]])
    for arm in ("control", "sorafenib"):
        median = by_label(ax, f"_median:{arm}:ql2").get_ydata()[0]
        assert median == pytest.approx(chosen.loc[chosen["arm"] == arm, "ql2"].median())
    p = table.loc[table["scale"] == "ql2", "p"].iloc[0]
    assert (f"p = {p:.3f}" if p >= 0.001 else "p < 0.001") in texts(ax)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["control", "sorafenib"]


def test_palette_is_okabe_ito():
    assert set(RESPONSE_COLOURS.values()) <= set(OKABE_ITO.values())


def test_figure_reads_only_contract_paths():
    assert figure_reads("swimmer", PLAN) == {"dataset": "analysis/patients.csv", "doses": "data/doses.parquet",
                                             "best_response": "recist/best_response.csv", "visits": "recist/visits.csv"}
    assert figure_reads("forest", PLAN) == {"dataset": "analysis/patients.csv", "cox_multivariable":
                                            "tables/cox_multivariable.csv", "pfs_by_subgroup": "tables/pfs_by_subgroup.csv"}
    assert figure_reads("km_pfs", TWO_ARM_PLAN)["pfs_by_arm"] == "tables/pfs_by_arm.csv"
    assert figure_reads("qol_boxplots", TWO_ARM_PLAN, has_qol=True)["qol_data"] == "data/qol.parquet"
    assert figure_reads("ae_grades", PLAN)["ae_rows"] == "data/adverse_events.parquet"
    assert figure_reads("km_subgroups_p2", PLAN) == figure_reads("km_subgroups_p1", PLAN) == {
        "dataset": "analysis/patients.csv", "pfs_by_subgroup": "tables/pfs_by_subgroup.csv"}


def test_adverse_event_terms_are_printed_as_the_file_writes_them():
    rows = pd.DataFrame({"patient_id": ["A", "B", "C", "D", "E", "F"], "grade": [1, 2, 5, 1, 2, 3],
                         "term": ["Sudden death NOS", "Sudden  death NOS ", "sudden death nos", "HFSR",
                                  "Hand-foot skin reaction", "Diarrhoea"]})
    terms = ["sudden death nos", "palmar-plantar erythrodysesthesia syndrome", "diarrhea"]
    # the most frequent direct spelling (spaces collapsed); terms met only through synonyms in sentence case
    assert display_terms(terms, rows) == ["Sudden death NOS", "Palmar-plantar erythrodysesthesia syndrome",
                                          "Diarrhea"]
    assert display_terms(["weight loss"], None) == ["Weight loss"]


# ---------------------------------------------------------------- fitted text, log ticks, pages


def drawn_width_mm(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` as matplotlib draws it at 300 dpi (widest line)."""
    fig = new_figure("double", 50, layout=None)
    t = fig.text(0, 0.5, text, fontsize=size, fontweight=weight, fontfamily="DejaVu Sans")
    return t.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi * 25.4


LABELS = ["Reduced/interrupted/stopped dose after grade 3 hand-foot ski", "Bone metastasis (patients with distant "
          "metastasis)", "Musculoskeletal and connective tissue disorder - Other, specify", "WWWWWWWWWWWWWWWWWWWWWWW",
          "≥ 60 % decrease of thyroglobulin (n = 5000)", "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii lllll 11111"]


@pytest.mark.parametrize("weight", ["normal", "bold"])
@pytest.mark.parametrize("size", [5.0, 6.0, 8.0])
def test_wrapped_lines_fit_their_width_as_drawn(size, weight):
    for label, width in itertools.product(LABELS, (12.0, 25.0, 40.0)):
        lines = wrap_lines(label, width, size, weight)
        assert " ".join(lines).split() == label.split() or "".join(lines).replace(" ", "") == label.replace(" ", "")
        for line in lines:
            assert drawn_width_mm(line, size, weight) <= width, (label, line)
        cut = shorten(label, width, size, weight)
        assert drawn_width_mm(cut, size, weight) <= width and (cut == label or cut.endswith("…"))


def test_fit_text_wraps_then_shrinks_to_5_pt_then_cuts():
    label = LABELS[0]
    assert fit_text(label, 200, 7) == (label, 7)  # fits as it is
    text, size = fit_text(label, 45, 7, max_lines=2)  # drawn 75.7 mm wide at 7 pt
    assert size == 7 and text.count("\n") == 1  # wraps first
    text, size = fit_text(label, 20, 7, max_lines=2)
    assert size == MIN_FONT_SIZE and text.count("\n") > 1  # shrinks, then takes the lines it needs
    text, size = fit_text(label, 20, 7, max_lines=1, cut=True)
    assert size == MIN_FONT_SIZE and "\n" not in text and text.endswith("…")
    assert wrap_lines("Placebo arm (n = 5000)", 16, 7)[-1] == "(n = 5000)"  # never broken beside "="
    # nor inside a range, though a break after the dash would fill the first line better
    assert drawn_width_mm("HR 0.17 (0.02–", 7) < 19 < drawn_width_mm("HR 0.17 (0.02–1.76)", 7)
    assert wrap_lines("HR 0.17 (0.02–1.76)", 19, 7) == ["HR 0.17", "(0.02–1.76)"]
    # broken after slashes (no two of these pieces fit 20 mm side by side at 7 pt)
    assert min(drawn_width_mm(t, 7) for t in ("Reduced/interrupted/", "interrupted/stopped")) > 20
    assert wrap_lines("Reduced/interrupted/stopped", 20, 7) == ["Reduced/", "interrupted/", "stopped"]


def test_log_ticks_label_several_numbers_round_the_data():
    # hand-worked: the 1–2–5 values round 0.385–2.6 (the narrowest range the forest shows) fit 60 mm easily
    assert list(log_ticks(0.385, 2.6, 60)) == pytest.approx([0.2, 0.5, 1, 2, 5])
    # 0.0385–24.9 over 3.4 decades: at 70 mm 0.05 and 0.1 are 6.2 mm apart, their labels need 6.0 mm with the gap
    assert list(log_ticks(0.0385, 24.9, 70)) == pytest.approx([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50])
    # at 58 mm they are 5.1 mm apart: the 1–3 series (0.03, 0.1, 0.3, … at least 9.2 mm apart)
    assert list(log_ticks(0.0385, 24.9, 58)) == pytest.approx([0.03, 0.1, 0.3, 1, 3, 10, 30])
    # 0.01–100 in 20 mm: powers of ten would be 5 mm apart for labels up to 5.8 mm wide: every other power of ten
    assert list(log_ticks(0.01, 100, 20)) == pytest.approx([0.01, 1, 100])


def test_forest_axis_is_labelled_beyond_1_when_every_hazard_ratio_is_near_1():
    table = pd.DataFrame({
        "subgroup": ["Sex"] * 2, "level": ["F", "M"], "label": ["Female", "Male"], "n": [40, 40],
        "events": [20, 22], "logrank_p": [0.8] * 2, "hr": [1.0, 1.1], "hr_ci_low": [np.nan, 0.8],
        "hr_ci_high": [np.nan, 1.25], "note": ["reference level", ""]})
    ax = axes(forest_module.forest(table, PLAN), "forest")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0.2", "0.5", "1", "2", "5"]
    assert ax.get_xlim() == pytest.approx((0.2, 5))


def many_subgroups(n: int) -> dict:
    return {**PLAN, "subgroups": [{"variable": "sex", "label": f"Subgroup {i}", "levels": ["F", "M"]}
                                  for i in range(1, n + 1)], "multivariable": {"variables": []}}


def test_subgroup_grid_has_one_file_per_page_of_six_panels_known_from_the_plan(example):
    assert [f for f in figures_for(PLAN) if f.startswith("km_")] == ["km_pfs", "km_subgroups_p1", "km_subgroups_p2"]
    plan = many_subgroups(13)
    names = [f for f in figures_for(plan) if f.startswith("km_subgroups")]
    assert names == ["km_subgroups_p1", "km_subgroups_p2", "km_subgroups_p3"]
    assert all(re.fullmatch(FIGURE_PATTERN, f) for f in figures_for(plan))
    assert not any(re.fullmatch(FIGURE_PATTERN, f) for f in ("km_subgroups", "km_subgroups_p0", "forest_p1"))
    titles = []
    table = make_table("pfs_by_subgroup", TableInputs(example.dataset), plan)
    for name in names:
        fig = make_figure(name, FigureInputs(example.dataset, tables={"pfs_by_subgroup": table}), plan)
        titles += [" ".join(t.get_text().split()) for t in fig.texts if t.get_label() == "km_title"]
        assert fig.get_size_inches()[1] * 25.4 <= PAGE_HEIGHT_MM + 0.01
    assert titles == [sg["label"] for sg in plan["subgroups"]]  # six, six and one, in plan order
    with pytest.raises(KeyError, match="page by page"):
        make_figure("km_subgroups", example, plan)
    with pytest.raises(ValueError, match="3 page"):
        km_subgroups(example.dataset, plan, page=4)


def test_a_plan_without_subgroups_gets_one_page_saying_so(example):
    plan = {**PLAN, "subgroups": [], "multivariable": {"variables": []}}
    assert [f for f in figures_for(plan) if f.startswith("km_subgroups")] == ["km_subgroups_p1"]
    for name in ("km_subgroups_p1", "forest"):
        fig = make_figure(name, FigureInputs(example.dataset), plan)
        assert any("no subgroups" in t for a in fig.axes for t in texts(a)), name


# ---------------------------------------------------------------- layout under stress

DAYS = 30.4375
LONG = "Reduced/interrupted/stopped dose after grade 3 hand-foot ski"  # 60 characters
AE_TERMS = ["Sudden death NOS", "Palmar-plantar erythrodysesthesia syndrome", "Diarrhea", "Hypertension",
            "Alanine aminotransferase increased", "Fatigue", "Weight loss", "Alopecia", "Rash maculo-papular",
            "Anorexia", "Mucositis oral", "Hypocalcemia", "Proteinuria", "Nausea", "Vomiting", "Pruritus", "Dry skin",
            "Hoarseness", "Abdominal pain", "Thrombocytopenia", "Febrile neutropenia", "Hypothyroidism",
            "Musculoskeletal and connective tissue disorder - Other, specify"]


def sixty(prefix: str) -> str:
    return (prefix + LONG)[:60]


def stress_plan(design: str, n_subgroups: int = 12, unit: str = "months") -> dict:
    """12 subgroups of 2–6 levels (subgroup 2 has six), 60-character labels, one subgroup restricted to evaluable
    patients; two arms named with 60 characters; times in ``unit``."""
    subgroups = []
    for i in range(1, n_subgroups + 1):
        levels = [f"L{j}" for j in range(1, (6 if i == 2 else 2 + (i - 1) % 5) + 1)]
        subgroups.append({"variable": f"g{i}", "label": sixty(f"Subgroup {i:02d} "), "levels": levels,
                          "labels": {lev: sixty(f"Level {j} of {i:02d} ") for j, lev in enumerate(levels, 1)},
                          **({"population": "evaluable == 1"} if i == 3 else {})})
    plan = {"title": "stress", "design": design, "time": {"unit": unit, "days_per_month": DAYS},
            "recist": {"require_confirmation": False}, "subgroups": subgroups, "tests": {"km_ci": "log-log"},
            "multivariable": {"variables": ["g1", "g2"][:n_subgroups]}}
    if design == "two_arm":
        plan["arms"] = {"reference": sixty("Placebo then best supportive care "),
                        "treatment": sixty("Sorafenib 400 mg twice daily ")}
    return plan


def stress_cohort(plan: dict, n: int, seed: int = 7) -> FigureInputs:
    """A synthetic analysis dataset and the RECIST, dose, adverse-event and QoL rows the figures read. In every
    subgroup the last level has exactly one patient (with 10 patients some levels have none)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.char.zfill(np.arange(n).astype(str), 5))
    arms = [plan["arms"]["reference"], plan["arms"]["treatment"]] if plan["design"] == "two_arm" else ["sorafenib"]
    pfs = 28 * np.maximum(1, (rng.exponential(300, n) / 28).round())  # progression seen at 4-weekly assessments
    os_days = pfs + rng.integers(0, 400, n)
    bor = np.array(["CR", "PR", "SD", "PD", "NE"])[rng.integers(0, 5, n)]
    change = np.select([bor == "CR", bor == "PR", bor == "SD", bor == "PD"],
                       [-100.0, rng.uniform(-90, -30, n), rng.uniform(-29, 19, n), rng.uniform(-10, 120, n)], np.nan)
    data = pd.DataFrame({
        "patient_id": ids, "arm": np.array(arms)[np.arange(n) % len(arms)], "pfs_days": pfs,
        "pfs_event": (rng.random(n) < 0.7).astype(int), "pfs_months": pfs / DAYS, "pfs_weeks": pfs / 7,
        "os_days": os_days, "os_event": (rng.random(n) < 0.4).astype(int), "os_months": os_days / DAYS,
        "os_weeks": os_days / 7,
        "evaluable": (bor != "NE").astype(int), "bor": bor, "bor_confirmed": bor, "best_pct_change": change,
        "dcr": np.isin(bor, ["CR", "PR", "SD"]).astype(int), "orr": np.isin(bor, ["CR", "PR"]).astype(int)})
    for sg in plan["subgroups"]:
        levels = np.array(sg["levels"])
        values = levels[rng.integers(0, len(levels) - 1, n)]
        values[n // 2] = levels[-1]
        data[sg["variable"]] = values
    progressed = (data["pfs_event"] == 1).to_numpy() & (rng.random(n) < 0.8)
    best = pd.DataFrame({"patient_id": ids, "pd_day": np.where(progressed, pfs, np.nan),
                         "first_response_day": np.where(np.isin(bor, ["CR", "PR"]), 56.0, np.nan)})
    visits = pd.DataFrame({"patient_id": ids, "day": 56, "overall_response": bor,
                           "new_lesion": (rng.random(n) < 0.2).astype(int)})
    stopped = rng.random(n) < 0.3
    doses = pd.DataFrame({"patient_id": np.concatenate([ids, ids[stopped]]),
                          "day": np.concatenate([np.zeros(n), (0.6 * os_days[stopped]).round()]),
                          "dose_mg_per_day": np.concatenate([np.full(n, 800), np.zeros(stopped.sum())])})
    adverse = pd.DataFrame({"patient_id": np.repeat(ids, 3), "grade": rng.integers(1, 6, 3 * n),
                            "term": np.array(AE_TERMS)[rng.integers(0, len(AE_TERMS), 3 * n)]})
    items = rng.integers(1, 5, (n, 30)).astype(float)
    items[:, 28:] = rng.integers(1, 8, (n, 2))
    qol = pd.DataFrame(items, columns=[f"q{i}" for i in range(1, 31)]).assign(patient_id=ids, day=84)
    return with_tables(FigureInputs(data, best, visits, qol=qol, doses=doses, adverse_events=adverse), plan)


# design, subgroups, patients, time unit
STRESS = {"one_arm_10": ("single_arm", 12, 10, "months"), "one_arm_5000": ("single_arm", 12, 5000, "months"),
          "two_arms_10": ("two_arm", 12, 10, "weeks"), "two_arms_5000": ("two_arm", 12, 5000, "months"),
          "one_subgroup_200_days": ("single_arm", 1, 200, "days")}


@functools.cache
def stress_case(key: str) -> tuple[dict, FigureInputs]:
    """Plan and cohort of a stress case, built once per test run (the tables of 5,000 patients take seconds)."""
    design, n_subgroups, n, unit = STRESS[key]
    plan = stress_plan(design, n_subgroups, unit)
    return plan, stress_cohort(plan, n)


@pytest.fixture(params=list(STRESS))
def stress(request) -> tuple[dict, FigureInputs]:
    return stress_case(request.param)


def undrawn_tick_labels(fig) -> set[int]:
    """Tick labels matplotlib does not draw (their tick lies outside the axis' view)."""
    skip = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            tolerance = 1e-9 * max(high - low, 1e-300)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - tolerance <= tick.get_loc() <= high + tolerance:
                    skip.update((id(tick.label1), id(tick.label2)))
    return skip


def clip_region(text: Text):
    """The display box a text is clipped to when drawn (its clip box, or the extent of its clip path), or None."""
    if not text.get_clip_on():
        return None
    path = text.get_clip_path()
    return path.get_fully_transformed_path().get_extents() if path is not None else text.get_clip_box()


def layout_problems(fig) -> list[str]:
    """Drawn texts that leave the figure, are cut by their clip box, are set below 5 pt or overlap another."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    skip = undrawn_tick_labels(fig)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in skip]
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    found, tol = [], 0.5  # pixels at 300 dpi
    for t, b in boxes:
        if b.x0 < -tol or b.y0 < -tol or b.x1 > fig.bbox.x1 + tol or b.y1 > fig.bbox.y1 + tol:
            found.append(f"leaves the figure: {t.get_text()!r}")
        clip = clip_region(t)
        if clip is not None and (b.x0 < clip.x0 - tol or b.x1 > clip.x1 + tol or b.y0 < clip.y0 - tol
                                 or b.y1 > clip.y1 + tol):
            found.append(f"cut by its axes: {t.get_text()!r}")
        if t.get_fontsize() < MIN_FONT_SIZE:
            found.append(f"below 5 pt: {t.get_text()!r}")
    for (t1, b1), (t2, b2) in itertools.combinations(boxes, 2):
        if min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > tol and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > tol:
            found.append(f"overlap: {t1.get_text()!r} and {t2.get_text()!r}")
    return found


def test_every_figure_keeps_its_text_inside_and_apart_under_stress(stress):
    plan, inputs = stress
    for name in figures_for(plan, has_qol=True):
        fig = make_figure(name, inputs, plan)
        assert layout_problems(fig) == [], name
        width, height = fig.get_size_inches() * 25.4
        assert min(abs(width - SINGLE_COLUMN_MM), abs(width - DOUBLE_COLUMN_MM)) < 0.01, name
        if name.startswith("km_subgroups"):
            assert len([a for a in fig.axes if a.get_label() == "km"]) <= 6
            assert height <= PAGE_HEIGHT_MM + 0.01, name


def test_the_layout_check_sees_overlap_and_text_off_the_canvas():
    fig = new_figure("single", 40, layout=None)
    fig.text(0.1, 0.5, "numbers at risk")
    fig.text(0.15, 0.5, "overlapping")
    fig.text(0.9, 0.2, "off the right edge")
    ax = fig.add_axes((0.1, 0.1, 0.3, 0.3))
    ax.text(0.9, 0.5, "clipped by the axes", clip_on=True)
    found = layout_problems(fig)
    assert "leaves the figure: 'off the right edge'" in found
    assert "cut by its axes: 'clipped by the axes'" in found
    assert "overlap: 'numbers at risk' and 'overlapping'" in found


def test_large_cohorts_summarise_their_waterfall_and_swimmer_lanes():
    plan, inputs = stress_case("two_arms_5000")
    data, visits = inputs.dataset, inputs.visits
    fig = make_figure("waterfall", inputs, plan)
    for arm in arms_of(plan):
        ax = axes(fig, f"waterfall:{arm}")
        drawn = data[(data["evaluable"] == 1) & data["best_pct_change"].notna() & (data["arm"] == arm)]
        starred = drawn["patient_id"].isin(visits.loc[visits["new_lesion"] == 1, "patient_id"]) & (
            drawn["best_pct_change"] < 20)
        assert len(bar_tops(ax)) == len(drawn) > 200
        assert not [c for c in ax.collections if c.get_label() == "_new_lesion"]  # no stars over 200 bars
        assert ax.get_xlabel().replace("\n", " ").endswith(f"not marked: {starred.sum()}")
    fig = make_figure("swimmer", inputs, plan)
    ax = axes(fig, "swimmer")
    assert len(ax.patches) == 200
    assert "200 patients followed longest of 5000" in ax.get_title(loc="left").replace("\n", " ")
    # the lanes drawn: the 200 longest times to death or last contact, each bar up to a final 0-mg dose record
    longest = data.sort_values(["os_days", "patient_id"], ascending=[False, True]).head(200)
    last_dose = inputs.doses.sort_values("day").groupby("patient_id").tail(1).set_index("patient_id")
    stop = last_dose["day"].where(last_dose["dose_mg_per_day"] == 0).reindex(longest["patient_id"]).to_numpy()
    expected = np.fmin(stop, longest["os_days"].to_numpy(float)) / DAYS
    assert sorted(p.get_width() for p in ax.patches) == pytest.approx(sorted(expected))
