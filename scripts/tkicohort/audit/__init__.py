"""Audit of a publication from its printed numbers alone: where the numbers contradict each other.

Input: a publication file of ``resources/studies/<study>/published.yaml`` (``study``, ``populations``, ``numbers``, ``conflicts``; see
``resources/studies/README.md``), as the dictionary ``yaml.safe_load`` gives. Output of
:func:`audit_publication`: a tidy frame with one row per check performed and per finding, columns

- ``location``: table | row | column of every number involved (or a description of what an aggregate row covers),
- ``printed``: the number(s) as printed,
- ``consistent_alternative``: a value that would make the numbers agree (the correctly rounded percentage, the
  recomputed p-value, the instrument's maximum, ...), empty when the check passes or nothing fits,
- ``check``: the name of the check (the ``check_*`` functions of the package's modules, one per rule),
- ``severity``: ``ok`` (the check passed), ``info`` (the numbers cannot be checked, or the check cannot tell whether
  a difference is an error), ``minor`` (a difference explained by rounding, truncation, labelling or the name of a
  test, which changes no conclusion), ``major`` (printed numbers that cannot all be true, or a conclusion that
  changes),
- ``note``: the arithmetic, in words,
- ``ids``: the ids of the numbers involved, ``;``-separated.

Rows come in the order of :data:`CHECKS`, within a check in the order of the file, so the same file always gives
the same frame. A number is compared with the number that would be printed from its ingredients after rounding
half up to the printed precision (the way statistical packages and spreadsheets print). Values that are already
rounded when printed (means, SDs) are allowed their rounding interval where a check depends on them.

Reading conventions taken from the id convention of ``resources/studies/README.md``:

- a count and its percentage share a stem (``t2_pr_n``, ``t2_pr_pct``); a percentage is of its population's ``n``;
- a p-value ``<stem>_p`` compares the numbers ``<stem>_<level>_<arm>_<statistic>`` printed beside it in the same
  table; when these belong to two or more populations (the arms), the p compares the arms;
- rates within the levels of a variable are ``<var>_<level>_<endpoint>_pct`` beside ``<var>_<endpoint>_p``
  (Table 3 of Ling et al.): such a percentage is of the level's size, which is the count of the same population
  with the same ``subset`` printed elsewhere; the endpoint's total is the count with subset ``<endpoint> == 1``;
- a row label ``group: level`` marks one level of a categorical variable;
- a population declared ``within`` another (``populations.evaluable.within: all_treated``) is part of it: no count
  of it may exceed the count of the same ``subset`` in the containing population.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from .common import (
    COLUMNS,
    SEVERITIES,
    Publication,
    RateGroup,
    denominators,
    number,
    percent,
    printed_percent,
    rate_groups,
    rounded,
    small_fractions,
    stem,
    unit_of,
    whole_counts,
)
from .nesting import check_subset_within_set
from .percentages import (
    check_percent_of_population,
    check_percent_vs_count,
    check_rates_within_subgroups,
    check_same_fraction_printed_alike,
)
from .pvalues import (
    TEST_LABELS,
    Comparison,
    check_p_printed_as_zero,
    check_p_values,
    comparison_of,
    recompute_p,
)
from .ranges import check_qol_raw_sums, check_summaries, check_value_domains
from .repeats import CONFLICT_SEVERITY, _mark_unrecorded, check_recorded_conflicts, check_same_quantity
from .totals import check_parts_add_up, check_row_totals

__all__ = [
    "CHECKS", "COLUMNS", "CONFLICT_SEVERITY", "SEVERITIES", "TEST_LABELS", "Comparison", "Publication", "RateGroup",
    "audit_file", "audit_publication", "check_p_printed_as_zero", "check_p_values", "check_parts_add_up",
    "check_percent_of_population", "check_percent_vs_count", "check_qol_raw_sums", "check_rates_within_subgroups",
    "check_recorded_conflicts", "check_row_totals", "check_same_fraction_printed_alike", "check_same_quantity",
    "check_subset_within_set", "check_summaries", "check_value_domains", "comparison_of", "denominators",
    "load_published", "number", "percent", "printed_percent", "rate_groups", "recompute_p", "rounded", "small_fractions", "stem", "summary",
    "unit_of", "whole_counts",
]


def load_published(path: str | Path) -> dict:
    """A publication file as a dictionary."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------ driver

#: The checks, in the order their rows appear.
CHECKS: tuple[Callable[[Publication], list[dict]], ...] = (
    check_percent_vs_count,
    check_percent_of_population,
    check_rates_within_subgroups,
    check_same_fraction_printed_alike,
    check_p_values,
    check_p_printed_as_zero,
    check_value_domains,
    check_summaries,
    check_qol_raw_sums,
    check_parts_add_up,
    check_row_totals,
    check_same_quantity,
    check_subset_within_set,
)


def audit_publication(published: dict) -> pd.DataFrame:
    """Every check of this package on one publication file (the dictionary of its YAML); see the package docstring."""
    pub = Publication.from_dict(published)
    rows: list[dict] = []
    for check in CHECKS:
        rows += check(pub)
    _mark_unrecorded(pub, rows)
    rows += check_recorded_conflicts(pub, rows)
    return pd.DataFrame(rows, columns=list(COLUMNS))  # the internal "_culprits" key is dropped here


def audit_file(path: str | Path) -> pd.DataFrame:
    return audit_publication(load_published(path))


def summary(audit: pd.DataFrame) -> str:
    """One line for a log: rows per severity."""
    counts = audit["severity"].value_counts()
    return ", ".join(f"{s}: {int(counts.get(s, 0))}" for s in SEVERITIES) + f" ({len(audit)} rows)"
