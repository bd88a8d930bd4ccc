"""Subgroup forest plot of a two-arm study: the treatment hazard ratio within each subgroup level.

Reads ``<endpoint>_by_subgroup_and_arm.csv`` (one row per subgroup level: patients and events per arm, the
treatment HR with its 95 % CI, the interaction p and a note) and, for the first row, ``<endpoint>_by_arm.csv`` (the
treatment HR of all patients). Nothing is computed here: every number printed is a cell of those tables.

Layout: one block per subgroup headed by its label and the treatment × subgroup interaction p (likelihood-ratio
test), one row per level with n and events per arm (reference / treatment) and "HR (95 % CI)"; a level without a
finite HR keeps its row and shows the reason instead of a point. The HR axis is logarithmic with a line at 1 and
says which side favours which arm; confidence limits beyond the axis end in an arrow.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..stats.render import fmt_estimate_ci
from .style import DOUBLE_COLUMN_MM, OKABE_ITO, REFERENCE_LINE, SMALL_FONT_SIZE, new_figure, p_text, styled

ROW_MM, MIN_X, MAX_X = 4.2, 0.01, 100.0
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)  # labelled hazard ratios on the log axis
CHAR_MM = 1.45
ENDPOINT_WORDS = {"pfs": "progression or death", "os": "death"}


def _level_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Header and level rows in drawing order: text, n_text, events_text, hr, hr_ci_low, hr_ci_high, hr_text, kind."""
    t = table.reset_index(drop=True).copy()
    for col in ("hr", "hr_ci_low", "hr_ci_high", "interaction_p"):
        t[col] = pd.to_numeric(t[col], errors="coerce")
    t["note"] = t["note"].fillna("").astype(str)
    rows = []
    for subgroup, block in t.groupby("subgroup", sort=False):
        rows.append({"text": str(subgroup), "kind": "header", "n_text": "", "events_text": "",
                     "hr_text": f"interaction {p_text(block['interaction_p'].iloc[0])}"})
        for r in block.itertuples():
            estimable = pd.notna(r.hr)
            label = r.label if "label" in t and pd.notna(r.label) else r.level
            rows.append({"text": f"   {label}", "kind": "estimate" if estimable else "not_estimable",
                         "n_text": f"{r.n_reference} / {r.n_treatment}",
                         "events_text": f"{r.events_reference} / {r.events_treatment}",
                         "hr": r.hr, "hr_ci_low": r.hr_ci_low, "hr_ci_high": r.hr_ci_high,
                         "hr_text": fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2) if estimable
                         else textwrap.shorten(r.note, 45) or "not estimable"})
    return pd.DataFrame(rows)


def _overall_row(by_arm: pd.DataFrame | None, arms: list) -> list[dict]:
    if by_arm is None or by_arm.empty:
        return []
    t = by_arm.set_index(by_arm["level"].astype(str))
    ref, trt = (t.loc[str(a)] for a in arms)
    hr = pd.to_numeric(pd.Series([trt["hr"], trt["hr_ci_low"], trt["hr_ci_high"]]), errors="coerce").to_numpy()
    estimable = bool(np.isfinite(hr[0]))
    return [{"text": "All patients", "kind": "estimate" if estimable else "not_estimable",
             "n_text": f"{int(ref['n'])} / {int(trt['n'])}", "events_text": f"{int(ref['events'])} / {int(trt['events'])}",
             "hr": hr[0], "hr_ci_low": hr[1], "hr_ci_high": hr[2],
             "hr_text": fmt_estimate_ci(*hr, 2) if estimable else "not estimable"}]


def _x_range(est: pd.DataFrame) -> tuple[float, float]:
    values = pd.concat([est["hr_ci_low"], est["hr_ci_high"], est["hr"]]).astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    x_min = float(np.clip(min(values.min(), 0.5) / 1.3 if len(values) else 0.25, MIN_X, 1.0))
    x_max = float(np.clip(max(values.max(), 2.0) * 1.3 if len(values) else 4.0, 1.0, MAX_X))
    return x_min, x_max


