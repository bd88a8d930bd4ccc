"""Forest plot of hazard ratios for progression or death.

Univariable rows come from ``pfs_by_subgroup.csv``: one block per subgroup headed by its log-rank p, one row per
level with n, events and HR (95 % CI) against the first level. The reference level is printed as "reference";
a level whose HR is not estimable keeps its row and shows the reason instead of a point. Multivariable rows come from
``cox_multivariable.csv`` when the plan has a multivariable model: one row per model term labelled "level vs
reference level", the model's n and events on the block's heading and the table's warning (e.g. few events per
variable) under the plot. A subgroup known only after treatment start (``post_baseline`` = 1 in the table) is marked
"†" and footnoted: its naive HR is biased by guarantee time, and the landmark and time-dependent analyses are in the
``pfs_post_baseline`` table. The HR axis is logarithmic with a line at 1 and every tick labelled with its number (the
1–2–5 series, or powers of ten when those labels would not fit side by side: :func:`style.log_ticks`); the axis
runs from tick to tick round the confidence limits (within 0.01–100), and limits beyond it end in an arrow.

Layout (millimetres, double column; :func:`draw_forest`, which the two-arm subgroup forest plot shares): label, n,
events, plot and HR columns. Labels wrap to at most three lines in a
column of at most 42 % of the width (shrinking to 5 pt only when they need more), notes in the HR column to two;
a row is as tall as its longest text. A figure that would be taller than a page gets denser rows (3.2 mm at 6 pt);
beyond that it grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.render import fmt_estimate_ci
from ..stats.survival_tables import POST_BASELINE_NOTE
from ..stats.tables import subgroup_specs
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    MM_PER_POINT,
    OKABE_ITO,
    PAGE_HEIGHT_MM,
    SMALL_FONT_SIZE,
    figure_point,
    fit_text,
    line_count,
    message,
    new_figure,
    p_text,
    place,
    ratio_axis,
    styled,
    text_height_mm,
    text_width_mm,
)

MIN_X, MAX_X = 0.01, 100.0
# millimetres: row pitch (normal and dense), indent of a level under its heading, gap between columns, padding
ROW_MM, DENSE_ROW_MM, INDENT_MM, GAP_MM, PAD_MM = 4.2, 3.2, 3.0, 2.0, 1.5
LABEL_SHARE, HR_MAX_MM, MIN_PLOT_MM = 0.42, 40.0, 45.0
COLUMNS = ["text", "n", "events", "hr", "hr_ci_low", "hr_ci_high", "hr_text", "kind"]
POST_BASELINE_MARK = "†"
POST_BASELINE_FOOTNOTE = ("† Known only after treatment start: the naive HR is biased in favour of the level reached "
                          "during follow-up (guarantee time); landmark and time-dependent analyses in "
                          "pfs_post_baseline.")
X_LABEL = "Hazard ratio for progression or death\n(log scale)"
TICK_PT, TICK_PAD_PT, LABEL_PAD_PT = 3.5, 3.5, 4.0  # matplotlib's tick length and pads (points)


def _hr_text(frame: pd.DataFrame, kind: np.ndarray) -> list[str]:
    estimates = [fmt_estimate_ci(h, lo, hi, 2) for h, lo, hi in
                 zip(frame["hr"], frame["hr_ci_low"], frame["hr_ci_high"], strict=True)]
    # post-baseline rows: the mark and the footnote say it
    notes = frame["note"].fillna("").astype(str).str.replace("; " + POST_BASELINE_NOTE, "", regex=False).map(
        lambda s: " ".join(s.split()) or "not estimable")
    return list(np.select([kind == "reference", kind == "estimate"], ["reference", estimates], notes))


def _numeric(t: pd.DataFrame, columns) -> pd.DataFrame:
    for col in columns:
        t[col] = pd.to_numeric(t[col], errors="coerce") if col in t else np.nan
    t["note"] = t["note"].fillna("").astype(str) if "note" in t else ""
    return t


def univariable_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in drawing order (columns :data:`COLUMNS`); ``kind`` is header, reference, estimate or
    not_estimable."""
    t = _numeric(table.reset_index(drop=True), ("hr", "hr_ci_low", "hr_ci_high"))
    t["order"] = np.arange(len(t), dtype=float)
    kind = np.select([t["note"].str.startswith("reference"), t["hr"].notna()], ["reference", "estimate"],
                     "not_estimable")
    label = t["label"] if "label" in t else t["level"]
    levels = t.assign(text=label.astype(str), kind=kind, hr_text=_hr_text(t, kind))
    post = pd.to_numeric(t.get("post_baseline", pd.Series(0, index=t.index)), errors="coerce").fillna(0) == 1
    t["heading"] = t["subgroup"].astype(str).where(~post, t["subgroup"].astype(str) + " " + POST_BASELINE_MARK)
    heads = t.drop_duplicates("subgroup").assign(
        text=lambda d: d["heading"], kind="header", n=np.nan, events=np.nan, hr=np.nan,
        hr_text=lambda d: "log-rank " + d["logrank_p"].map(p_text), order=lambda d: d["order"] - 0.5)
    rows = pd.concat([heads, levels], ignore_index=True).sort_values("order", kind="mergesort")
    return rows[COLUMNS].reset_index(drop=True)


