"""Quality of life by arm: box plots of the EORTC QLQ-C30 0–100 scale scores and the summary score.

The questionnaire of each patient is chosen by the plan's rule (``qol.assessment``) and scored by the manual, as in
the ``qol`` table (:mod:`tkicohort.stats.qol_tables`). Two panels: global health status, functional scales and the
summary score (higher = better), then symptom scales (higher = more symptoms). Boxes: median and quartiles,
whiskers to the furthest value within 1.5 × IQR, points beyond; one box per arm, side by side. The Mann–Whitney p of
the ``qol`` table is printed above each scale.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..stats.qol import QLQ_C30_SCALES, SUMMARY_COLUMN, score_qlq_c30
from ..stats.qol_tables import select_assessment
from . import arms_of
from .style import (
    DOUBLE_COLUMN_MM,
    SMALL_FONT_SIZE,
    message,
    new_figure,
    p_text,
    series_colour,
    styled,
    wrap_text,
)

KIND = {s.column: s.kind for s in QLQ_C30_SCALES}
NAMES = {**{s.column: textwrap.fill(s.label, 13) for s in QLQ_C30_SCALES}, SUMMARY_COLUMN: "Summary\nscore"}
PANELS = (
    ("Global health status, functioning and summary score (higher = better)",
     [c for c in KIND if KIND[c] != "symptom"] + [SUMMARY_COLUMN]),
    ("Symptom scales (higher = more symptoms)", [c for c in KIND if KIND[c] == "symptom"]),
)


def qol_scores(qol: pd.DataFrame, dataset: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """One scored questionnaire per patient with the patient's arm."""
    spec = plan.get("qol", {})
    chosen = select_assessment(qol, spec.get("assessment", "last"), spec.get("day"))
    return score_qlq_c30(chosen).merge(dataset[["patient_id", "arm"]], on="patient_id", how="inner")


@styled
def qol_boxplots(qol: pd.DataFrame | None, dataset: pd.DataFrame, plan: dict, qol_table: pd.DataFrame | None = None):
    arms = arms_of(plan) or sorted(dataset["arm"].astype(str).unique())
    scores = qol_scores(qol, dataset, plan) if qol is not None and len(qol) else None
    p = qol_table.drop_duplicates("scale").set_index("scale")["p"] if qol_table is not None else pd.Series(dtype=float)
    fig = new_figure("double", 135)
    axes = fig.subplots(2, 1)
    width = 0.7 / len(arms)
    for ax, (title, scales) in zip(axes, PANELS, strict=True):
        ax.set_label("qol:" + ("symptom" if "Symptom" in title else "functional"))
        ax.set_title(title, loc="left")
        ax.set_ylabel("Score (0–100)")
        if scores is None:
            message(ax, "no quality-of-life questionnaires")
            continue
        for j, arm in enumerate(arms):
            values = [scores.loc[scores["arm"] == arm, s].dropna().to_numpy() for s in scales]
            keep = [i for i, v in enumerate(values) if len(v)]
            if not keep:
                continue
            positions = np.array(keep) + (j - (len(arms) - 1) / 2) * width
            boxes = ax.boxplot([values[i] for i in keep], positions=positions, widths=width * 0.85,
                               patch_artist=True, manage_ticks=False,
                               medianprops={"color": "black", "linewidth": 0.8},
                               whiskerprops={"linewidth": 0.6}, capprops={"linewidth": 0.6},
                               flierprops={"marker": "o", "markersize": 2, "markeredgewidth": 0.4})
            for box in boxes["boxes"]:
                box.set(facecolor=series_colour(j), alpha=0.6, linewidth=0.6)
            for line, i in zip(boxes["medians"], keep, strict=True):
                line.set_label(f"_median:{arm}:{scales[i]}")
        for i, s in enumerate(scales):
            if pd.notna(p.get(s, np.nan)):
                ax.text(i, 104, p_text(p[s]), ha="center", va="bottom", fontsize=SMALL_FONT_SIZE)
        ax.set_xticks(np.arange(len(scales)), [NAMES[s] for s in scales])
        ax.set_xlim(-0.6, len(scales) - 0.4)
        ax.set_ylim(-4, 112)
        ax.set_yticks([0, 25, 50, 75, 100])
    # arm labels side by side under the panels: each wrapped to its share of the width, less the key
    names = [wrap_text(str(a), DOUBLE_COLUMN_MM / len(arms) - 12, SMALL_FONT_SIZE) for a in arms]
    handles = [Patch(facecolor=series_colour(j), alpha=0.6, label=name) for j, name in enumerate(names)]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(arms))
    return fig
