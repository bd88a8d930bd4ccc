"""Waterfall plot: best percentage change of the target-lesion sum from baseline, one bar per evaluable patient.

Bars are sorted from the largest increase to the largest decrease (ties by patient id) and coloured by the best
overall response. Dashed lines mark the RECIST 1.1 thresholds: −30 % (partial response) and +20 % (progression).
Beyond the end of a bar, a star marks a patient with a new lesion at any assessment (``visits.csv`` new_lesion) and a
cross a patient who died (``os_event``). Evaluable patients without a measured target-lesion change (e.g. cohorts
assessed from ``responses.csv`` only) have no bar; the axis label gives the number drawn. Two-arm plans get one
panel per arm (reference arm first) on a common y axis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from . import arms_of, response_column
from .style import (
    OKABE_ITO,
    REFERENCE_LINE,
    RESPONSE_ORDER,
    SMALL_FONT_SIZE,
    new_figure,
    response_colours,
    styled,
)

PR_THRESHOLD, PD_THRESHOLD = -30.0, 20.0
MAX_ID_LABELS = 30


def waterfall_data(dataset: pd.DataFrame, visits: pd.DataFrame | None, plan: dict) -> pd.DataFrame:
    """Rows in plotting order: patient_id, arm, response, best_pct_change, new_lesion, death."""
    resp = response_column(plan)
    data = dataset.loc[(dataset["evaluable"] == 1) & dataset["best_pct_change"].notna(),
                       ["patient_id", "arm", resp, "best_pct_change", "os_event"]].rename(columns={resp: "response"})
    with_new = visits.loc[visits["new_lesion"] == 1, "patient_id"] if visits is not None else pd.Series([], dtype=str)
    data = data.assign(patient_id=data["patient_id"].astype(str), arm=data["arm"].astype(str),
                       new_lesion=data["patient_id"].astype(str).isin(with_new.astype(str)), death=data["os_event"] == 1)
    data = data.sort_values(["best_pct_change", "patient_id"], ascending=[False, True], kind="mergesort")
    return data.drop(columns="os_event").reset_index(drop=True)


def _bars(ax, data: pd.DataFrame, low: float, high: float) -> None:
    x = np.arange(len(data))
    y = data["best_pct_change"].to_numpy(float)
    ax.bar(x, y, width=0.8, color=response_colours(data["response"]), edgecolor="none")
    step = 0.06 * (high - low)
    sign = np.where(y >= 0, 1.0, -1.0)
    new, died = data["new_lesion"].to_numpy(), data["death"].to_numpy()
    ax.scatter(x[new], y[new] + sign[new] * step, marker="*", s=14, color="black", linewidths=0, label="_new_lesion")
    ax.scatter(x[died], y[died] + sign[died] * step * (1 + new[died]), marker="x", s=10, color="black",
               linewidths=0.7, label="_death")
    ax.set_xlim(-0.7, max(len(data), 1) - 0.3)
    if len(data) <= MAX_ID_LABELS:
        ax.set_xticks(x, data["patient_id"], rotation=90, fontsize=SMALL_FONT_SIZE)
    else:
        ax.set_xticks([])


@styled
def waterfall(dataset: pd.DataFrame, visits: pd.DataFrame | None, plan: dict):
    data = waterfall_data(dataset, visits, plan)
    arms = arms_of(plan)
    panels = [(str(a), data[data["arm"] == str(a)]) for a in arms] if arms else [(None, data)]
    fig = new_figure("single" if not arms else "double", 75)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    y = data["best_pct_change"].to_numpy(float)
    low, high = min(y.min(initial=0.0), PR_THRESHOLD), max(y.max(initial=0.0), PD_THRESHOLD)
    step = 0.06 * (high - low)
    for ax, (arm, part) in zip(axes, panels, strict=True):
        ax.set_label("waterfall" if arm is None else f"waterfall:{arm}")
        if arm is not None:
            ax.set_title(arm, loc="left")
        ax.set_xlabel(f"Evaluable patients with measured target lesions (n = {len(part)})")
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
        _bars(ax, part, low, high)
    axes[0].set_ylabel("Best change in target-lesion sum (%)")
    axes[0].tick_params(axis="y", labelleft=True)
    present = [c for c in RESPONSE_ORDER if (data["response"] == c).any()]
    handles = [Patch(color=col, label=c) for c, col in zip(present, response_colours(present), strict=True)]
    if data["new_lesion"].any():
        handles.append(Line2D([], [], marker="*", color="black", linestyle="none", label="new lesion"))
    if data["death"].any():
        handles.append(Line2D([], [], marker="x", color="black", linestyle="none", label="died"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4 if not arms else 8))
    return fig
