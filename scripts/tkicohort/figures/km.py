"""Kaplan–Meier curves of progression-free survival with a number-at-risk table.

Conventions: the product-limit estimate of :mod:`tkicohort.stats.kaplan_meier` drawn as a right-continuous step
from S(0) = 1; the pointwise 95 % band of the plan's transform (``tests.km_ci``) as a shaded step; a vertical tick
where patients are censored; a dotted line from S = 0.5 to the median when it is reached. The patients are those of
the PFS tables (``populations.pfs``). The number at risk at a time t counts patients whose PFS time is ≥ t
(``KaplanMeier.at``); its columns sit exactly under the x-axis ticks (the table shares the curve's x axis),
optionally with the cumulative number of events up to and including t in parentheses. Log-rank p and hazard ratios
are read from the stats-stage tables, never recomputed here.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ..stats.kaplan_meier import KaplanMeier, kaplan_meier
from ..stats.render import fmt_estimate_ci
from ..stats.response import subgroup_levels
from ..stats.tables import TableInputs, make_table, survival_population, time_column
from . import arms_of, time_unit
from .style import OKABE_ITO, SMALL_FONT_SIZE, new_figure, p_text, series_colour, styled, time_ticks

# heights (mm) of a curve, of each risk-table row (plus its heading), and of axis labels and titles
CURVE_MM, SUBGROUP_CURVE_MM, ROW_MM, TABLE_HEAD_MM, LABELS_MM = 55.0, 38.0, 4.0, 4.0, 20.0
MEDIAN_LINE = {"color": OKABE_ITO["grey"], "linestyle": ":", "linewidth": 0.7}


def fit(frame: pd.DataFrame, plan: dict) -> KaplanMeier:
    """The curve of the PFS times the survival tables analyse (the dataset's column in the plan's unit)."""
    time = time_column(plan)
    ok = frame[time].notna() & frame["pfs_event"].notna()
    return kaplan_meier(frame.loc[ok, time], frame.loc[ok, "pfs_event"], plan.get("tests", {}).get("km_ci", "log-log"))


def draw_curve(ax, km: KaplanMeier, colour: str, label: str, band: bool = True) -> None:
    if km.n == 0:
        return
    x = np.concatenate([[0.0], km.time])
    ax.step(x, np.concatenate([[1.0], km.surv]), where="post", color=colour, label=label)
    if band:
        # the band is undefined (NaN) while S = 1: it is the single point 1 there
        lower = np.where(np.isnan(km.lower) & (km.surv == 1), 1.0, km.lower)
        upper = np.where(np.isnan(km.upper) & (km.surv == 1), 1.0, km.upper)
        ax.fill_between(x, np.concatenate([[1.0], lower]), np.concatenate([[1.0], upper]), step="post",
                        color=colour, alpha=0.15, linewidth=0)
    censored = km.n_censor > 0
    if censored.any():
        ax.plot(km.time[censored], km.surv[censored], linestyle="none", marker="|", markersize=4, color=colour,
                clip_on=False)
    median = km.median()[0]
    if np.isfinite(median):
        ax.plot([0, median, median], [0.5, 0.5, 0], **MEDIAN_LINE)


def at_risk(km: KaplanMeier, ticks) -> tuple[np.ndarray, np.ndarray]:
    """Number at risk at each tick and cumulative events up to and including it."""
    ticks = np.asarray(ticks, dtype=float)
    if km.n == 0:
        return np.zeros(len(ticks), int), np.zeros(len(ticks), int)
    n_risk = km.at(ticks)["n_risk"].to_numpy()
    cum_events = np.concatenate([[0], np.cumsum(km.n_event)])[np.searchsorted(km.time, ticks, side="right")]
    return n_risk, cum_events


def risk_table(ax, kms: list[KaplanMeier], labels: list[str], colours: list[str], ticks,
               cumulative_events: bool = False, n_rows: int | None = None) -> None:
    """Rows of numbers at risk under the ticks of the (shared) x axis; first group on top (the axes has room for
    ``n_rows`` rows, so that panels with fewer groups keep the same spacing)."""
    ax.set_label("risk_table")
    for row, (km, colour) in enumerate(zip(kms, colours, strict=True)):
        n_risk, events = at_risk(km, ticks)
        for t, n, e in zip(ticks, n_risk, events, strict=True):
            ax.text(t, -row, f"{n} ({e})" if cumulative_events else str(n), ha="center", va="center",
                    fontsize=SMALL_FONT_SIZE, color=colour)
    ax.set_ylim(-max(n_rows or 0, len(kms)) + 0.5, 0.5)
    ax.set_yticks(-np.arange(len(kms)), labels, fontsize=SMALL_FONT_SIZE)
    for tick, colour in zip(ax.get_yticklabels(), colours, strict=True):
        tick.set_color(colour)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    ax.tick_params(axis="y", length=0, pad=8)
    for spine in ax.spines.values():
        spine.set_visible(False)
    title = "Number at risk (cumulative events)" if cumulative_events else "Number at risk"
    ax.set_title(title, loc="left", fontsize=SMALL_FONT_SIZE, pad=2)


def _panel(fig, spec, kms, labels, colours, ticks, plan, band=True, cumulative_events=False, medians=False,
           legend_title=None, curve_mm=CURVE_MM, n_rows=None):
    """A curve axes over its risk table; the legend names each group with its n (and median), under
    ``legend_title``. Returns the curve axes."""
    n_rows = max(n_rows or 0, len(kms))
    inner = spec.subgridspec(2, 1, height_ratios=[curve_mm, ROW_MM * n_rows], hspace=0.02)
    ax = fig.add_subplot(inner[0])
    table = fig.add_subplot(inner[1], sharex=ax)
    ax.set_label("km")
    for km, label, colour in zip(kms, labels, colours, strict=True):
        median = f": {fmt_estimate_ci(*km.median())}" if medians and km.n else ""
        draw_curve(ax, km, colour, f"{label} (n = {km.n}){median}", band)
    ax.set_xticks(ticks)
    ax.set_xlim(0, ticks[-1])
    ax.set_ylim(0, 1.02)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.50", "0.75", "1.00"])
    ax.set_xlabel(f"Time since start of treatment ({time_unit(plan)})")
    ax.set_ylabel("Progression-free survival")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", title=legend_title, title_fontsize=SMALL_FONT_SIZE, alignment="left", frameon=True,
                  facecolor="white", edgecolor="none", framealpha=0.85)
    risk_table(table, kms, labels, colours, ticks, cumulative_events, n_rows)
    return ax


def _arm_text(pfs_by_arm: pd.DataFrame | None, arms: list[str]) -> str | None:
    """Log-rank p and the treatment arm's HR (95 % CI) against the reference arm, from ``pfs_by_arm``."""
    if pfs_by_arm is None or pfs_by_arm.empty:
        return None
    treated = pfs_by_arm[pfs_by_arm["level"].astype(str) == str(arms[1])]
    lines = [f"Log-rank {p_text(pfs_by_arm['logrank_p'].iloc[0])}"]
    if len(treated) and pd.notna(treated["hr"].iloc[0]):
        r = treated.iloc[0]
        lines.append(f"HR {arms[1]} vs {arms[0]}: {fmt_estimate_ci(r['hr'], r['hr_ci_low'], r['hr_ci_high'], 2)}")
    elif len(treated):
        lines.append(textwrap.fill(f"HR not estimable: {treated['note'].iloc[0]}", 45))
    return "\n".join(lines)


