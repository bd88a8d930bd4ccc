"""Kaplan–Meier curves of progression-free survival with a number-at-risk table.

Conventions: the product-limit estimate of :mod:`tkicohort.stats.kaplan_meier` drawn as a right-continuous step
from S(0) = 1; the pointwise 95 % band of the plan's transform (``tests.km_ci``) as a shaded step; a vertical tick
where patients are censored; a dotted line from S = 0.5 to the median when it is reached. The patients are those of
the PFS tables (``populations.pfs``). The number at risk at a time t counts patients whose PFS time is ≥ t
(``KaplanMeier.at``); its columns sit exactly under the x-axis ticks (the table shares the curve's x axis),
optionally with the cumulative number of events up to and including t in parentheses. Log-rank p and hazard ratios
are read from the stats-stage tables, never recomputed here.

Layout of a panel, top to bottom (as survminer's ``ggsurvplot`` with a risk table): title, legend (one entry per
group with its n, and the median when asked), curve, time axis, number-at-risk table. Everything is placed in
millimetres from measured text, so long labels wrap (titles, legend entries, axis labels) or shrink and are cut with
"…" (risk-table rows, one line each; the legend above carries the full label). The time ticks are the clinically
usual step (:func:`style.time_ticks`) with as many intervals (at most 8) as leave the widest number at risk and tick
label side by side with 1 mm between them.

The subgroup figure has one panel per plan subgroup, in plan order, in pages of at most :data:`PANELS_PER_PAGE`
panels (three columns, two rows on the 183 mm double column; one subgroup: one 89 mm column, two: two columns): page
p holds subgroups 6(p − 1) + 1 … 6p. Every page has the same panel width, margins, curve height and time ticks, so
panels can be compared across pages; titles, legends and risk tables take the height their page needs. When two
rows of panels would be taller than a page (:data:`style.PAGE_HEIGHT_MM`), the curves are made shorter, down to
:data:`MIN_CURVE_MM`; only beyond that is a page taller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..cohort_outputs import PANELS_PER_PAGE, subgroup_pages
from ..stats.kaplan_meier import KaplanMeier, kaplan_meier
from ..stats.render import fmt_estimate_ci
from ..stats.response import subgroup_levels
from ..stats.tables import TableInputs, make_table, survival_population, time_column
from . import arms_of, time_unit
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    MM_PER_POINT,
    OKABE_ITO,
    PAGE_HEIGHT_MM,
    SINGLE_COLUMN_MM,
    SMALL_FONT_SIZE,
    TITLE_FONT_SIZE,
    figure_point,
    fit_text,
    line_count,
    message,
    new_figure,
    p_text,
    place,
    series_colour,
    styled,
    text_height_mm,
    text_width_mm,
    time_ticks,
    wrap_text,
)

COLUMNS = 3
# millimetres: curve heights (single figure, subgroup panel, the least a crowded page may shrink a panel's curve to),
# a risk-table row, padding round a panel, the gap between its parts, the most of a panel's width the risk-table
# labels take, the room between numbers at risk (and tick labels) side by side, and the space under a panel
CURVE_MM, SUBGROUP_CURVE_MM, MIN_CURVE_MM = 55.0, 38.0, 25.0
ROW_MM, PAD_MM, GAP_MM, LABEL_SHARE, NUMBER_GAP_MM, BOTTOM_MM = 3.6, 1.0, 1.5, 0.3, 1.0, 3.0
# matplotlib's tick length and label pads (points) and the legend's key (line + pad) in font sizes
TICK_PT, TICK_PAD_PT, LABEL_PAD_PT, LEGEND_KEY_EM, LEGEND_PAD_EM = 3.5, 3.5, 4.0, 3.6, 0.4
MEDIAN_LINE = {"color": OKABE_ITO["grey"], "linestyle": ":", "linewidth": 0.7}
Y_TICKS = ([0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.50", "0.75", "1.00"])
Y_LABEL = "Progression-free survival"


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


def _risk_text(n: int, events: int, cumulative_events: bool) -> str:
    return f"{n} ({events})" if cumulative_events else f"{n}"


# ---------------------------------------------------------------- what a panel shows, and its geometry


@dataclass
class Panel:
    """The curves of one panel and its texts (not yet fitted)."""

    kms: list[KaplanMeier]
    labels: list[str]
    colours: list[str]
    title: str | None = None
    legend_title: str | None = None
    medians: bool = False


@dataclass
class Geometry:
    """Sizes (mm) shared by the panels of a figure, and the texts fitted to them."""

    width: float
    left: float  # from the panel's left edge to the axes
    axes_width: float
    curve: float
    ticks: np.ndarray
    risk_pad_mm: float  # from the axes' left edge to the right end of the risk-table labels
    y_label: tuple[str, float]
    x_label: tuple[str, float]
    title_mm: float
    legend_mm: float
    rows: int

    def height(self) -> float:
        return PAD_MM + self.header() + self.curve + self.axis_mm() + GAP_MM + self.table_mm() + BOTTOM_MM

    def header(self) -> float:
        return self.title_mm + self.legend_mm + GAP_MM

    def axis_mm(self) -> float:
        """Tick marks, tick labels and the x-axis label under the curve."""
        text, size = self.x_label
        return ((TICK_PT + TICK_PAD_PT + LABEL_PAD_PT) * MM_PER_POINT + text_height_mm(1, FONT_SIZE)
                + text_height_mm(line_count(text), size))

    def table_mm(self) -> float:
        return text_height_mm(1, SMALL_FONT_SIZE) + self.rows * ROW_MM


def _risk_labels(labels: list[str], width_mm: float) -> tuple[list[str], float]:
    """A panel's risk-table row labels on one line each: shrunk together to at least 5 pt, then cut with "…"."""
    size = min((fit_text(label, width_mm, SMALL_FONT_SIZE, max_lines=1)[1] for label in labels),
               default=SMALL_FONT_SIZE)
    return [fit_text(label, width_mm, size, max_lines=1, min_size=size, cut=True)[0] for label in labels], size


