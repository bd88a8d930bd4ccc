"""From the rows of the checks to findings: one finding per inconsistency, with every place it concerns.

A check writes one row per thing it checked (``ok``), could not check (``info``) or found wrong (``minor``,
``major``, or ``info`` when it cannot tell whether a difference is an error); a row names the numbers it blames
(its culprits). Findings are the rows that found something, joined when they blame the same number, numbers that
print the same quantity (:func:`repeats.quantity_clusters`), or one style of printing (:data:`ONE_FINDING_PER_CHECK`):
a percentage printed wrongly in three places is one finding with three locations, whichever checks saw it. The
conflicts a publication file records by hand (``conflicts:``) are findings of their own, kept apart.

Columns of the findings frame (``audit.csv``):

- ``finding``: ``A1``, ``A2``, … for automatic findings (most severe first), ``R1``, ``R2``, … for recorded
  conflicts (in the file's order);
- ``origin``: ``automatic`` (found by the checks from the printed numbers) or ``recorded`` (read off the text by
  hand and listed in the file's ``conflicts``);
- ``severity``: ``major`` (numbers that cannot all be true, or a conclusion that changes), ``minor`` (rounding,
  truncation, labels, test names, conventions), ``info`` (a difference the checks cannot call an error);
- ``checks``: the checks that found it (``;``-separated), or ``recorded:<kind>``;
- ``locations``: every place concerned, ``[document — ]table | row | column``, one per line;
- ``printed``: the numbers as printed (of the check that sees all of them); ``consistent_alternative``: what would
  make them agree, if anything does;
- ``note``: the arithmetic in words, one line per check that found it (a recorded conflict: its description);
- ``ids``: the numbers concerned (their ids; other files' numbers as ``<study>:<id>``);
- ``related``: for an automatic finding, the recorded conflicts about the same numbers; for a recorded one, the
  automatic findings that see it (empty: not visible from the printed numbers alone).
"""

from __future__ import annotations

import pandas as pd

from .common import SEVERITIES, Publication, _entry_location
from .repeats import quantity_clusters

COLUMNS = ("finding", "origin", "severity", "checks", "locations", "printed", "consistent_alternative", "note", "ids",
           "related")
#: Several places or explanations in one cell of ``audit.csv`` are separated by a line break (row labels may hold
#: ``;`` and ``|``).
SEP = "\n"
#: Checks whose view of a finding is the widest (every value of a quantity), first: their printed values and
#: alternative stand for the finding.
WIDEST = ("cross_source", "same_quantity_printed_alike", "same_fraction_printed_alike")
#: Checks whose findings are one finding however many numbers they concern: a way of printing, not a number.
ONE_FINDING_PER_CHECK = ("p_printed_as_zero",)
#: Severity of each kind of conflict a publication file records by hand (schema: published.schema.yaml).
CONFLICT_SEVERITY = {
    "rounding": "minor", "test_name": "minor", "label": "minor", "missing_content": "minor",
    "not_reproducible": "minor", "unit": "minor", "arithmetic": "major", "subset_exceeds_set": "major",
    "text_vs_table": "major", "interpretation": "major", "definition": "major", "cross_source": "major",
}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def is_finding(row: dict) -> bool:
    return row["severity"] != "ok" and bool(row.get("_finding"))


