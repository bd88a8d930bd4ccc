"""Words against numbers: a comparison called significant (or not) against the p-values it speaks of.

The publication file lists such words under ``claims`` (``claim: significant`` or ``not_significant``, the ids of
the p-values meant, and the level the document states, 0.05 unless ``threshold`` says otherwise). A printed p stands
for its rounding interval (``0.035``: 0.0345 up to 0.0355; ``<0.001``: below 0.001), and a p is significant when it
is below the level (the usual "p < 0.05"):

- "significant" with a p whose every possible value is at or above the level → major;
- "not significant" with a p whose every possible value is below the level → major;
- a p whose interval straddles the level (``0.050``) → info: the printed value cannot tell.
"""

from __future__ import annotations

from decimal import Decimal

from .common import Publication, _row, interval


def _entry(pub: Publication, claim: dict) -> dict:
    """The claim as an entry of a row (location of the words; no value)."""
    out = {"id": claim["id"], "table": claim["table"], "row": claim["row"], "column": "", "value": claim["claim"]}
    if pub.sources:
        out["_document"] = pub.source_label(claim)
    return out


def check_significance_wording(pub: Publication) -> list[dict]:
    """Every claim against every p-value it names (see the module docstring); one row per claim."""
    rows = []
    for claim in pub.claims:
        words = _entry(pub, claim)
        ps = [pub.by_id[i] for i in claim.get("ids", []) if i in pub.by_id and pub.by_id[i]["statistic"] == "p_value"]
        level = Decimal(str(claim.get("threshold", 0.05)))
        said = claim["claim"].replace("_", " ")
        if not ps:
            rows.append(_row("significance_wording", [words], said, "info",
                             "no p-value is printed for the comparison; the words cannot be checked"))
            continue
        wrong, unclear = [], []
        for p in ps:
            lo, hi = interval(p)
            below, at_or_above = hi <= level, lo >= level
            if (claim["claim"] == "significant" and at_or_above) or (claim["claim"] == "not_significant" and below):
                wrong.append(p)
            elif not below and not at_or_above:
                unclear.append(p)
        printed = f"{said}: p = {', '.join(p['value'] for p in ps)}"
        if wrong:
            side = "at or above" if claim["claim"] == "significant" else "below"
            rows.append(_row("significance_wording", [words, *ps], printed, "major",
                             f"called {said}, but p = {', '.join(p['value'] for p in wrong)} is {side} {level}",
                             "not significant" if claim["claim"] == "significant" else "significant",
                             culprits=[words, *wrong]))
        elif unclear:
            rows.append(_row("significance_wording", [words, *ps], printed, "info",
                             f"p = {', '.join(p['value'] for p in unclear)} may lie on either side of {level}"))
        else:
            rows.append(_row("significance_wording", [words, *ps], printed, "ok",
                             f"every p is {'below' if claim['claim'] == 'significant' else 'at or above'} {level}"))
    return rows