def _legend_texts(panel: Panel, text_mm: float) -> tuple[str | None, list[str]]:
    """The legend title and entries wrapped (at the legend's 6 pt) to the panel width less the legend's padding,
    entries also less the key."""
    text_mm -= 2 * LEGEND_PAD_EM * SMALL_FONT_SIZE * MM_PER_POINT
    title = None
    if panel.legend_title:
        title = "\n".join(wrap_text(line, text_mm, SMALL_FONT_SIZE) for line in panel.legend_title.split("\n"))
    entries = []
    for km, label in zip(panel.kms, panel.labels, strict=True):
        median = f": {fmt_estimate_ci(*km.median())}" if panel.medians and km.n else ""
        entries.append(wrap_text(f"{label} (n = {km.n}){median}",
                                 text_mm - LEGEND_KEY_EM * SMALL_FONT_SIZE * MM_PER_POINT, SMALL_FONT_SIZE))
    return title, entries


def _legend_mm(title: str | None, entries: list[str]) -> float:
    """Height of a frameless legend: its title and entries at matplotlib's spacing (0.5 font sizes apart)."""
    if not entries and not title:
        return 0.0
    lines = [line_count(e) for e in entries]
    space = 0.5 * SMALL_FONT_SIZE * MM_PER_POINT
    title_mm = text_height_mm(line_count(title), SMALL_FONT_SIZE) + space if title else 0.0
    return title_mm + sum(text_height_mm(n, SMALL_FONT_SIZE) for n in lines) + space * max(len(lines) - 1, 0) \
        + 2 * LEGEND_PAD_EM * SMALL_FONT_SIZE * MM_PER_POINT


def _ticks_that_fit(t_max: float, unit: str, axes_mm: float, widest_number_mm: float) -> np.ndarray:
    """Time ticks whose labels and numbers at risk stand side by side without touching (at most 8 intervals)."""
    for intervals in range(8, 0, -1):
        ticks = time_ticks(t_max, unit, intervals)
        label_mm = max(text_width_mm(f"{t:g}", FONT_SIZE) for t in ticks)
        if axes_mm / (len(ticks) - 1) >= max(label_mm, widest_number_mm) + NUMBER_GAP_MM:
            return ticks
    return ticks