@styled
def subgroup_forest(table: pd.DataFrame, plan: dict, by_arm: pd.DataFrame | None = None, endpoint: str = "pfs"):
    """The forest plot of ``table`` (an ``<endpoint>_by_subgroup_and_arm`` table); ``by_arm`` adds the all-patients
    row. ``plan``: its ``arms`` name the reference and treatment arms."""
    arms = [plan["arms"]["reference"], plan["arms"]["treatment"]]
    parts = [pd.DataFrame(_overall_row(by_arm, arms)), _level_rows(table)]
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    for col in ("hr", "hr_ci_low", "hr_ci_high"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce") if col in rows else np.nan
    y = -np.arange(len(rows), dtype=float)
    label_mm = min(rows["text"].str.len().max() * CHAR_MM, 70.0)
    counts_mm, hr_mm = 34.0, 48.0
    plot_mm = max(DOUBLE_COLUMN_MM - 12 - label_mm - counts_mm - hr_mm, 40.0)
    fig = new_figure("double", 30 + ROW_MM * len(rows))
    grid = fig.add_gridspec(1, 4, width_ratios=[label_mm, counts_mm, plot_mm, hr_mm], wspace=0.0)
    ax_text, ax_counts, ax, ax_hr = (fig.add_subplot(grid[i]) for i in range(4))
    for a, name in ((ax_text, "forest_labels"), (ax_counts, "forest_counts"), (ax, "forest"), (ax_hr, "forest_hr")):
        a.set_label(name)
        a.set_ylim(y.min() - 0.7, 1.9)
    for yi, r in zip(y, rows.itertuples(), strict=True):
        head = r.kind == "header" or r.text == "All patients"
        ax_text.text(0.0, yi, r.text, va="center", fontweight="bold" if head else "normal", in_layout=False)
        ax_counts.text(0.28, yi, r.n_text, va="center", ha="center", in_layout=False)
        ax_counts.text(0.75, yi, r.events_text, va="center", ha="center", in_layout=False)
        ax_hr.text(0.05, yi, r.hr_text, va="center", fontsize=SMALL_FONT_SIZE, in_layout=False)
    for x, text in ((0.28, "n"), (0.75, "Events")):
        ax_counts.text(x, 1.35, text, va="center", ha="center", fontweight="bold", in_layout=False)
    ax_counts.text(0.5, 0.75, "reference / treatment", va="center", ha="center", fontsize=SMALL_FONT_SIZE,
                   in_layout=False)
    ax_hr.text(0.05, 1.35, "HR (95 % CI)", va="center", fontweight="bold", in_layout=False)
    for a in (ax_text, ax_counts, ax_hr):
        a.set_xlim(0, 1)
        a.axis("off")

    est = rows[rows["kind"] == "estimate"]
    ey = y[est.index.to_numpy()]
    x_min, x_max = _x_range(est)
    low = est["hr_ci_low"].fillna(x_min).to_numpy(float)
    high = est["hr_ci_high"].fillna(x_max).to_numpy(float)
    ax.hlines(ey, np.clip(low, x_min, x_max), np.clip(high, x_min, x_max), color="black", linewidth=0.8)
    ax.plot(est["hr"].clip(x_min, x_max), ey, linestyle="none", marker="s", markersize=3.5, color=OKABE_ITO["blue"])
    for beyond, edge, marker in ((low < x_min, x_min, "<"), (high > x_max, x_max, ">")):
        if beyond.any():
            ax.plot(np.full(beyond.sum(), edge), ey[beyond], linestyle="none", marker=marker, markersize=3,
                    color="black", clip_on=False)
    ax.axvline(1.0, **REFERENCE_LINE)
    ax.set_xscale("log")
    ax.set_xlim(x_min, x_max)
    ax.set_xticks([t for t in TICKS if x_min <= t <= x_max])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.text(0.02, 1.0, f"← favours {arms[1]}", transform=ax.get_yaxis_transform(), ha="left", va="center",
            fontsize=SMALL_FONT_SIZE, in_layout=False)
    ax.text(0.98, 1.0, f"favours {arms[0]} →", transform=ax.get_yaxis_transform(), ha="right", va="center",
            fontsize=SMALL_FONT_SIZE, in_layout=False)
    ax.set_xlabel(f"Hazard ratio for {ENDPOINT_WORDS.get(endpoint, endpoint)}, {arms[1]} vs {arms[0]}\n(log scale)")
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.spines["left"].set_visible(False)
    return fig
