"""The audit as a page a reviewer reads (``results/<study>/audit.html``): the findings of the checks, most severe
first, each with every place it concerns as a list; the conflicts recorded by hand apart, each linked to the
automatic findings that see it; then what every check verifies and how many numbers it found consistent.

Self-contained (no script, no external resource); every text comes from publication files and is escaped.
"""

from __future__ import annotations

import html

import pandas as pd

from .findings import SEP

CSS = (
    "body{font-family:Helvetica,Arial,sans-serif;font-size:13px;margin:1.5em auto;max-width:80em;padding:0 1em;"
    "color:#111;line-height:1.4}h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:2em}"
    "table{border-collapse:collapse;margin:0.5em 0;width:100%}th,td{border:1px solid #bbb;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}td ul{margin:0;padding-left:1.1em}"
    "td.num{text-align:right;white-space:nowrap}.sev{font-weight:bold;white-space:nowrap}"
    "tr.major .sev{color:#a40000}tr.minor .sev{color:#8a5a00}tr.info .sev{color:#555}"
    "tr.major{background:#fdeaea}tr.minor{background:#fff7e0}.note{color:#333}.muted{color:#666}"
    "a{color:#1a4f8b}"
)


def _e(text) -> str:
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text), quote=True)


def _list(text: str, sep: str) -> str:
    items = [t.strip() for t in str(text or "").split(sep) if t.strip()]
    if len(items) <= 1:
        return _e(items[0] if items else "")
    return "<ul>" + "".join(f"<li>{_e(t)}</li>" for t in items) + "</ul>"


def _links(text: str) -> str:
    refs = [t for t in str(text or "").split(";") if t]
    return ", ".join(f'<a href="#{_e(t)}">{_e(t)}</a>' for t in refs)


def _what(checks: str, descriptions: dict[str, str]) -> str:
    names = [c for c in str(checks).split(";") if c]
    return _list("\n".join(descriptions.get(c.split(":")[0], c) for c in names), "\n")


def _automatic(findings: pd.DataFrame, descriptions: dict[str, str]) -> str:
    if findings.empty:
        return "<p>The checks found nothing.</p>"
    rows = []
    for f in findings.itertuples():
        recorded = _links(f.related) or '<span class="muted">not recorded</span>'
        rows.append(f'<tr class="{_e(f.severity)}" id="{_e(f.finding)}"><td>{_e(f.finding)}</td>'
                    f'<td class="sev">{_e(f.severity)}</td><td>{_what(f.checks, descriptions)}</td>'
                    f"<td>{_list(f.locations, SEP)}</td><td>{_e(f.printed)}</td>"
                    f"<td>{_e(f.consistent_alternative)}</td><td class=\"note\">{_list(f.note, SEP)}</td>"
                    f"<td>{recorded}</td></tr>")
    head = ("<tr><th>#</th><th>severity</th><th>what is checked</th><th>where</th><th>printed</th>"
            "<th>would agree with</th><th>why</th><th>recorded as</th></tr>")
    return f"<table><thead>{head}</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _recorded(findings: pd.DataFrame) -> str:
    if findings.empty:
        return "<p>The publication file records no conflict.</p>"
    rows = []
    for f in findings.itertuples():
        seen = _links(f.related) or '<span class="muted">not visible from the printed numbers alone</span>'
        kind = str(f.checks).removeprefix("recorded:").replace("_", " ")
        rows.append(f'<tr class="{_e(f.severity)}" id="{_e(f.finding)}"><td>{_e(f.finding)}</td>'
                    f'<td>{_e(kind)}</td><td class="sev">{_e(f.severity)}</td><td>{_list(f.locations, SEP)}</td>'
                    f'<td>{_e(f.printed)}</td><td class="note">{_e(f.note)}</td><td>{seen}</td></tr>')
    head = ("<tr><th>#</th><th>kind</th><th>severity</th><th>where</th><th>printed</th><th>description</th>"
            "<th>found by the checks as</th></tr>")
    return f"<table><thead>{head}</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _checks(checks: pd.DataFrame) -> str:
    ran = checks[(checks["numbers_consistent"] > 0) | (checks["rows_flagged"] > 0) | (checks["not_checkable"] > 0)]
    idle = checks[~checks.index.isin(ran.index)]
    rows = "".join(f"<tr><td>{_e(c.check)}</td><td>{_e(c.what)}</td><td class=\"num\">{c.numbers_consistent}</td>"
                   f"<td class=\"num\">{c.rows_flagged}</td><td class=\"num\">{c.not_checkable}</td></tr>"
                   for c in ran.itertuples())
    head = ("<tr><th>check</th><th>what it verifies</th><th>numbers found consistent</th><th>rows that found "
            "something</th><th>could not be checked</th></tr>")
    out = f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>"
    if not idle.empty:
        out += ("<p class=\"muted\">Nothing in this file for: " + ", ".join(_e(c) for c in idle["check"]) + ".</p>")
    return out


def _counts(frame: pd.DataFrame) -> str:
    counts = frame["severity"].value_counts()
    return ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("major", "minor", "info") if counts.get(s, 0)) or "none"


def audit_page(label: str, documents: list[str], findings: pd.DataFrame, checks: pd.DataFrame,
               descriptions: dict[str, str], compared_with: list[str] = ()) -> str:
    """The audit page of one study (see the module docstring)."""
    auto = findings[findings["origin"] == "automatic"]
    recorded = findings[findings["origin"] == "recorded"]
    title = f"Audit of the published numbers — {label}"
    others = f" Compared with: {_e('; '.join(compared_with))}." if compared_with else ""
    intro = (f"<p>Documents: {_e('; '.join(documents))}.{others} "
             f"Findings of the checks: {_e(_counts(auto))}; conflicts "
             f"recorded by hand: {_e(_counts(recorded))}. One finding per inconsistency, with every place it "
             "concerns; the checks work from the printed numbers alone, the recorded conflicts were read off the "
             "text.</p>")
    body = (f"<h1>{_e(title)}</h1>\n{intro}\n<h2>Found by the checks</h2>\n{_automatic(auto, descriptions)}\n"
            f"<h2>Recorded by hand</h2>\n{_recorded(recorded)}\n<h2>Checks</h2>\n{_checks(checks)}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f"<body>\n{body}\n</body></html>\n")
