"""Figures on the example cohort and on a two-arm variant of it: every figure is written as PNG (300 dpi) and SVG,
axes are labelled, and the numbers drawn are checked against counts made here from the raw data (number at risk,
bar heights, grade percentages) or against the stats tables the figures must print."""

from __future__ import annotations

import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.figures import FigureInputs, figure_reads, figures_for, make_figure
from tkicohort.figures import forest as forest_module
from tkicohort.figures.km import km_pfs, km_subgroups
from tkicohort.figures.style import DOUBLE_COLUMN_MM, OKABE_ITO, RESPONSE_COLOURS, SINGLE_COLUMN_MM, save
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist
from tkicohort.stats.qol import score_qlq_c30
from tkicohort.stats.qol_tables import select_assessment
from tkicohort.stats.survival_tables import POST_BASELINE_NOTE
from tkicohort.stats.tables import TableInputs, make_table

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
PLAN = load_yaml(REPO / "config" / "plans" / "example.yaml")
TWO_ARM_PLAN = {**PLAN, "design": "two_arm", "arms": {"reference": "control", "treatment": "sorafenib"}}
DAYS_PER_MONTH = 30.4375


def build(folder: Path, plan: dict) -> FigureInputs:
    t = ingest_cohort(folder).tables
    visits, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], plan["recist"])
    dataset = build_analysis_dataset(t["patients"], best, plan, labs=t["labs"], adverse_events=t["adverse_events"],
                                     doses=t["doses"])
    return FigureInputs(dataset, best, visits, qol=t["qol"], doses=t["doses"], adverse_events=t["adverse_events"])


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
    assert ("km_subgroups" in names) == (plan["design"] == "single_arm")
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
        if name in ("km_pfs", "km_subgroups", "swimmer"):
            assert all("(months)" in a.get_xlabel() for a in fig.axes if a.get_label() in ("km", "swimmer"))


def test_saving_is_deterministic(example, tmp_path):
    for run in ("a", "b"):
        save(make_figure("km_pfs", example, PLAN), tmp_path / f"{run}.png", tmp_path / f"{run}.svg")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert b"<dc:date>" not in (tmp_path / "a.svg").read_bytes()
    (tmp_path / "plain.txt").write_text("")  # files are created with the usual permissions (umask), not 0600
    assert (tmp_path / "a.png").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


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
    fig = km_subgroups(example.dataset, PLAN)
    assert len([a for a in fig.axes if a.get_label() == "km"]) == len(PLAN["subgroups"])
    i, sg = next((i, sg) for i, sg in enumerate(PLAN["subgroups"]) if sg.get("population"))
    curve, table, rows = at_risk_rows(fig, i)
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


def test_waterfall_bars_are_the_best_changes_sorted_with_markers(example):
    fig = make_figure("waterfall", example, PLAN)
    ax = axes(fig, "waterfall")
    measured = example.dataset.loc[example.dataset["evaluable"] == 1, "best_pct_change"].dropna()
    assert [p.get_height() for p in ax.patches] == pytest.approx(sorted(measured, reverse=True))
    assert {line.get_ydata()[0] for line in ax.lines} >= {-30.0, 20.0}
    ids = [t.get_text() for t in ax.get_xticklabels()]
    lesions = pd.read_csv(EXAMPLE / "tumor_measurements.csv")
    with_new = set(lesions.loc[(lesions["lesion_type"] == "new") & (lesions["day"] > 0), "patient_id"])
    patients = pd.read_csv(EXAMPLE / "patients.csv")
    died = set(patients.loc[patients["death"] == 1, "patient_id"])
    for label, expected in (("_new_lesion", with_new), ("_death", died)):
        x = by_label(ax, label).get_offsets()[:, 0]
        assert {ids[int(round(v))] for v in x} == expected & set(ids), label


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
    row = [t.get_text() for t in ax.get_yticklabels()].index("diarrhea")
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
