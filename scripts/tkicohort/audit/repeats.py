"""Repeated numbers: one quantity printed in several places of one document."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

from .common import Publication, _row, _subset_key, _within_subgroup_ids, stem
from .compare import compare

_PLACE = re.compile(r"^(t\d+|fig\d+|txt|abs|disc)_")
_TABLE_PLACE = re.compile(r"^t\d+_")


# ------------------------------------------------------------------------------------------------ repeated numbers


def _norm(label: str) -> str:
    return re.sub(r"[^a-z0-9%≥≤<>+]+", "", label.lower())


def quantity_clusters(pub: Publication) -> list[list[dict]]:
    """Groups of numbers that print the same quantity (see :func:`check_same_quantity`), in file order."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        parent[find(a)] = find(b)

    rates = _within_subgroup_ids(pub)
    keys: dict[tuple, list[dict]] = defaultdict(list)
    for e in pub.numbers:
        if e["statistic"] in ("design", "individual", "date"):
            continue
        if e.get("quantity"):
            keys[("quantity", e["quantity"], e["statistic"], e["population"])].append(e)
        place = _PLACE.match(e["id"])
        if place:
            keys[("id", e["id"][place.end():], e["statistic"], e["population"])].append(e)
        keys[("label", _norm(e["row"]), _norm(e.get("column", "")), e["statistic"], e["population"])].append(e)
        share = (e["statistic"] == "percent" and e["id"] not in rates) or \
                (e["statistic"] == "n" and pub.by_id.get(stem(e) + "_pct") is not None)
        if share and _subset_key(e):
            keys[("subset", _subset_key(e), e["statistic"], e["population"])].append(e)
    for key, members in keys.items():
        for a, b in combinations(members, 2):
            if key[0] == "id" and _TABLE_PLACE.match(a["id"]) and _TABLE_PLACE.match(b["id"]):
                continue
            if key[0] == "label" and (a["table"], a.get("source")) == (b["table"], b.get("source")):
                continue
            if key[0] == "label" and a.get("quantity") and b.get("quantity") and a["quantity"] != b["quantity"]:
                continue
            union(a["id"], b["id"])
    clusters: dict[tuple, list[dict]] = defaultdict(list)
    for e in pub.numbers:  # one document at a time: what several documents print is the cross-source check's
        if e["id"] in parent:
            clusters[(find(e["id"]), e.get("source", ""))].append(e)
    return [members for members in clusters.values() if len(members) >= 2]


def check_same_quantity(pub: Publication) -> list[dict]:
    """The same quantity printed in two places of one document must be printed the same.

    Same quantity (same statistic and population, plus one of): (a) the same ``quantity`` key; (b) the same id once
    the place prefix is dropped (``abs_pfs_hfs_p`` and ``txt_pfs_hfs_p``; two numbered tables are not paired this
    way, a table and a text are); (c) the same row and column labels in two places; (d) the same ``subset`` for a
    count printed with its percentage or a percentage of the whole population. Each group of repeated numbers is
    one row, judged by :func:`tkicohort.audit.compare.compare`: the values agree when one true value fits every
    printed one (rounding, approximations, ``<``); otherwise the values off the majority are blamed, minor when
    within one unit of their last place, major beyond.
    """
    rows = []
    for members in quantity_clusters(pub):
        printed = " / ".join(e["value"] for e in members)
        verdict = compare(members)
        if verdict.severity == "ok":
            rows.append(_row("same_quantity_printed_alike", members, printed, "ok", verdict.note))
            continue
        what = members[0]["statistic"].replace("_", " ")
        rows.append(_row("same_quantity_printed_alike", members, printed, verdict.severity,
                         f"one {what} printed as {' and '.join(dict.fromkeys(e['value'] for e in members))}; "
                         f"{verdict.note}", verdict.alternative,
                         culprits=[members[i] for i in verdict.culprits]))
    return rows
