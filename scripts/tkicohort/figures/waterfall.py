"""Waterfall plot: best percentage change of the target-lesion sum from baseline, one bar per evaluable patient.

Bars are sorted from the largest increase to the largest decrease (ties by patient id) and coloured by the best
overall response. Dashed lines mark the RECIST 1.1 thresholds: −30 % (partial response) and +20 % (progression).
Markers only where they carry information the bar does not: a star beyond the end of a bar that stays below +20 %
marks a patient with a new lesion at any assessment (``visits.csv`` new_lesion), i.e. progression that the target
lesions do not show (a bar at or above +20 % shows progression already). Deaths are not marked here (the swimmer plot
and the Kaplan–Meier curves show them). Evaluable patients without a measured target-lesion change (e.g. cohorts
assessed from ``responses.csv`` only) have no bar; the axis label gives the number drawn. Two-arm plans get one
panel per arm (reference arm first) on a common y axis.

Size: one journal column for a single arm of up to :data:`MAX_SINGLE_COLUMN_BARS` patients, else two. Patient ids
label the bars up to :data:`MAX_ID_LABELS` bars per panel; above :data:`MAX_MARKED_BARS` bars in a panel the bars
touch (no gaps) and no stars are drawn, as a star would cover many bars: the axis label then counts the patients
with a new lesion below +20 % instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from . import arms_of, response_column
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    MIN_FONT_SIZE,
    MM_PER_POINT,
    OKABE_ITO,
    REFERENCE_LINE,
    RESPONSE_ORDER,
    SINGLE_COLUMN_MM,
    SMALL_FONT_SIZE,
    TITLE_FONT_SIZE,
    fit_text,
    new_figure,
    response_colours,
    shorten,
    styled,
)

PR_THRESHOLD, PD_THRESHOLD = -30.0, 20.0
MAX_ID_LABELS, MAX_MARKED_BARS, MAX_SINGLE_COLUMN_BARS = 30, 200, 100
Y_AXIS_MM, ID_MM = 16.0, 12.0  # room of the y axis (label, ticks) and the longest patient-id label


def waterfall_data(dataset: pd.DataFrame, visits: pd.DataFrame | None, plan: dict) -> pd.DataFrame:
    """Rows in plotting order: patient_id, arm, response, best_pct_change, new_lesion (at any assessment) and
    marked (new lesion with a bar below +20 %)."""
    resp = response_column(plan)
    data = dataset.loc[(dataset["evaluable"] == 1) & dataset["best_pct_change"].notna(),
                       ["patient_id", "arm", resp, "best_pct_change"]].rename(columns={resp: "response"})
    with_new = visits.loc[visits["new_lesion"] == 1, "patient_id"] if visits is not None else pd.Series([], dtype=str)
    new = data["patient_id"].astype(str).isin(with_new.astype(str))
    data = data.assign(patient_id=data["patient_id"].astype(str), arm=data["arm"].astype(str), new_lesion=new,
                       marked=new & (data["best_pct_change"] < PD_THRESHOLD))
    data = data.sort_values(["best_pct_change", "patient_id"], ascending=[False, True], kind="mergesort")
    return data.reset_index(drop=True)


def _bars(ax, data: pd.DataFrame, low: float, high: float, width_mm: float) -> None:
    x = np.arange(len(data), dtype=float)
    y = data["best_pct_change"].to_numpy(float)
    half = 0.4 if len(data) <= MAX_MARKED_BARS else 0.5
    # one collection for all bars (thousands of rectangles as separate patches are slow to build and to save)
    corners = np.stack([np.column_stack([x - half, np.zeros_like(y)]), np.column_stack([x - half, y]),
                        np.column_stack([x + half, y]), np.column_stack([x + half, np.zeros_like(y)])], axis=1)
    ax.add_collection(PolyCollection(corners, facecolors=response_colours(data["response"]), edgecolors="none",
                                     label="_bars"))
    ax.set_xlim(-0.7, max(len(data), 1) - 0.3)
    if len(data) <= MAX_MARKED_BARS:
        marked = data["marked"].to_numpy()
        step = 0.06 * (high - low)
        ax.scatter(x[marked], y[marked] + np.where(y[marked] >= 0, 1, -1) * step, marker="*", s=14, color="black",
                   linewidths=0, label="_new_lesion")
    if len(data) <= MAX_ID_LABELS:
        # ids side by side at most 80 % of a bar's pitch high (rotated), between 5 and 6 pt
        size = min(SMALL_FONT_SIZE, max(MIN_FONT_SIZE, 0.8 * width_mm / max(len(data), 1) / MM_PER_POINT))
        ax.set_xticks(x, [shorten(p, ID_MM, size) for p in data["patient_id"]], rotation=90, fontsize=size)
    else:
        ax.set_xticks([])


def _x_label(part: pd.DataFrame, width_mm: float) -> tuple[str, float]:
    text = f"Evaluable patients with measured target lesions (n = {len(part)})"
    if len(part) > MAX_MARKED_BARS:
        text += f"; new lesion below +20 %, not marked: {int(part['marked'].sum())}"
    return fit_text(text, width_mm, FONT_SIZE, max_lines=3)


@styled
def waterfall(dataset: pd.DataFrame, visits: pd.DataFrame | None, plan: dict):
    data = waterfall_data(dataset, visits, plan)
    arms = arms_of(plan)
    panels = [(str(a), data[data["arm"] == str(a)]) for a in arms] if arms else [(None, data)]
    single = not arms and len(data) <= MAX_SINGLE_COLUMN_BARS
    panel_mm = ((SINGLE_COLUMN_MM if single else DOUBLE_COLUMN_MM) - Y_AXIS_MM) / len(panels) - 4
    fig = new_figure("single" if single else "double", 80)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    y = data["best_pct_change"].to_numpy(float)
    low, high = min(y.min(initial=0.0), PR_THRESHOLD), max(y.max(initial=0.0), PD_THRESHOLD)
    step = 0.06 * (high - low)
    for ax, (arm, part) in zip(axes, panels, strict=True):
        ax.set_label("waterfall" if arm is None else f"waterfall:{arm}")
        if arm is not None:
            title, size = fit_text(arm, panel_mm, TITLE_FONT_SIZE, max_lines=2)
            ax.set_title(title, loc="left", fontsize=size)
        x_label, size = _x_label(part, panel_mm)
        ax.set_xlabel(x_label, fontsize=size)
        ax.axhline(0, color="black", linewidth=0.6)
        label_at = blended_transform_factory(ax.transAxes, ax.transData)
        for level, text in ((PD_THRESHOLD, "+20 %"), (PR_THRESHOLD, "−30 %")):
            ax.axhline(level, **REFERENCE_LINE)
            if ax is axes[-1]:
                ax.text(1.0, level, text, transform=label_at, ha="left", va="center", fontsize=SMALL_FONT_SIZE)
        ax.set_ylim(low - 3 * step, high + 3 * step)
        if part.empty:  # (not style.message: clearing the y ticks would clear those of the shared axes)
            ax.text(0.5, 0.5, "no measured target-lesion change", transform=ax.transAxes, ha="center",
                    va="center", color=OKABE_ITO["grey"])
            ax.set_xticks([])
            continue
        _bars(ax, part, low, high, panel_mm)
    axes[0].set_ylabel("Best change in target-lesion sum (%)")
    axes[0].tick_params(axis="y", labelleft=True)
    present = [c for c in RESPONSE_ORDER if (data["response"] == c).any()]
    handles = [Patch(color=col, label=c) for c, col in zip(present, response_colours(present), strict=True)]
    if any(p["marked"].any() and len(p) <= MAX_MARKED_BARS for _, p in panels):
        handles.append(Line2D([], [], marker="*", color="black", linestyle="none",
                              label="new lesion (bar below +20 %)"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4 if single else 8))
    return fig