def _term_label(term: str, variable: str, by_var: dict) -> str:
    """``Label: level vs reference`` from the plan's subgroup labels (a binary 0/1 term is level 1 vs 0); a term
    of a variable that is not a plan subgroup keeps its name."""
    sg = by_var.get(variable, {})
    names = {str(k): str(v) for k, v in (sg.get("labels") or {}).items()}
    levels = [str(v) for v in sg.get("levels") or []]
    label = sg.get("label", variable)
    if "==" in term:
        level, ref = term.split("==", 1)[1], levels[0] if levels else None
    elif set(levels) == {"0", "1"}:
        level, ref = "1", "0"
    else:
        return label
    return f"{label}: {names.get(level, level)}" + (f" vs {names.get(ref, ref)}" if ref else "")


def multivariable_rows(table: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """Heading (model n and events) and one row per model term, labelled with the plan's subgroup labels."""
    by_var = subgroup_specs(plan)
    t = _numeric(table.reset_index(drop=True), ("hr", "hr_ci_low", "hr_ci_high", "n", "events"))
    variables = t["variable"] if "variable" in t else t["term"].astype(str).str.split("==").str[0]
    labels = [_term_label(str(term), str(v), by_var) for term, v in zip(t["term"], variables, strict=True)]
    kind = np.where(t["hr"].notna(), "estimate", "not_estimable")
    rows = t.assign(text=labels, kind=kind, hr_text=_hr_text(t, kind), n=np.nan, events=np.nan)
    n, events = t["n"].max(), t["events"].max()
    counts = f" (n = {n:.0f}, {events:.0f} events)" if pd.notna(n) else ""
    head = pd.DataFrame({"text": [f"Multivariable Cox model{counts}"], "kind": ["header"], "hr_text": [""]})
    return pd.concat([head, rows[COLUMNS]], ignore_index=True).reindex(columns=COLUMNS)


def _x_range(est: pd.DataFrame) -> tuple[float, float]:
    """The data's span on the HR axis: the estimates and confidence limits with room round them, at least
    0.5–2, within 0.01–100."""
    finite = pd.concat([est["hr_ci_low"], est["hr_ci_high"], est["hr"]]).replace([np.inf, -np.inf], np.nan)
    finite = finite[finite > 0].dropna()
    x_min = np.clip(min(finite.min(), 0.5) / 1.3 if len(finite) else 0.25, MIN_X, 1.0)
    x_max = np.clip(max(finite.max(), 2.0) * 1.3 if len(finite) else 4.0, 1.0, MAX_X)
    return float(x_min), float(x_max)


def _fitted_rows(rows: pd.DataFrame, label_mm: float, hr_mm: float, size: float) -> pd.DataFrame:
    """Labels and HR texts wrapped to their columns, with each row's font size and number of lines."""
    labels = [fit_text(t, label_mm - (0 if h else INDENT_MM), size, max_lines=3, weight="bold" if b else "normal")
              for t, h, b in zip(rows["text"], rows["kind"].eq("header"), rows["bold"], strict=True)]
    hr = [fit_text(t, hr_mm, size - 1, max_lines=2) for t in rows["hr_text"]]
    lines = np.array([max(line_count(a), line_count(b)) for (a, _), (b, _) in zip(labels, hr, strict=True)])
    return rows.assign(label=[t for t, _ in labels], label_size=[s for _, s in labels], hr_label=[t for t, _ in hr],
                       hr_size=[s for _, s in hr], lines=lines)


def _counts_text(values: pd.Series) -> list[str]:
    return [f"{v:.0f}" if pd.notna(v) else "" for v in pd.to_numeric(values, errors="coerce")]


@styled
def forest(pfs_by_subgroup: pd.DataFrame, plan: dict, cox_multivariable: pd.DataFrame | None = None):
    rows = univariable_rows(pfs_by_subgroup) if len(pfs_by_subgroup) else pd.DataFrame(columns=COLUMNS)
    warning = ""
    if cox_multivariable is not None and len(cox_multivariable):
        rows = pd.concat([rows, multivariable_rows(cox_multivariable, plan)], ignore_index=True)
        if "warning" in cox_multivariable:
            warning = str(cox_multivariable["warning"].fillna("").iloc[0])
    if rows.empty:
        fig = new_figure("double", 30)
        message(fig.add_subplot(label="forest"), "the plan has no subgroups and no multivariable model")
        return fig
    rows = rows.assign(n_text=_counts_text(rows["n"]), events_text=_counts_text(rows["events"]),
                       bold=rows["kind"].eq("header"))
    notes = [POST_BASELINE_FOOTNOTE] if rows["text"].str.endswith(POST_BASELINE_MARK).any() else []
    notes += [f"Multivariable model: {warning}"] if warning else []
    return draw_forest(rows, X_LABEL, note=" ".join(notes))


@styled
def draw_forest(rows: pd.DataFrame, x_label: str, note: str = "", counts_note: str | None = None,
                favours: tuple[str, str] | None = None):
    """A forest plot of ``rows`` (columns text, kind — header, estimate, reference or not_estimable —, bold,
    n_text, events_text, hr, hr_ci_low, hr_ci_high, hr_text), laid out as the module docstring says. ``note``:
    printed under the plot; ``counts_note``: a line under the n and Events headings (e.g. what "a / b" means);
    ``favours``: the arms favoured left and right of 1, printed over the plot. Returns the figure."""
    rows = rows.reset_index(drop=True)
    width = DOUBLE_COLUMN_MM
    size, pitch = FONT_SIZE, ROW_MM
    note_text, note_size = fit_text(note, width - 2 * PAD_MM, SMALL_FONT_SIZE, max_lines=3)
    note_mm = text_height_mm(line_count(note_text), note_size) + GAP_MM if note else 0.0
    if 2 * PAD_MM + 2 * ROW_MM + _axis_mm(2, size) + note_mm + ROW_MM * len(rows) > PAGE_HEIGHT_MM:
        size, pitch = SMALL_FONT_SIZE, DENSE_ROW_MM
    # column widths from the texts
    n_mm = max([text_width_mm("n", size, "bold")] + [text_width_mm(t, size) for t in rows["n_text"]])
    events_mm = max([text_width_mm("Events", size, "bold")] + [text_width_mm(t, size) for t in rows["events_text"]])
    if counts_note:  # the note spans both count columns
        events_mm = max(events_mm, text_width_mm(counts_note, size - 1) - n_mm - GAP_MM)
    hr_mm = min(HR_MAX_MM, max([text_width_mm("HR (95 % CI)", size, "bold")]
                               + [text_width_mm(t, size - 1) for t in rows["hr_text"]]))
    longest = max(text_width_mm(t, size, "bold" if b else "normal") + (0 if k == "header" else INDENT_MM)
                  for t, k, b in zip(rows["text"], rows["kind"], rows["bold"], strict=True))
    label_mm = min(LABEL_SHARE * width, longest)
    plot_mm = width - 2 * PAD_MM - label_mm - n_mm - events_mm - hr_mm - 4 * GAP_MM
    if plot_mm < MIN_PLOT_MM:  # very long texts: narrower label column (its labels wrap to more lines)
        label_mm -= MIN_PLOT_MM - plot_mm
        plot_mm = MIN_PLOT_MM
    rows = _fitted_rows(rows, label_mm, hr_mm, size)
    sides = [fit_text(f, plot_mm / 2 - 1, size - 1, max_lines=3) for f in favours] if favours else []
    head_mm = max([pitch, 2 * text_height_mm(1, size) if counts_note else 0.0]
                  + [text_height_mm(line_count(t), s) + 1 for t, s in sides])
    heights = pitch + (rows["lines"].to_numpy() - 1) * text_height_mm(1, size)
    table_mm = head_mm + heights.sum()  # the column headings, then the rows
    centres = head_mm + np.cumsum(heights) - heights / 2
    label, label_size = fit_text(x_label, plot_mm + GAP_MM, size, max_lines=4)
    fig = new_figure("double", 2 * PAD_MM + table_mm + _axis_mm(line_count(label), label_size) + note_mm, layout=None)

    x = np.cumsum([PAD_MM, label_mm + GAP_MM, n_mm + GAP_MM, events_mm + GAP_MM, plot_mm + GAP_MM])
    columns = {}
    for name, left, col_mm in (("forest_labels", x[0], label_mm), ("forest_counts", x[1], n_mm + GAP_MM + events_mm),
                               ("forest", x[3], plot_mm), ("forest_hr", x[4], hr_mm)):
        a = fig.add_axes((0, 0, 1, 1), label=name)
        place(a, left, PAD_MM, col_mm, table_mm)
        a.set_ylim(table_mm, 0)  # millimetres from the top of the table
        columns[name] = a
    ax_text, ax_counts, ax, ax_hr = columns.values()
    for a in (ax_text, ax_counts, ax_hr):
        a.set_xlim(0, 1)
        a.axis("off")
    n_x, e_x = n_mm / (n_mm + GAP_MM + events_mm), 1.0
    for yi, r in zip(centres, rows.itertuples(), strict=True):
        ax_text.text(0.0 if r.kind == "header" else INDENT_MM / label_mm, yi, r.label, va="center",
                     fontsize=r.label_size, fontweight="bold" if r.bold else "normal")
        ax_counts.text(n_x, yi, r.n_text, va="center", ha="right", fontsize=size)
        ax_counts.text(e_x, yi, r.events_text, va="center", ha="right", fontsize=size)
        ax_hr.text(0.0, yi, r.hr_label, va="center", fontsize=r.hr_size)
    heading_y = text_height_mm(1, size) / 2 if counts_note else head_mm / 2
    for a, xh, text, ha in ((ax_counts, n_x, "n", "right"), (ax_counts, e_x, "Events", "right"),
                            (ax_hr, 0.0, "HR (95 % CI)", "left")):
        a.text(xh, heading_y, text, va="center", ha=ha, fontweight="bold", fontsize=size)
    if counts_note:
        ax_counts.text(1.0, 1.5 * text_height_mm(1, size), counts_note, va="center", ha="right", fontsize=size - 1)

    est = rows[rows["kind"] == "estimate"]
    ey = centres[est.index.to_numpy()]
    x_min, x_max = ratio_axis(ax, *_x_range(est), plot_mm, size)
    low, high = est["hr_ci_low"].fillna(x_min).to_numpy(float), est["hr_ci_high"].fillna(x_max).to_numpy(float)
    ax.hlines(ey, np.clip(low, x_min, x_max), np.clip(high, x_min, x_max), color="black", linewidth=0.8)
    ax.plot(est["hr"].clip(x_min, x_max), ey, linestyle="none", marker="s", markersize=3.5, color=OKABE_ITO["blue"],
            label="_estimates")
    for beyond, edge, marker in ((low < x_min, x_min, "<"), (high > x_max, x_max, ">")):
        if beyond.any():
            ax.plot(np.full(beyond.sum(), edge), ey[beyond], linestyle="none", marker=marker, markersize=3,
                    color="black", clip_on=False)
    for (text, side_size), at, ha in zip(sides, (x_min, x_max)[:len(sides)], ("left", "right")[:len(sides)],
                                         strict=True):
        ax.text(at, 0.5, text, ha=ha, va="top", fontsize=side_size)
    ax.set_xlabel(label, fontsize=label_size, labelpad=LABEL_PAD_PT)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.spines["left"].set_visible(False)
    if note:
        fig.text(*figure_point(fig, PAD_MM, fig.get_size_inches()[1] * 25.4 - PAD_MM), note_text, ha="left",
                 va="bottom", fontsize=note_size)
    return fig


def _axis_mm(label_lines: int, label_size: float) -> float:
    """Height under the plot: tick marks, tick labels and an axis label of ``label_lines`` lines."""
    return ((TICK_PT + TICK_PAD_PT + LABEL_PAD_PT) * MM_PER_POINT + text_height_mm(1, FONT_SIZE)
            + text_height_mm(label_lines, label_size))
