"""Audit of a study's published numbers: where they contradict each other, within a document and across the
documents that print them.

Input: a publication file ``resources/studies/<study>/published.yaml`` (``study``, ``populations``, ``numbers``,
optionally ``sources``, ``claims`` and ``conflicts``; see ``resources/studies/README.md``) as the dictionary
``yaml.safe_load`` gives, optionally the other studies' files and a literature file (:mod:`tkicohort.literature`)
for the cross-source checks. :func:`audit` runs every check of :data:`CHECKS` and returns

- ``findings`` (``audit.csv``): one row per inconsistency with every place it concerns, automatic findings apart
  from the conflicts the file records by hand (:mod:`.findings` documents the columns);
- ``checks``: per check, what it verifies, how many numbers it found consistent, how many rows found something
  and how many things it could not check (the audit's HTML page shows it);
- ``rows``: every row of every check (``check_rows``), the material the findings are made of, with the columns

  - ``location``: table | row | column of every number involved (or what an aggregate row covers),
  - ``printed``: the number(s) as printed,
  - ``consistent_alternative``: a value that would make the numbers agree, empty when the check passes,
  - ``check``: the name of the check,
  - ``severity``: ``ok`` (passed), ``info`` (cannot be checked, or a difference the check cannot call an error),
    ``minor`` (a difference explained by rounding, truncation, labelling, a convention or the name of a test, which
    changes no conclusion), ``major`` (printed numbers that cannot all be true, or a conclusion that changes),
  - ``note``: the arithmetic, in words,
  - ``ids``: the ids of the numbers involved, ``;``-separated.

Rows come in the order of :data:`CHECKS`, within a check in the order of the file, so the same files always give
the same frames. A number is compared with the number that would be printed from its ingredients after rounding
half up to the printed precision (the way statistical packages and spreadsheets print). Values that are already
rounded when printed (means, SDs) are allowed their rounding interval where a check depends on them; values printed
as approximations ("nearly 42 percent") ±5 %.

Reading conventions taken from the id convention of ``resources/studies/README.md``:

- a count and its percentage share a stem (``t2_pr_n``, ``t2_pr_pct``); a percentage is of its population's ``n``;
- a p-value ``<stem>_p`` compares the numbers ``<stem>_<level>_<arm>_<statistic>`` printed beside it in the same
  table; when these belong to two or more populations (the arms), the p compares the arms;
- rates within the levels of a variable are ``<var>_<level>_<endpoint>_pct`` beside ``<var>_<endpoint>_p``
  (Table 3 of Ling et al.): such a percentage is of the level's size, which is the count of the same population
  with the same ``subset`` printed elsewhere; the endpoint's total is the count with subset ``<endpoint> == 1``;
- a row label ``group: level`` marks one level of a categorical variable;
- a population declared ``within`` another (``populations.evaluable.within: all_treated``) is part of it: no count
  of it may exceed the count of the same ``subset`` in the containing population; one declared with ``parts`` is
  made of them;
- numbers of one population with the same ``quantity`` print the same thing, in any place or document; the
  survival, date and cross-source checks find their numbers by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import safe_load
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
from .compare import Verdict, compare
from .cross_source import check_cross_source
from .dates import check_durations_vs_dates
from .findings import COLUMNS as FINDING_COLUMNS
from .findings import CONFLICT_SEVERITY, check_summary, to_findings
from .nesting import check_parts_sizes, check_subset_within_set
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
from .repeats import check_same_quantity, quantity_clusters
from .survival import check_events_vs_median, check_median_at_end_of_followup, check_scan_schedule
from .totals import check_parts_add_up, check_row_totals
from .wording import check_significance_wording

__all__ = [
    "CHECKS", "CHECK_DESCRIPTIONS", "COLUMNS", "CONFLICT_SEVERITY", "FINDING_COLUMNS", "SEVERITIES", "TEST_LABELS",
    "Audit", "Comparison", "Publication", "RateGroup", "Verdict", "audit", "audit_file", "audit_publication",
    "check_cross_source", "check_durations_vs_dates", "check_events_vs_median", "check_median_at_end_of_followup",
    "check_p_printed_as_zero", "check_p_values", "check_parts_add_up", "check_parts_sizes",
    "check_percent_of_population", "check_percent_vs_count", "check_qol_raw_sums", "check_rates_within_subgroups",
    "check_row_totals", "check_rows", "check_same_fraction_printed_alike", "check_same_quantity", "check_scan_schedule",
    "check_significance_wording", "check_subset_within_set", "check_summaries", "check_value_domains", "compare",
    "comparison_of", "denominators", "load_published", "number", "percent", "printed_percent", "quantity_clusters",
    "rate_groups", "recompute_p", "rounded", "small_fractions", "stem", "summary", "to_findings", "unit_of",
    "whole_counts",
]


def load_published(path: str | Path) -> dict:
    """A publication file as a dictionary."""
    return safe_load(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------ driver

#: The checks of one publication file, in the order their rows appear (the cross-source check comes last).
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
    check_parts_sizes,
    check_events_vs_median,
    check_median_at_end_of_followup,
    check_scan_schedule,
    check_durations_vs_dates,
    check_significance_wording,
)

#: What each check verifies, by the name its rows carry (the audit's HTML page and the README list them).
CHECK_DESCRIPTIONS = {
    "percent_vs_count": "a percentage printed with its count is the count over the population, rounded as printed",
    "percent_of_population": "a percentage printed alone is a whole count of its population",
    "rate_within_subgroup": "a rate within a subgroup level is a whole count of the level's size",
    "subgroup_counts_vs_total": "the counts implied by the rates of a variable's levels add up to the total",
    "same_fraction_printed_alike": "one fraction is printed alike wherever it appears",
    "p_value_recomputed": "a p-value is what the named test (or a usual one) gives on the numbers beside it",
    "p_printed_as_zero": "no p-value is printed as zero",
    "value_domain": "every value lies in what its statistic allows (percentages, p-values, counts, SDs, HRs)",
    "range_ordered": "a range's minimum is not above its maximum",
    "median_within_range": "a median lies within its range",
    "mean_within_range": "a mean lies within its range",
    "median_within_ci": "a median lies within its confidence interval",
    "hr_within_ci": "a hazard ratio lies within its confidence interval",
    "median_within_iqr": "a median lies within its interquartile range",
    "sd_feasible": "an SD is possible for n values with that mean and range",
    "mean_vs_median_and_range": "a mean is possible for n values with that median and range",
    "qol_scale_maximum": "a QoL raw-sum maximum is the sum of its items' maxima",
    "qol_value_in_range": "a QoL raw sum lies within what its items allow",
    "qol_median_granularity": "a median of whole-number sums is a whole number or a half",
    "qol_total_of_subscales": "subscale maxima and ranges fit the total's",
    "parts_add_up": "the levels of a variable add up to the population, their percentages to 100",
    "percents_add_up": "the percentages of levels that add up to the population add up to 100",
    "row_total": "an 'Any' or 'Total' column is the sum of the row's other columns",
    "row_total_percent": "the percentages of a row's parts add up to its total's",
    "same_quantity_printed_alike": "one quantity printed in several places of a document is printed alike",
    "subset_within_set": "no count of a population exceeds the same subset's count in a population containing it",
    "parts_add_up_to_population": "the parts of a population (a trial's arms) add up to its size",
    "events_vs_median": "a reached median has events in at least half the patients still at risk",
    "median_at_end_of_followup": "a median is not the end of follow-up (or the median follow-up)",
    "scan_schedule": "PFS times fall on the assessment schedule",
    "durations_vs_dates": "follow-up and times on treatment fit between the dates printed around them",
    "significance_wording": "words calling a comparison significant or not agree with its p-values",
    "cross_source": "what several documents print about one study agrees (numbers, units, years)",
}


@dataclass
class Audit:
    """The outcome of :func:`audit` (see the package docstring)."""

    study: str
    label: str
    documents: list[str]  # the documents of the audited file
    compared_with: list[str]  # the other files' documents and the literature file the cross-source checks read
    findings: pd.DataFrame
    checks: pd.DataFrame
    rows: pd.DataFrame


def _rows(published: dict, others: Sequence[dict], literature: pd.DataFrame | None,
          literature_label: str) -> tuple[Publication, list[dict]]:
    pub = Publication.from_dict(published)
    rows: list[dict] = []
    for check in CHECKS:
        rows += check(pub)
    rows += check_cross_source(pub, [Publication.from_dict(o) for o in others], literature, literature_label)
    return pub, rows


def audit(published: dict, others: Sequence[dict] = (), literature: pd.DataFrame | None = None,
          literature_label: str = "literature") -> Audit:
    """Every check on one publication file, and the cross-source checks against ``others`` (other studies' files)
    and ``literature`` (a literature file's rows); see the package docstring."""
    pub, rows = _rows(published, others, literature, literature_label)
    documents = _documents(pub)
    compared = [d for o in others for d in _documents(Publication.from_dict(o))]
    compared += [literature_label] if literature is not None else []
    compared = [d for d in dict.fromkeys(compared) if d not in documents]
    return Audit(study=pub.study, label=pub.label, documents=documents, compared_with=compared,
                 findings=to_findings(pub, rows),
                 checks=check_summary(rows, CHECK_DESCRIPTIONS),
                 rows=pd.DataFrame(rows, columns=list(COLUMNS)))


def _documents(pub: Publication) -> list[str]:
    return [s.get("label", k) for k, s in pub.sources.items()] if pub.sources else [pub.label]


def audit_publication(published: dict, others: Sequence[dict] = (), literature: pd.DataFrame | None = None,
                      literature_label: str = "literature") -> pd.DataFrame:
    """The findings frame of :func:`audit` (``audit.csv``)."""
    return audit(published, others, literature, literature_label).findings


def check_rows(published: dict, others: Sequence[dict] = (), literature: pd.DataFrame | None = None,
               literature_label: str = "literature") -> pd.DataFrame:
    """Every row of every check (columns :data:`COLUMNS`), before they become findings."""
    return pd.DataFrame(_rows(published, others, literature, literature_label)[1], columns=list(COLUMNS))


def audit_file(path: str | Path) -> pd.DataFrame:
    """The findings of one publication file on its own (its own sources compared, no other file)."""
    return audit_publication(load_published(path))


def summary(findings: pd.DataFrame) -> str:
    """One line for a log: findings per origin and severity."""
    parts = []
    for origin in ("automatic", "recorded"):
        mine = findings[findings["origin"] == origin]
        counts = mine["severity"].value_counts()
        parts.append(f"{origin}: " + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("major", "minor", "info")))
    return "; ".join(parts) + f" ({len(findings)} findings)"