def _ticks(kms: list[KaplanMeier], plan: dict):
    return time_ticks(max((km.time[-1] for km in kms if km.n), default=1.0), time_unit(plan))


@styled
def km_pfs(dataset: pd.DataFrame, plan: dict, pfs_by_arm: pd.DataFrame | None = None, ticks=None,
           cumulative_events: bool = False):
    """PFS of all patients (single arm) or by arm with log-rank p and HR (95 % CI) (two arms; the stats stage's
    ``pfs_by_arm`` table, made from the dataset when not given)."""
    arms = arms_of(plan)
    if arms and pfs_by_arm is None:
        pfs_by_arm = make_table("pfs_by_arm", TableInputs(dataset), plan)
    data = survival_population(dataset, plan)
    groups = [(a, data[data["arm"].astype(str) == str(a)]) for a in arms] if arms else [("All patients", data)]
    kms = [fit(g, plan) for _, g in groups]
    labels = [str(name) for name, _ in groups]
    colours = [OKABE_ITO["black"]] if not arms else [series_colour(i) for i in range(len(arms))]
    ticks = _ticks(kms, plan) if ticks is None else np.asarray(ticks, dtype=float)
    fig = new_figure("single", CURVE_MM + TABLE_HEAD_MM + ROW_MM * len(kms) + LABELS_MM)
    title = "\n".join(filter(None, [_arm_text(pfs_by_arm, arms) if arms else None,
                                     f"Median PFS, {time_unit(plan)} (95 % CI):"]))
    _panel(fig, fig.add_gridspec(1, 1)[0], kms, labels, colours, ticks, plan, cumulative_events=cumulative_events,
           medians=True, legend_title=title)
    return fig


