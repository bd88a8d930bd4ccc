"""Repeated numbers: one quantity printed in several places, and the conflicts the publication file records by
hand."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

from .common import Publication, _row, _subset_key, _within_subgroup_ids, number, rounded, stem, unit_of

#: Severity of each kind of conflict a publication file records by hand (schema: published.schema.yaml).
CONFLICT_SEVERITY = {
    "rounding": "minor", "test_name": "minor", "label": "minor", "missing_content": "minor",
    "not_reproducible": "minor", "arithmetic": "major", "subset_exceeds_set": "major", "text_vs_table": "major",
    "interpretation": "major", "definition": "major",
}

_PLACE = re.compile(r"^(t\d+|fig\d+|txt|abs|disc)_")
_TABLE_PLACE = re.compile(r"^t\d+_")


# ------------------------------------------------------------------------------------------------ repeated numbers


def _norm(label: str) -> str:
    return re.sub(r"[^a-z0-9%≥≤<>+]+", "", label.lower())


def check_same_quantity(pub: Publication) -> list[dict]:
    """The same quantity printed in two places must be printed the same.

    Same quantity (same statistic and population, plus one of): (a) the same id once the place prefix is dropped
    (``abs_pfs_hfs_p`` and ``txt_pfs_hfs_p``; two numbered tables are not paired this way, a table and a text
    are); (b) the same row and column labels in two places; (c) the same ``subset`` for a count printed with its
    percentage or a percentage of the whole population. Values are compared at the coarser precision: equal → ok,
    one unit apart → minor, further → major. Each group of repeated numbers is one row.
    """
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
        if e["statistic"] in ("design", "individual"):
            continue
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
            if key[0] == "label" and a["table"] == b["table"]:
                continue
            union(a["id"], b["id"])
    clusters: dict[str, list[dict]] = defaultdict(list)
    for e in pub.numbers:
        if e["id"] in parent:
            clusters[find(e["id"])].append(e)
    rows = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        prec = min(e["precision"] for e in members)
        signs = {e["value"][0] for e in members if e["value"][0] in "<>"}
        values = [rounded(number(e), prec) for e in members]
        printed = " / ".join(f"{e['value']}" for e in members)
        if len(set(values)) == 1 and not signs:
            same_digits = len({e["precision"] for e in members}) == 1
            rows.append(_row("same_quantity_printed_alike", members, printed, "ok",
                             "printed alike" + ("" if same_digits else f" at {prec} decimals")))
            continue
        spread = max(values) - min(values)
        severity = "minor" if spread <= unit_of(prec) and not signs else "major"
        counts = defaultdict(int)
        for e in members:
            counts[e["value"]] += 1
        rows.append(_row("same_quantity_printed_alike", members, printed, severity,
                         f"one {members[0]['statistic'].replace('_', ' ')} printed as "
                         f"{' and '.join(dict.fromkeys(e['value'] for e in members))}",
                         " or ".join(v for v in dict.fromkeys(e["value"] for e in members))))
    return rows


# ------------------------------------------------------------------------------------------------ recorded conflicts


def check_recorded_conflicts(pub: Publication, findings: list[dict]) -> list[dict]:
    """The conflicts the publication file records (read off the text by hand), one row each.

    Severity by kind (:data:`CONFLICT_SEVERITY`); the note names the automatic checks (:data:`CHECKS`) that flag
    any of the conflict's numbers, or says the conflict is not visible from the printed numbers alone.
    """
    rows = []
    for c in pub.conflicts:
        ids = list(c["ids"])
        entries = [pub.by_id[i] for i in ids if i in pub.by_id]
        flagged = sorted({f["check"] for f in findings if f["severity"] in ("minor", "major")
                          and f["_culprits"] & set(ids)})
        seen = (f"also flagged by: {', '.join(flagged)}" if flagged
                else "not visible from the printed numbers alone (recorded from the text)")
        rows.append(_row(f"recorded_conflict:{c['kind']}", entries, " / ".join(e["value"] for e in entries),
                         CONFLICT_SEVERITY.get(c["kind"], "minor"), f"{c['description']} [{seen}]"))
    return rows


def _mark_unrecorded(pub: Publication, rows: list[dict]) -> None:
    recorded = {i for c in pub.conflicts for i in [*c["ids"], *c.get("related", [])]}
    for r in rows:
        if r["severity"] in ("minor", "major") and r["_culprits"] and not r["_culprits"] & recorded:
            r["note"] += " [not among the file's recorded conflicts]"