def geometry(panels: list[Panel], width: float, curve: float, plan: dict, ticks=None,
             cumulative_events: bool = False, like: Geometry | None = None) -> Geometry:
    """One geometry for all ``panels`` of a figure (the same margins, ticks and heights on every panel); ``like``:
    take margins and ticks from another geometry (the other pages of a figure)."""
    n_max = max((km.n for p in panels for km in p.kms), default=0)
    widest_number = text_width_mm(_risk_text(n_max, n_max, cumulative_events), SMALL_FONT_SIZE)
    label_mm = max((max((text_width_mm(t, size) for t in texts), default=0.0)
                    for texts, size in (_risk_labels(p.labels, LABEL_SHARE * width) for p in panels)), default=0.0)
    risk_pad = widest_number / 2 + NUMBER_GAP_MM
    y_label = fit_text(Y_LABEL, curve, FONT_SIZE, max_lines=2)
    y_axis_mm = ((TICK_PT + TICK_PAD_PT + LABEL_PAD_PT) * MM_PER_POINT + text_width_mm("0.75", FONT_SIZE)
                 + text_height_mm(line_count(y_label[0]), y_label[1]))
    left = PAD_MM + max(y_axis_mm, label_mm + risk_pad)
    t_max = max((km.time[-1] for p in panels for km in p.kms if km.n), default=1.0)
    unit = time_unit(plan)
    # the last tick label and the last column of numbers reach half their width beyond the axes
    last_label = text_width_mm(f"{time_ticks(t_max, unit)[-1]:g}", FONT_SIZE)
    right = PAD_MM + max(widest_number, last_label) / 2
    axes_width = width - left - right
    if like is not None:
        left, axes_width, ticks = like.left, like.axes_width, like.ticks
    if ticks is None:
        ticks = _ticks_that_fit(t_max, unit, axes_width, widest_number)
    ticks = np.asarray(ticks, dtype=float)
    centre = left + axes_width / 2
    x_label = fit_text(f"Time since start of treatment ({unit})", 2 * min(centre, width - centre) - 2 * PAD_MM,
                       FONT_SIZE, max_lines=2)
    text_mm = width - 2 * PAD_MM
    title_mm = max((text_height_mm(line_count(t), s) + GAP_MM for t, s in
                    (fit_text(p.title, text_mm, TITLE_FONT_SIZE) for p in panels if p.title)), default=0.0)
    legend_mm = max((_legend_mm(*_legend_texts(p, text_mm)) for p in panels), default=0.0)
    rows = max((len(p.kms) for p in panels), default=1)
    return Geometry(width, left, axes_width, curve, ticks, risk_pad, y_label, x_label, title_mm, legend_mm, rows)


# ---------------------------------------------------------------- drawing


def risk_table(ax, kms: list[KaplanMeier], labels: list[str], colours: list[str], ticks,
               cumulative_events: bool = False, n_rows: int | None = None, label_pad_mm: float = 2.0) -> None:
    """Rows of numbers at risk under the ticks of the (shared) x axis; first group on top (the axes has room for
    ``n_rows`` rows, so that panels with fewer groups keep the same spacing)."""
    ax.set_label("risk_table")
    for row, (km, colour) in enumerate(zip(kms, colours, strict=True)):
        n_risk, events = at_risk(km, ticks)
        for t, n, e in zip(ticks, n_risk, events, strict=True):
            ax.text(t, -row, _risk_text(n, e, cumulative_events), ha="center", va="center", color=colour,
                    fontsize=SMALL_FONT_SIZE)
    rows = max(n_rows or 0, len(kms))
    ax.set_ylim(-rows + 0.5, 0.5)
    ax.set_yticks(-np.arange(len(kms)), labels)
    for tick_label, colour in zip(ax.get_yticklabels(), colours, strict=True):
        tick_label.set_color(colour)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    ax.tick_params(axis="y", length=0, pad=label_pad_mm / MM_PER_POINT)
    for spine in ax.spines.values():
        spine.set_visible(False)


def draw_panel(fig, panel: Panel, g: Geometry, left: float, top: float, band: bool = True,
               cumulative_events: bool = False):
    """A panel with its top-left corner at (``left``, ``top``) mm: title, legend, curve and risk table. Returns
    the curve axes."""
    text_mm = g.width - 2 * PAD_MM
    if panel.title:
        title, size = fit_text(panel.title, text_mm, TITLE_FONT_SIZE)
        fig.text(*figure_point(fig, left + PAD_MM, top + PAD_MM), title, ha="left", va="top", fontsize=size,
                 label="km_title")
    curve_top = top + PAD_MM + g.header()
    ax = fig.add_axes((0, 0, 1, 1), label="km")
    place(ax, left + g.left, curve_top, g.axes_width, g.curve)
    for km, label, colour in zip(panel.kms, panel.labels, panel.colours, strict=True):
        draw_curve(ax, km, colour, label, band)
    legend_title, entries = _legend_texts(panel, text_mm)
    if entries:
        # just above the curve (the header's spare room, when other panels need more, stays under the title)
        ax.legend([Line2D([], [], color=c) for c in panel.colours], entries, loc="lower left", title=legend_title,
                  title_fontsize=SMALL_FONT_SIZE, alignment="left", borderaxespad=0, borderpad=LEGEND_PAD_EM,
                  handlelength=2.0, handletextpad=0.8, bbox_transform=fig.transFigure,
                  bbox_to_anchor=figure_point(fig, left + PAD_MM, curve_top - GAP_MM))
    ax.set_xticks(g.ticks, [f"{t:g}" for t in g.ticks])
    ax.set_xlim(0, g.ticks[-1])
    ax.set_ylim(0, 1.02)
    ax.set_yticks(*Y_TICKS)
    ax.set_xlabel(g.x_label[0], fontsize=g.x_label[1], labelpad=LABEL_PAD_PT)
    ax.set_ylabel(g.y_label[0], fontsize=g.y_label[1], labelpad=LABEL_PAD_PT)
    table_top = curve_top + g.curve + g.axis_mm() + GAP_MM
    heading = "Number at risk (cumulative events)" if cumulative_events else "Number at risk"
    heading, size = fit_text(heading, text_mm, SMALL_FONT_SIZE, max_lines=1)
    fig.text(*figure_point(fig, left + PAD_MM, table_top), heading, ha="left", va="top", fontsize=size)
    table = fig.add_axes((0, 0, 1, 1), sharex=ax)
    place(table, left + g.left, table_top + text_height_mm(1, SMALL_FONT_SIZE), g.axes_width, g.rows * ROW_MM)
    labels, label_size = _risk_labels(panel.labels, LABEL_SHARE * g.width)
    risk_table(table, panel.kms, labels, panel.colours, g.ticks, cumulative_events, g.rows, g.risk_pad_mm)
    for tick in table.get_yticklabels():
        tick.set_fontsize(label_size)
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
        lines.append(f"HR not estimable: {treated['note'].iloc[0]}")
    return "\n".join(lines)


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
    title = "\n".join(filter(None, [_arm_text(pfs_by_arm, arms) if arms else None,
                                     f"Median PFS, {time_unit(plan)} (95 % CI):"]))
    panel = Panel([fit(g, plan) for _, g in groups], [str(name) for name, _ in groups],
                  [OKABE_ITO["black"]] if not arms else [series_colour(i) for i in range(len(arms))],
                  legend_title=title, medians=True)
    g = geometry([panel], SINGLE_COLUMN_MM, CURVE_MM, plan, ticks, cumulative_events)
    fig = new_figure("single", g.height(), layout=None)
    draw_panel(fig, panel, g, 0.0, 0.0, cumulative_events=cumulative_events)
    return fig


