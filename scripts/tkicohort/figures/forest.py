"""Forest plot of hazard ratios for progression or death.

Univariable rows come from ``pfs_by_subgroup.csv``: one block per subgroup headed by its log-rank p, one row per
level with n, events and HR (95 % CI) against the first level. The reference level is printed as "reference";
a level whose HR is not estimable keeps its row and shows the reason instead of a point. Multivariable rows come from
``cox_multivariable.csv`` when the plan has a multivariable model: one row per model term labelled "level vs
reference level", the model's n and events on the block's heading and the table's warning (e.g. few events per
variable) under the plot. A subgroup known only after treatment start (``post_baseline`` = 1 in the table) is marked
"†" and footnoted: its naive HR is biased by guarantee time, and the landmark and time-dependent analyses are in the
``pfs_post_baseline`` table. The HR axis is logarithmic with a line at 1; confidence limits beyond the axis end in an
arrow. Column widths follow the longest label, so no text overlaps another column.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..stats.render import fmt_estimate_ci
from ..stats.survival_tables import POST_BASELINE_NOTE
from ..stats.tables import subgroup_specs
from .style import (
    DOUBLE_COLUMN_MM,
    OKABE_ITO,
    REFERENCE_LINE,
    SMALL_FONT_SIZE,
    new_figure,
    p_text,
    styled,
)

ROW_MM, MIN_X, MAX_X = 4.2, 0.01, 100.0
CHAR_MM, SMALL_CHAR_MM = 1.45, 1.2  # generous widths of a character at 7 pt (bold) and 6 pt
COLUMNS = ["text", "n", "events", "hr", "hr_ci_low", "hr_ci_high", "hr_text", "kind"]
POST_BASELINE_MARK = "†"
POST_BASELINE_FOOTNOTE = ("† Known only after treatment start: the naive HR is biased in favour of the level reached "
                          "during follow-up (guarantee time); landmark and time-dependent analyses in "
                          "pfs_post_baseline.")


def _hr_text(frame: pd.DataFrame, kind: np.ndarray) -> list[str]:
    estimates = [fmt_estimate_ci(h, lo, hi, 2) for h, lo, hi in
                 zip(frame["hr"], frame["hr_ci_low"], frame["hr_ci_high"], strict=True)]
    notes = frame["note"].fillna("").astype(str).str.replace("; " + POST_BASELINE_NOTE, "", regex=False).map(
        lambda s: textwrap.shorten(s, 40) or "not estimable")  # post-baseline rows: the mark and footnote say it
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
    levels = t.assign(text="   " + label.astype(str), kind=kind, hr_text=_hr_text(t, kind))
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
    rows = t.assign(text=["   " + s for s in labels], kind=kind, hr_text=_hr_text(t, kind), n=np.nan, events=np.nan)
    n, events = t["n"].max(), t["events"].max()
    counts = f" (n = {n:.0f}, {events:.0f} events)" if pd.notna(n) else ""
    head = pd.DataFrame({"text": [f"Multivariable Cox model{counts}"], "kind": ["header"], "hr_text": [""]})
    return pd.concat([head, rows[COLUMNS]], ignore_index=True).reindex(columns=COLUMNS)


def _x_range(est: pd.DataFrame) -> tuple[float, float]:
    finite = pd.concat([est["hr_ci_low"], est["hr_ci_high"], est["hr"]]).replace([np.inf, -np.inf], np.nan)
    finite = finite[finite > 0].dropna()
    x_min = np.clip(min(finite.min(), 0.5) / 1.3 if len(finite) else 0.25, MIN_X, 1.0)
    x_max = np.clip(max(finite.max(), 2.0) * 1.3 if len(finite) else 4.0, 1.0, MAX_X)
    return float(x_min), float(x_max)


@styled
def forest(pfs_by_subgroup: pd.DataFrame, plan: dict, cox_multivariable: pd.DataFrame | None = None):
    rows = univariable_rows(pfs_by_subgroup)
    warning = ""
    if cox_multivariable is not None and len(cox_multivariable):
        rows = pd.concat([rows, multivariable_rows(cox_multivariable, plan)], ignore_index=True)
        if "warning" in cox_multivariable:
            warning = str(cox_multivariable["warning"].fillna("").iloc[0])
    footnotes = [POST_BASELINE_FOOTNOTE] if rows["text"].str.endswith(POST_BASELINE_MARK).any() else []
    if warning:
        footnotes.append(f"Multivariable model: {warning}")
    y = -np.arange(len(rows), dtype=float)
    label_mm = min(rows["text"].str.len().max() * CHAR_MM, 80.0)
    hr_mm = min(max(rows["hr_text"].str.len().max(), 14) * SMALL_CHAR_MM, 50.0)
    counts_mm = 24.0  # room for the bold "Events" header right of the n column
    plot_mm = max(DOUBLE_COLUMN_MM - 12 - label_mm - hr_mm - counts_mm, 40.0)
    fig = new_figure("double", 24 + ROW_MM * len(rows) + 6 * len(footnotes))
    grid = fig.add_gridspec(1, 4, width_ratios=[label_mm, counts_mm, plot_mm, hr_mm], wspace=0.0)
    ax_text, ax_counts, ax, ax_hr = (fig.add_subplot(grid[i]) for i in range(4))
    for a, label in ((ax_text, "forest_labels"), (ax_counts, "forest_counts"), (ax, "forest"), (ax_hr, "forest_hr")):
        a.set_label(label)
        a.set_ylim(y.min() - 0.7, 1.7)
    header = rows["kind"].eq("header").to_numpy()
    for yi, text, n, e, hr_text, head in zip(y, rows["text"], rows["n"], rows["events"], rows["hr_text"], header,
                                              strict=True):
        # texts of the column axes stay out of the layout: the column widths are set from the text lengths
        ax_text.text(0.0, yi, text, va="center", fontweight="bold" if head else "normal", in_layout=False)
        if pd.notna(n):
            ax_counts.text(0.3, yi, f"{n:.0f}", va="center", ha="right", in_layout=False)
            ax_counts.text(0.95, yi, f"{e:.0f}", va="center", ha="right", in_layout=False)
        ax_hr.text(0.05, yi, hr_text, va="center", fontsize=SMALL_FONT_SIZE, in_layout=False)
    for a, x, text, ha in ((ax_counts, 0.3, "n", "right"), (ax_counts, 0.95, "Events", "right"),
                           (ax_hr, 0.05, "HR (95 % CI)", "left")):
        a.text(x, 1.0, text, va="center", ha=ha, fontweight="bold", in_layout=False)
    for a in (ax_text, ax_counts, ax_hr):
        a.set_xlim(0, 1)
        a.axis("off")

    est = rows[rows["kind"] == "estimate"]
    ey = y[est.index.to_numpy()]
    x_min, x_max = _x_range(est)
    low, high = est["hr_ci_low"].fillna(x_min).to_numpy(float), est["hr_ci_high"].fillna(x_max).to_numpy(float)
    ax.hlines(ey, np.clip(low, x_min, x_max), np.clip(high, x_min, x_max), color="black", linewidth=0.8)
    ax.plot(est["hr"].clip(x_min, x_max), ey, linestyle="none", marker="s", markersize=3.5, color=OKABE_ITO["blue"])
    for beyond, edge, marker in ((low < x_min, x_min, "<"), (high > x_max, x_max, ">")):
        if beyond.any():
            ax.plot(np.full(beyond.sum(), edge), ey[beyond], linestyle="none", marker=marker, markersize=3,
                    color="black", clip_on=False)
    ax.axvline(1.0, **REFERENCE_LINE)
    ax.set_xscale("log")
    ax.set_xlim(x_min, x_max)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Hazard ratio for progression or death\n(log scale)")
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.spines["left"].set_visible(False)
    if footnotes:
        fig.supxlabel("\n".join(textwrap.fill(note, 140) for note in footnotes), x=0.01, ha="left",
                      fontsize=SMALL_FONT_SIZE)
    return fig
