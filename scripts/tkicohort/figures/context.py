"""A cohort beside the published trials and real-world studies (from ``tables/context.csv``,
:mod:`tkicohort.stats.context`): median PFS (months) across, response rate (%) up.

- each study of the literature file that prints both a median PFS and a response rate is one point: a circle for a
  trial, a square for a real-world study (as the review calls it), dark blue for sorafenib (alone or in a
  combination), grey for other agents, the area proportional to the number of patients; a study printed in two of
  the review's tables (the same ``study`` key) is drawn once, from its last row;
- the cohort is a vermillion diamond (a second arm a purple triangle) with its 95 % CIs as error bars (an interval
  not reached runs to the axis' end), named in the legend; a cohort without PFS or response is named in a note
  instead;
- the response is the objective response rate where known and otherwise the partial response rate (the table's
  ``response_measure``), which the axis label says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from .style import OKABE_ITO, SMALL_FONT_SIZE, new_figure, styled

SORAFENIB, OTHER = OKABE_ITO["blue"], OKABE_ITO["grey"]
#: The cohort's arms: colour and marker, in the table's order (the reference arm first).
COHORT = ((OKABE_ITO["vermillion"], "D"), (OKABE_ITO["reddish_purple"], "^"))
MARKERS = {"trial": "o", "real-world": "s"}


def _studies(table: pd.DataFrame) -> pd.DataFrame:
    lit = table[table["source"] == "literature"].copy()
    key = lit["study"].fillna("").astype(str)
    last = ~key.duplicated(keep="last") | (key == "")
    lit = lit[last]
    return lit.dropna(subset=["pfs_median_months", "response_pct"])


def _size(n) -> float:
    return 6.0 + 1.6 * float(np.sqrt(max(float(n), 1.0)))


@styled
def context_figure(table: pd.DataFrame, plan: dict):
    fig = new_figure("double", 95.0)
    ax = fig.add_subplot()
    lit = _studies(table)
    for _, r in lit.iterrows():
        sorafenib = "sorafenib" in str(r["agent"])
        ax.scatter(r["pfs_median_months"], r["response_pct"], s=_size(r["n"]) ** 2 / 6,
                   marker=MARKERS.get(r["setting"], "o"), facecolor=SORAFENIB if sorafenib else OTHER,
                   edgecolor="white", linewidth=0.4, alpha=0.85, zorder=2)
    own = table[table["source"] == "cohort"]
    top_x = max([12.0, *lit["pfs_median_months"], *own["pfs_median_months"].dropna(),
                 *own["pfs_ci_low"].dropna()]) * 1.12
    shown = own.dropna(subset=["pfs_median_months", "response_pct"])
    arms = []
    for k, (_, r) in enumerate(shown.iterrows()):
        colour, marker = COHORT[k % len(COHORT)]
        x, y = r["pfs_median_months"], r["response_pct"]
        lo_x = x - r["pfs_ci_low"] if pd.notna(r["pfs_ci_low"]) else 0.0
        hi_x = (r["pfs_ci_high"] if pd.notna(r["pfs_ci_high"]) else top_x) - x
        lo_y = y - r["response_ci_low"] if pd.notna(r["response_ci_low"]) else 0.0
        hi_y = r["response_ci_high"] - y if pd.notna(r["response_ci_high"]) else 0.0
        ax.errorbar([x], [y], xerr=[[max(lo_x, 0.0)], [max(hi_x, 0.0)]], yerr=[[max(lo_y, 0.0)], [max(hi_y, 0.0)]],
                    fmt=marker, color=colour, markersize=6, elinewidth=0.8, capsize=2, zorder=4)
        arms.append(Line2D([], [], marker=marker, linestyle="", color=colour, label=f"{r['label']} (95% CI)"))
    missing = own[~own.index.isin(shown.index)]
    if len(missing):
        names = "; ".join(f"{r['label']}: {r['note'] or 'no median PFS or response'}" for _, r in missing.iterrows())
        ax.text(0.01, 0.99, names, transform=ax.transAxes, va="top", fontsize=SMALL_FONT_SIZE, color=COHORT[0][0],
                wrap=True)
    ax.set_xlim(0, top_x)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Median progression-free survival (months)")
    ax.set_ylabel("Response rate (%): ORR, or PR where a study gives only PR")
    handles = [Line2D([], [], marker="o", linestyle="", color=SORAFENIB, label="sorafenib, trial"),
               Line2D([], [], marker="s", linestyle="", color=SORAFENIB, label="sorafenib, real-world"),
               Line2D([], [], marker="o", linestyle="", color=OTHER, label="other agents, trial"),
               Line2D([], [], marker="s", linestyle="", color=OTHER, label="other agents, real-world"), *arms]
    ax.legend(handles=handles, loc="upper right", ncol=1)
    sources = sorted({str(s).split(", Table")[0] for s in lit["reference"]})
    ax.set_title(f"Beside published studies ({len(lit)} studies from {', '.join(sources) or 'no literature'}; "
                 "marker area ∝ patients)", loc="left")
    return fig