def subgroup_panels(dataset: pd.DataFrame, plan: dict, pfs_by_subgroup: pd.DataFrame | None) -> list[Panel]:
    """One panel per plan subgroup (its ``population`` filter applied), log-rank p from ``pfs_by_subgroup``."""
    data = survival_population(dataset, plan)
    panels = []
    for sg in plan.get("subgroups", []):
        frame, levels = subgroup_levels(data, sg)
        names = sg.get("labels") or {}
        label = sg.get("label", sg["variable"])
        rows = pfs_by_subgroup[(pfs_by_subgroup["subgroup"] == label)
                               & (pfs_by_subgroup.get("variable", sg["variable"]) == sg["variable"])]
        panels.append(Panel([fit(frame[frame[sg["variable"]] == lev], plan) for lev in levels],
                            [str(names.get(lev, lev)) for lev in levels],
                            [series_colour(j) for j in range(len(levels))], title=label,
                            legend_title=f"Log-rank {p_text(rows['logrank_p'].iloc[0])}" if len(rows) else None))
    return panels


@styled
def km_subgroups(dataset: pd.DataFrame, plan: dict, pfs_by_subgroup: pd.DataFrame | None = None, ticks=None,
                 page: int = 1):
    """Page ``page`` (1-based) of the subgroup panels (see the module docstring); log-rank p from the stats
    stage's ``pfs_by_subgroup`` table (made from the dataset when not given)."""
    pages = subgroup_pages(plan)
    if not 1 <= page <= pages:
        raise ValueError(f"the plan's subgroup figure has {pages} page(s), not a page {page}")
    if pfs_by_subgroup is None and plan.get("subgroups"):
        pfs_by_subgroup = make_table("pfs_by_subgroup", TableInputs(dataset), plan)
    panels = subgroup_panels(dataset, plan, pfs_by_subgroup)
    if not panels:
        fig = new_figure("single", 30)
        message(fig.add_subplot(label="km"), "the plan has no subgroups")
        return fig
    columns = min(COLUMNS, len(panels))
    width = SINGLE_COLUMN_MM if columns == 1 else DOUBLE_COLUMN_MM
    rows_per_page = -(-min(len(panels), PANELS_PER_PAGE) // columns)
    # ticks, margins and curve height of all pages; titles, legends and risk-table rows as this page needs
    every = geometry(panels, width / columns, SUBGROUP_CURVE_MM, plan, ticks)
    excess = rows_per_page * every.height() - PAGE_HEIGHT_MM
    if excess > 0:  # a crowded page: shorter curves, down to MIN_CURVE_MM
        every = geometry(panels, width / columns, max(MIN_CURVE_MM, every.curve - excess / rows_per_page), plan,
                         ticks)
    on_page = panels[(page - 1) * PANELS_PER_PAGE:page * PANELS_PER_PAGE]
    g = geometry(on_page, width / columns, every.curve, plan, like=every)
    fig = new_figure("single" if columns == 1 else "double", max(1, -(-len(on_page) // columns)) * g.height(),
                     layout=None)
    for i, panel in enumerate(on_page):
        draw_panel(fig, panel, g, (i % columns) * g.width, (i // columns) * g.height(), band=False)
    return fig