def _join(rows: list[dict], pub: Publication) -> list[list[int]]:
    """Indices of ``rows`` grouped into findings (see the module docstring), in the order of their first row."""
    parent = list(range(len(rows)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i, j):
        parent[find(i)] = find(j)

    cluster_of = {e["id"]: k for k, members in enumerate(quantity_clusters(pub)) for e in members}
    owner: dict = {}
    for i, r in enumerate(rows):
        keys = [("id", c) for c in r["_culprits"]] + [("cluster", cluster_of[c]) for c in r["_culprits"]
                                                      if c in cluster_of]
        if r.get("_group"):
            keys.append(("group", r["_group"]))
        if r["check"] in ONE_FINDING_PER_CHECK:
            keys.append(("check", r["check"]))
        for key in keys:
            if key in owner:
                union(i, owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _locations(rows: list[dict]) -> list[str]:
    """Every place of a group of rows, each number once (with its document when any row names it)."""
    where: dict[str, str] = {}
    loose: list[str] = []
    for r in rows:
        if not r["_where"]:
            loose += list(r["_locations"])
        for i, text in r["_where"].items():
            if len(text) > len(where.get(i, "")):
                where[i] = text
    return list(dict.fromkeys(list(where.values()) + loose))


def _unique(values) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]


def automatic_findings(pub: Publication, rows: list[dict]) -> list[dict]:
    """The findings of the checks' rows (not numbered), most severe first, then in the order of the checks."""
    flagged = [r for r in rows if is_finding(r)]
    out = []
    for group in _join(flagged, pub):
        members = [flagged[i] for i in group]
        ids = _unique(i for r in members for i in r["ids"].split(";"))
        widest = sorted(members, key=lambda r: (r["check"] not in WIDEST, WIDEST.index(r["check"])
                                                if r["check"] in WIDEST else 0, -len(r["ids"].split(";"))))
        out.append({
            "origin": "automatic",
            "severity": max((r["severity"] for r in members), key=_RANK.get),
            "checks": ";".join(_unique(r["check"] for r in members)),
            "locations": SEP.join(_locations(members)),
            "printed": widest[0]["printed"],
            "consistent_alternative": next((r["consistent_alternative"] for r in widest
                                            if r["consistent_alternative"]), ""),
            "note": SEP.join(_unique(r["note"] for r in members)),
            "ids": ";".join(ids),
            "_culprits": frozenset().union(*(r["_culprits"] for r in members)),
            "_first": group[0],
        })
    return sorted(out, key=lambda f: (-_RANK[f["severity"]], f["_first"]))


def recorded_findings(pub: Publication) -> list[dict]:
    """The conflicts the file records, one finding each (not numbered)."""
    out = []
    for c in pub.conflicts:
        entries = [pub.by_id[i] for i in c["ids"] if i in pub.by_id]
        out.append({"origin": "recorded", "severity": CONFLICT_SEVERITY.get(c["kind"], "minor"),
                    "checks": f"recorded:{c['kind']}",
                    "locations": SEP.join(dict.fromkeys(_entry_location(e) for e in entries)),
                    "printed": " / ".join(e["value"] for e in entries), "consistent_alternative": "",
                    "note": c["description"], "ids": ";".join(c["ids"]), "_culprits": frozenset(c["ids"])})
    return out


def to_findings(pub: Publication, rows: list[dict]) -> pd.DataFrame:
    """The findings frame of ``audit.csv`` (columns :data:`COLUMNS`; see the module docstring)."""
    auto, recorded = automatic_findings(pub, rows), recorded_findings(pub)
    for k, f in enumerate(auto, 1):
        f["finding"] = f"A{k}"
    for k, f in enumerate(recorded, 1):
        f["finding"] = f"R{k}"
    for f in auto:
        f["related"] = ";".join(r["finding"] for r in recorded if r["_culprits"] & f["_culprits"])
    for r in recorded:
        r["related"] = ";".join(f["finding"] for f in auto if r["_culprits"] & f["_culprits"])
    return pd.DataFrame(auto + recorded, columns=list(COLUMNS))


def check_summary(rows: list[dict], descriptions: dict[str, str]) -> pd.DataFrame:
    """One row per check (the keys of ``descriptions``, in order, then any other check the rows carry): what it
    verifies, how many numbers it found consistent, how many of its rows found something, and how many things it
    could not check."""
    out = []
    for name in dict.fromkeys([*descriptions, *(r["check"].split(":")[0] for r in rows)]):
        mine = [r for r in rows if r["check"].split(":")[0] == name]
        ok_ids = {i for r in mine if r["severity"] == "ok" for i in r["ids"].split(";") if i}
        out.append({"check": name, "what": descriptions.get(name, ""), "numbers_consistent": len(ok_ids),
                    "rows_flagged": sum(is_finding(r) for r in mine),
                    "not_checkable": sum(r["severity"] == "info" and not is_finding(r) for r in mine)})
    return pd.DataFrame(out, columns=["check", "what", "numbers_consistent", "rows_flagged", "not_checkable"])
