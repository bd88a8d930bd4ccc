"""Cross-source checks: what different documents print about the same study.

A *quotation* is a number with a ``quantity`` about one study's population: the numbers of a publication file (a
study's own populations, or an ``external`` population whose ``reference`` names the quoted study, e.g. Table 6 of
Ling et al. quoting DECISION's sorafenib arm as ``decision:sorafenib``) and the rows of a literature file whose
``study`` column names one (:mod:`tkicohort.literature`). Rows of the literature file about a study whose own file is
read are skipped: that file records the same cells with their locations. Quotations are grouped by study, population
and quantity; a group printed by two or more documents is one row, judged by :func:`compare.compare` (rounding,
approximations, units converted, other time conventions named). Further conventions:

- a year is compared with the year of a ``publication_date``; one year apart is minor (an electronic and a print
  issue), more is major;
- where a document prints that no patient had a complete response (``cr_n`` or ``cr_pct`` = 0, for the population
  or one containing it), an objective response rate and a partial response rate are the same quantity;
- otherwise quantities that include one another must be ordered: ORR (CR + PR) ≥ PR, DCR ≥ ORR, stable disease of
  any duration ≥ stable disease lasting 6 months; a group certainly below the one it includes is major;
- only groups that involve the audited file are reported: those about the study the file is about, and those about
  another study where a number of the file is one of the values that disagree.

Ids of other files' numbers are qualified with their study (``zhujiang_2023:t6_kim_n``), literature cells with the
file's label, table, row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from tkicohort.literature import study_key

from .common import Publication, _row, consensus, interval
from .compare import compare
from .nesting import ancestors

#: Literature columns quoted: column → (quantity, statistic, header, column of the printed cell, unit column).
LITERATURE_FIELDS = {
    "n": ("n", "count_total", "n", "n", None),
    "year": ("year", "year", "year", "year", None),
    "cr_pct": ("cr_pct", "percent", "CR (%)", "cr_pct", None),
    "pr_pct": ("pr_pct", "percent", "PR (%)", "pr_printed", None),
    "sd_pct": ("sd_pct", "percent", "SD (%)", "sd_pct", None),
    "pfs_median": ("pfs_median", "median", "median PFS", "pfs_printed", "pfs_unit"),
    "os_median": ("os_median", "median", "median OS", "os_printed", "os_unit"),
    "withdrawal_pct": ("withdrawal_ae_pct", "percent", "withdrawal due to AEs (%)", "withdrawal_pct", None),
}
#: Quantities that include another: (larger, smaller, why).
INCLUDES = (
    ("orr_pct", "pr_pct", "the objective response rate (CR + PR) includes the partial responses"),
    ("dcr_pct", "orr_pct", "disease control (CR + PR + SD) includes the objective responses"),
    ("sd_pct", "sd6_pct", "stable disease of any duration includes stable disease lasting 6 months"),
)
_PLAIN = r"^[<>]?\d+(\.\d+)?$"


@dataclass
class Quote:
    entry: dict  # a number entry: id (qualified outside the audited file), location fields, _document
    study: str
    population: str
    quantity: str
    own: bool  # printed in the audited file


def _decimals(text: str) -> int:
    return len(text.lstrip("<>").partition(".")[2])


def publication_quotes(pub: Publication, own: bool) -> list[Quote]:
    """The quotations of a publication file (see the module docstring)."""
    out = []
    for e in pub.numbers:
        quantity = e.get("quantity")
        pop = pub.populations.get(e["population"], {})
        if not quantity:
            continue
        if pop.get("external"):
            key = study_key(pop.get("reference"))
            if key is None:
                continue
            study, population = key
        else:
            study, population = pub.study, e["population"]
        entry = {**e, "_document": pub.source_label(e)}
        if not own:
            entry["id"] = f"{pub.study}:{e['id']}"
        if e["statistic"] == "date":
            if quantity != "publication_date":
                continue
            entry.update(value=e["value"][:4], statistic="year", precision=0)
            quantity = "year"
        out.append(Quote(entry, study, population, quantity, own))
    return out


def literature_quotes(frame: pd.DataFrame, label: str, skip: set[str]) -> list[Quote]:
    """The quotations of a literature file: rows with a ``study``, except studies in ``skip``."""
    printed = frame.attrs.get("printed") or [{}] * len(frame)
    out = []
    for (_, row), cells in zip(frame.iterrows(), printed, strict=True):
        key = study_key(row["study"]) if isinstance(row["study"], str) else None
        if key is None or key[0] in skip:
            continue
        for column, (quantity, statistic, header, cell, unit) in LITERATURE_FIELDS.items():
            text = str(cells.get(cell, "")).strip()
            if pd.isna(row[column]) or not pd.Series([text]).str.match(_PLAIN).iloc[0]:
                continue
            entry = {"id": f"{label}:{row['table']}:{row['row']}:{column}", "table": row["table"],
                     "row": row["reference"], "column": header, "statistic": statistic, "value": text,
                     "precision": _decimals(text), "population": key[1], "_document": label}
            if unit:
                entry["unit"] = row[unit]
            out.append(Quote(entry, key[0], key[1], quantity, False))
    return out


def _complete_response_is_zero(quotes: list[Quote], pubs: dict[str, Publication]) -> set[tuple[str, str]]:
    """(study, population) pairs for which a document prints no complete response, in it or a population
    containing it (nesting from the study's own file when it is read)."""
    zero = {(q.study, q.population) for q in quotes if q.quantity in ("cr_n", "cr_pct")
            and q.entry["value"].lstrip("<>") in ("0", "0.0", "0.00")}
    out = set(zero)
    for study, pub in pubs.items():
        for name in pub.populations:
            if any((study, a) in zero for a in ancestors(pub, name)):
                out.add((study, name))
    return out


def _groups(quotes: list[Quote], zero_cr: set[tuple[str, str]]) -> dict[tuple[str, str, str], list[Quote]]:
    groups: dict[tuple[str, str, str], list[Quote]] = defaultdict(list)
    for q in quotes:
        quantity = "orr_pct" if q.quantity == "pr_pct" and (q.study, q.population) in zero_cr else q.quantity
        groups[(q.study, q.population, quantity)].append(q)
    return groups


#: How a quantity reads in a note (others: the key with spaces).
QUANTITY_LABELS = {
    "n": "patients", "year": "year", "pr_pct": "partial response rate", "orr_pct": "objective response rate",
    "cr_pct": "complete response rate", "sd_pct": "stable disease", "sd6_pct": "stable disease ≥ 6 months",
    "dcr_pct": "disease control rate", "cbr_pct": "clinical benefit rate", "pfs_median": "median PFS",
    "os_median": "median OS", "followup_median": "median follow-up", "withdrawal_ae_pct": "withdrawal for AEs",
}


def _label(quantity: str) -> str:
    return QUANTITY_LABELS.get(quantity, quantity.replace("_", " "))


def _describe(study: str, population: str, what: str) -> str:
    return f"{study}{'' if population == 'all' else f' ({population})'}, {what}"


def _band(quotes: list[Quote]) -> tuple[Decimal, Decimal] | None:
    """The values every quotation of a group allows (None when they disagree or are times of several units)."""
    if len({(q.entry.get('unit') or '') for q in quotes}) > 1:
        return None
    members, shared = consensus([interval(q.entry) for q in quotes])
    if len(quotes) == 1:
        return interval(quotes[0].entry)
    return shared if shared is not None and len(members) == len(quotes) else None


def check_cross_source(pub: Publication, others: Sequence[Publication] = (), literature: pd.DataFrame | None = None,
                       literature_label: str = "literature") -> list[dict]:
    """What several documents print about one study, compared (see the module docstring); one row per group."""
    pubs = {pub.study: pub, **{o.study: o for o in others if o.study != pub.study}}
    quotes = publication_quotes(pub, own=True)
    for other in others:
        if other.study != pub.study:
            quotes += publication_quotes(other, own=False)
    if literature is not None:
        quotes += literature_quotes(literature, literature_label, skip=set(pubs))
    zero_cr = _complete_response_is_zero(quotes, pubs)
    groups = _groups(quotes, zero_cr)
    rows = []
    for (study, population, quantity), group in groups.items():
        documents = list(dict.fromkeys(q.entry["_document"] for q in group))
        if len(documents) < 2 or not (study == pub.study or any(q.own for q in group)):
            continue
        entries = [q.entry for q in group]
        verdict = compare(entries)
        printed = " / ".join(f"{e['value']}{' ' + e['unit'] if e.get('unit') else ''} ({e['_document']})"
                             for e in entries)
        what = _describe(study, population, _label(quantity))
        if verdict.severity == "ok":
            rows.append(_row("cross_source", entries, printed, "ok", f"{what}: {verdict.note}"))
            continue
        if study != pub.study and not any(group[i].own for i in verdict.culprits):
            continue  # another study's numbers that disagree among other documents: that study's audit reports it
        row = _row("cross_source", entries, printed, verdict.severity, f"{what}: {verdict.note}",
                   verdict.alternative, culprits=[entries[i] for i in verdict.culprits])
        if "agree only with" in verdict.note:  # one finding per conversion convention and pair of documents
            row["_group"] = ("unit", tuple(documents), verdict.note.split(" agree only with ")[1].split(" (")[0])
        rows.append(row)
    for study, population in sorted({(s, p) for s, p, _ in groups}):
        for larger, smaller, why in INCLUDES:
            big, small = groups.get((study, population, larger)), groups.get((study, population, smaller))
            if not big or not small or not (study == pub.study or any(q.own for q in big + small)):
                continue
            a, b = _band(big), _band(small)
            if a is None or b is None:
                continue
            entries = [q.entry for q in big + small]
            what = _describe(study, population, f"{_label(larger)} ≥ {_label(smaller)}")
            if a[1] <= b[0]:
                rows.append(_row("cross_source", entries,
                                 f"{' / '.join(q.entry['value'] for q in big)} vs "
                                 f"{' / '.join(q.entry['value'] for q in small)}", "major",
                                 f"{what}: {why}, but is printed below it"))
            else:
                rows.append(_row("cross_source", entries, f"{_label(larger)} ≥ {_label(smaller)}", "ok",
                                 f"{what}: {why}"))
    return sorted(rows, key=lambda r: (r["severity"] == "ok", r["ids"]))
