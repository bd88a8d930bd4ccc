"""Bar charts: best-response distribution by arm, and adverse events by worst grade.

- ``response_by_arm`` (from ``response_by_arm.csv``): one stacked bar per arm, segments = % of the arm's evaluable
  patients with each best overall response (fixed response colours, CR at the bottom), the clinical-benefit rate
  (CR + PR + SD) above each bar, and the table's test of the distribution.
- ``ae_grades`` (from ``adverse_events.csv``): per CTCAE term, % of treated patients whose worst grade was 1–2, 3–4
  (and 5 when any occurred), stacked horizontally; one panel per arm; terms sorted by the number of patients with any
  grade over all arms (then grade 3–4, then name), most frequent on top, the first ``max_terms`` shown. The table's
  terms are normalised to lower case (to merge spellings); each is printed as the cohort's files write it
  (:func:`display_terms`).

Arm labels and terms wrap to the room they have and shrink (to 5 pt) only when they would take more than three lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..derive.ae_flags import normalise_term
from . import arms_of
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    GRADE_COLOURS,
    RESPONSE_ORDER,
    SINGLE_COLUMN_MM,
    SMALL_FONT_SIZE,
    TITLE_FONT_SIZE,
    fit_text,
    message,
    new_figure,
    p_text,
    response_colours,
    styled,
)

# millimetres: room of the y axis label and ticks, and of the response legend, beside a response bar chart; the most
# an adverse-event term label may take of its panel
Y_AXIS_MM, LEGEND_MM, TERM_SHARE = 14.0, 14.0, 0.4

TEST_LABELS = {"fisher": "Fisher's exact test", "chisq": "χ² test", "chisq_corrected": "χ² test (corrected)"}
GRADE_LABELS = {"grade_1_2": "grade 1–2", "grade_3_4": "grade 3–4", "grade_5": "grade 5"}


@styled
def response_by_arm(table: pd.DataFrame, plan: dict):
    arms = arms_of(plan) or sorted(table["arm"].astype(str).unique())
    bor = table[table["section"] == "best overall response"]
    codes = [c for c in RESPONSE_ORDER if (bor["item"] == c).any()]
    pct = bor.pivot_table(index="item", columns="arm", values="pct", aggfunc="first").reindex(
        index=codes, columns=arms).fillna(0.0)
    denominators = table.drop_duplicates("arm").set_index("arm")["denominator"].reindex(arms)
    benefit = table[table["section"] == "clinical benefit"].set_index("arm")["pct"].reindex(arms)
    fig = new_figure("single", 80)
    ax = fig.add_subplot()
    ax.set_label("response_by_arm")
    x = np.arange(len(arms))
    bottom = np.zeros(len(arms))
    for code, colour in zip(codes, response_colours(codes), strict=True):
        heights = pct.loc[code].to_numpy(float)
        ax.bar(x, heights, bottom=bottom, width=0.6, color=colour, label=code)
        for xi, b, h in zip(x, bottom, heights, strict=True):
            if h >= 6:
                ax.text(xi, b + h / 2, f"{h:.0f} %", ha="center", va="center", fontsize=SMALL_FONT_SIZE)
        bottom += heights
    for xi, top, rate in zip(x, bottom, benefit, strict=True):
        if pd.notna(rate):
            ax.text(xi, top + 2, f"CR+PR+SD {rate:.0f} %", ha="center", va="bottom", fontsize=SMALL_FONT_SIZE)
    slot_mm = (SINGLE_COLUMN_MM - Y_AXIS_MM - LEGEND_MM) / len(arms) - 2
    names = [fit_text(str(a), slot_mm, FONT_SIZE, max_lines=3) for a in arms]
    labels = [f"{name}\n(n = {d:.0f})" if pd.notna(d) else name for (name, _), d in zip(names, denominators,
                                                                                       strict=True)]
    ax.set_xticks(x, labels, fontsize=min(size for _, size in names))
    ax.set_ylim(0, 112)
    ax.set_ylabel("Evaluable patients (%)")
    ax.set_xlabel("Arm")
    if len(bor) and pd.notna(bor["p"].iloc[0]):
        name = TEST_LABELS.get(str(bor["test"].iloc[0]), str(bor["test"].iloc[0]))
        ax.set_title(f"{name}: {p_text(bor['p'].iloc[0])}", loc="left", fontsize=SMALL_FONT_SIZE)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center")
    return fig


def ae_matrix(table: pd.DataFrame, arms: list, max_terms: int = 20) -> tuple[list[str], pd.DataFrame]:
    """Terms in display order (most frequent first) and a (term, arm)-indexed frame of grade-band percentages."""
    bands = [b for b in GRADE_COLOURS if f"{b}_pct" in table]
    t = table.assign(arm=table["arm"].astype(str)) if "arm" in table else table.assign(arm=arms[0])
    totals = t.groupby("term", sort=True)[["any_grade", "grade_3_4"]].sum().reset_index()
    totals = totals.sort_values(["any_grade", "grade_3_4", "term"], ascending=[False, False, True],
                                kind="mergesort")
    terms = totals["term"].head(max_terms).tolist()
    index = pd.MultiIndex.from_product([terms, [str(a) for a in arms]], names=["term", "arm"])
    pct = t.set_index(["term", "arm"])[[f"{b}_pct" for b in bands]].reindex(index).fillna(0.0)
    pct.columns = bands
    return terms, pct


def display_terms(terms, adverse_events: pd.DataFrame | None) -> list[str]:
    """Each (normalised) table term as the cohort's adverse-event file writes it: its most frequent spelling among
    the rows naming it directly (not through a synonym), ties to the first in sort order, with runs of spaces
    collapsed; a term met only through synonyms (e.g. the CTCAE term for "HFSR") with its first letter capitalised."""
    direct = pd.DataFrame({"term": [], "spelling": []})
    if adverse_events is not None and len(adverse_events):
        raw = adverse_events["term"].astype(str)
        spelling = raw.str.strip().str.replace(r"\s+", " ", regex=True)
        keep = (spelling.str.lower() == normalise_term(raw)).to_numpy()
        direct = pd.DataFrame({"term": spelling.str.lower()[keep], "spelling": spelling[keep]})
    counts = direct.value_counts().rename("count").reset_index()
    counts = counts.sort_values(["term", "count", "spelling"], ascending=[True, False, True], kind="mergesort")
    chosen = counts.drop_duplicates("term").set_index("term")["spelling"]
    return [chosen.get(str(t), str(t)[:1].upper() + str(t)[1:]) for t in terms]


@styled
def ae_grades(table: pd.DataFrame, plan: dict, adverse_events: pd.DataFrame | None = None, max_terms: int = 20):
    arms = [str(a) for a in arms_of(plan) or ["all"]]
    terms, pct = ae_matrix(table, arms, max_terms) if len(table) else ([], pd.DataFrame())
    width_mm = SINGLE_COLUMN_MM if len(arms) == 1 else DOUBLE_COLUMN_MM
    fitted = [fit_text(t, TERM_SHARE * width_mm / len(arms), SMALL_FONT_SIZE, max_lines=3)
              for t in display_terms(terms, adverse_events)]
    labels, label_size = [t for t, _ in fitted], min((s for _, s in fitted), default=SMALL_FONT_SIZE)
    # rows one unit apart, plus half a unit per extra line of a wrapped term (most frequent term on top)
    heights = 1 + 0.5 * np.array([label.count("\n") for label in labels], dtype=float)
    y = heights.sum() - (np.cumsum(heights) - heights / 2)
    fig = new_figure("single" if len(arms) == 1 else "double", 30 + 4.0 * max(heights.sum(), 4))
    axes = fig.subplots(1, len(arms), sharex=True, sharey=True, squeeze=False)[0]
    n_patients = table.groupby(table["arm"].astype(str))["n_patients"].first() if "arm" in table else {}
    x_max = min(100.0, 10 * np.ceil(1.08 * pct.sum(axis=1).max() / 10)) if terms else 100.0
    for ax, arm in zip(axes, arms, strict=True):
        ax.set_label(f"ae_grades:{arm}")
        ax.set_xlabel("Patients (%)")
        name = "All treated patients" if arm == "all" else arm
        title = f"{name} (n = {n_patients[arm]:.0f})" if arm in n_patients else name
        title, size = fit_text(title, (1 - TERM_SHARE) * width_mm / len(arms) - 2, TITLE_FONT_SIZE, max_lines=3)
        ax.set_title(title, loc="left", fontsize=size)
        if not terms:
            message(ax, "no adverse events recorded")
            continue
        left = np.zeros(len(terms))
        for band in pct.columns:
            widths = pct.xs(arm, level="arm")[band].to_numpy(float)
            ax.barh(y, widths, left=left, height=0.7, color=GRADE_COLOURS[band], label=GRADE_LABELS[band])
            left += widths
        ax.set_yticks(y, labels, fontsize=label_size)
        ax.set_xlim(0, x_max)
        ax.set_ylim(0, heights.sum())
    if terms:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(pct.columns))
    return fig
