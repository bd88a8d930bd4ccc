"""A plan's printed text (its labels) kept apart from what the statistics compute.

Snakemake reruns a job when its params change. The statistics of a table (``results/<c>/stats/<table>.json``) and
the analysis dataset take the plan with every label replaced by a placeholder (:func:`statistics_plan`); the table's
rendering puts the labels' text back (:func:`restore_labels`). So editing a label reruns the renderings (tables,
figures, reports), never the statistics.

Figures that print no label take the plan with placeholders too (:func:`figure_plan`, title and figure options
kept), so a label edit redraws only the figures that show labels.

The labels: ``subgroups[i].label`` and ``subgroups[i].labels[level]``, ``baseline[i].label`` and
``baseline[i].labels[level]``. The plan's ``title`` is left out of the statistics' plan altogether (only the
``context`` table, which names the cohort by it, keeps it), and so is the ``figures`` section (how figures are drawn).

What stays: a label's place. Adding a label where the plan had none, or removing one, changes the statistics' plan
and reruns them (whether a label is given can matter: a subgroup's label takes precedence over its baseline row's in
the Cox table). The derived variables' ``labels`` (the categories a cut produces) are data, not print: they stay.

A placeholder is ``\\ue000<n>\\ue001``, ``n`` the label's place in :func:`label_texts`: two characters of Unicode's
private use area that no plan or data file uses, around digits, so upper- or lower-casing leaves it intact.

This module reads only the plan (no pandas at import), because every snakemake command evaluates it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(f"{OPEN}([0-9]+){CLOSE}")
#: Plan sections whose entries carry printed labels.
LABELLED_SECTIONS = ("subgroups", "baseline")
#: Top-level plan keys that only the renderings read.
PRINT_ONLY_KEYS = ("title", "figures")


def _label_slots(plan: dict) -> Iterator[tuple[dict, str | None, object]]:
    """Every label of the plan, in a fixed order: (the dict holding it, its key there, the level or None)."""
    for section in LABELLED_SECTIONS:
        for entry in plan.get(section) or []:
            if "label" in entry:
                yield entry, "label", None
            for level in entry.get("labels") or {}:
                yield entry["labels"], level, level


def label_texts(plan: dict) -> list[str]:
    """The text of every label of the plan, in placeholder order."""
    return [str(holder[key]) for holder, key, _ in _label_slots(plan)]


def placeholder(n: int) -> str:
    return f"{OPEN}{n}{CLOSE}"


def statistics_plan(plan: dict, keep_title: bool = False) -> dict:
    """The plan the statistics are computed from: every label replaced by its placeholder, the title (unless
    ``keep_title``) and the figure options left out. The plan given is not changed."""
    out = figure_plan(plan)
    for key in PRINT_ONLY_KEYS:
        if key != "title" or not keep_title:
            out.pop(key, None)
    return out


def figure_plan(plan: dict) -> dict:
    """The plan a figure that prints no plan label is drawn from (:data:`tkicohort.cohort_outputs.LABEL_FREE_FIGURES`):
    every label replaced by its placeholder, the title and the figure options kept. A label edit then leaves such a
    figure's job as it was."""
    out = copy.deepcopy(plan)
    for n, (holder, key, _) in enumerate(_label_slots(out)):
        holder[key] = placeholder(n)
    return out


def restore_text(text: str, texts: list[str]) -> str:
    """``text`` with each placeholder replaced by its label (in one pass: a label's own text is never rescanned)."""
    return PLACEHOLDER.sub(lambda m: texts[int(m.group(1))], text)


def restore_labels(frame, texts: list[str]):
    """A copy of the table ``frame`` (pandas) with every placeholder in its text cells and column names replaced by
    the label's text (``texts``: :func:`label_texts` of the full plan)."""
    out = frame.copy()
    # object and pandas' text dtypes (pandas 3 gives text columns one by default) are of kind "O"
    text = [n for n, dtype in enumerate(out.dtypes) if dtype.kind == "O"]
    for n in text:  # by position: a table's column names need not be unique; each column keeps its dtype
        column = out.iloc[:, n]
        restored = column.map(lambda v: restore_text(v, texts) if isinstance(v, str) and OPEN in v else v)
        out.isetitem(n, restored.astype(column.dtype))
    return out.rename(columns=lambda c: restore_text(c, texts) if isinstance(c, str) else c)