@styled
def km_subgroups(dataset: pd.DataFrame, plan: dict, pfs_by_subgroup: pd.DataFrame | None = None, ticks=None):
    """One panel per plan subgroup (its ``population`` filter applied), log-rank p from the stats stage's
    ``pfs_by_subgroup`` table (made from the dataset when not given)."""
    subgroups = plan.get("subgroups", [])
    if pfs_by_subgroup is None and subgroups:
        pfs_by_subgroup = make_table("pfs_by_subgroup", TableInputs(dataset), plan)
    data = survival_population(dataset, plan)
    ncols = max(1, min(3, len(subgroups)))
    nrows = max(1, -(-len(subgroups) // ncols))
    panels = []
    for sg in subgroups:
        frame, levels = subgroup_levels(data, sg)
        names = sg.get("labels") or {}
        kms = [fit(frame[frame[sg["variable"]] == lev], plan) for lev in levels]
        panels.append((sg, kms, [str(names.get(lev, lev)) for lev in levels]))
    if ticks is None:
        ticks = _ticks([km for _, kms, _ in panels for km in kms], plan)
    titles = [textwrap.wrap(sg.get("label", sg["variable"]), 40) for sg, _, _ in panels]
    title_lines = max((len(t) for t in titles), default=1)
    most_levels = max((len(kms) for _, kms, _ in panels), default=1)
    panel_mm = SUBGROUP_CURVE_MM + TABLE_HEAD_MM + ROW_MM * most_levels + LABELS_MM + 3.5 * title_lines
    fig = new_figure("double", nrows * panel_mm)
    outer = fig.add_gridspec(nrows, ncols)
    for i, ((sg, kms, labels), title) in enumerate(zip(panels, titles, strict=True)):
        label = sg.get("label", sg["variable"])
        rows = pfs_by_subgroup[(pfs_by_subgroup["subgroup"] == label)
                               & (pfs_by_subgroup.get("variable", sg["variable"]) == sg["variable"])]
        legend_title = f"Log-rank {p_text(rows['logrank_p'].iloc[0])}" if len(rows) else None
        ax = _panel(fig, outer[i // ncols, i % ncols], kms, labels, [series_colour(j) for j in range(len(kms))],
                    ticks, plan, band=False, legend_title=legend_title, curve_mm=SUBGROUP_CURVE_MM,
                    n_rows=most_levels)
        # pad titles to the same number of lines so that the panels of a row line up
        ax.set_title("\n".join(title + [""] * (title_lines - len(title))), loc="left")
    return fig
