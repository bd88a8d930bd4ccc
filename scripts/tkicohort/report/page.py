"""Building blocks of the report pages (see :mod:`tkicohort.report`)."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

from ..stats.printed import TABLE_CSS, fragment_of

COHORT_BEGIN, COHORT_END = "<!-- cohort:begin -->", "<!-- cohort:end -->"
TABLE_FORMATS = (("csv", "CSV"), ("md", "Markdown"), ("xlsx", "Excel"), ("docx", "Word"))
SEVERITY_ORDER = ("major", "minor", "info", "ok")

CSS = (
    "body{font-family:Helvetica,Arial,sans-serif;font-size:13px;margin:1.5em auto;max-width:75em;padding:0 1em;"
    "color:#111;line-height:1.4}"
    "h1{font-size:1.6em}h2{font-size:1.35em;border-bottom:1px solid #999;margin-top:2em}h3{font-size:1.1em}"
    "nav ul{columns:2}figure{margin:1em 0 2em}img{max-width:100%;height:auto}"
    "figcaption,.caption{color:#333;max-width:60em}.links{font-size:0.9em;color:#555}"
    "section.table{margin:1em 0 2.5em;overflow-x:auto}"
    "table.plain{border-collapse:collapse;margin:0.5em 0}"
    ".plain td,.plain th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
    ".reproduction table{border-collapse:collapse;margin-bottom:1.5em}"
    ".reproduction td,.reproduction th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}"
    ".differs,.major{background:#fde2e2}.close,.minor{background:#fff4d6}.not_reproducible{background:#eee}"
    + TABLE_CSS
)

_DOCUTILS = {"_disable_config": True, "raw_enabled": False, "file_insertion_enabled": False, "report_level": 5,
             "halt_level": 5, "warning_stream": False, "embed_stylesheet": False, "doctitle_xform": False}


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def caption(template: str | Path, **wildcards) -> str:
    """A ``workflow/report`` caption as HTML: its Jinja2 conditions evaluated on ``wildcards`` (as
    ``snakemake.wildcards``), then its reStructuredText converted (no raw HTML, no file inclusion)."""
    import jinja2
    from docutils.core import publish_parts
    from docutils.writers.html5_polyglot import Writer

    text = Path(template).read_text(encoding="utf-8")
    source = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(
        snakemake=SimpleNamespace(wildcards=SimpleNamespace(**wildcards)))
    return publish_parts(source, writer=Writer(), settings_overrides=dict(_DOCUTILS))["fragment"].strip()


def links(stem: str, formats) -> str:
    """Links to the files of one result (relative to the cohort's folder)."""
    return " · ".join(f'<a href="{esc(f"{stem}.{ext}")}">{esc(name)}</a>' for ext, name in formats)


def table_section(cohort: str, name: str, page: str) -> str:
    """A table of the cohort inline: the fragment of its HTML page, then links to every format of it."""
    return (f'<section class="table" id="{esc(cohort)}-table-{esc(name)}">\n{fragment_of(page)}\n'
            f'<p class="links">{links(f"tables/{name}", TABLE_FORMATS)}</p>\n</section>')


def figure_section(cohort: str, name: str, png: bytes, caption_html: str) -> str:
    """A figure embedded as a PNG data URI, with its caption and links to its PNG and SVG files."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="{esc(cohort)}-figure-{esc(name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(name)}">\n<figcaption>{caption_html}\n<p class="links">'
            f'{links(f"figures/{name}", (("png", "PNG"), ("svg", "SVG")))}</p></figcaption></figure>')


def csv_table(text: str, classes: dict[str, str] | None = None, keep=None) -> str:
    """A CSV file as a plain HTML table, every cell escaped; ``keep`` filters rows (a dict per row), ``classes``
    maps a column to the row's class (its value)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = list(rows[0]) if rows else next(csv.reader(io.StringIO(text)), [])
    shown = [r for r in rows if keep is None or keep(r)]
    body = []
    for r in shown:
        cls = next((f' class="{esc(r[c])}"' for c in (classes or {}) if r.get(c)), "")
        body.append(f"<tr{cls}>" + "".join(f"<td>{esc(r.get(c, ''))}</td>" for c in columns) + "</tr>")
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    return f'<table class="plain"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table>"


def ingest_section(report: dict) -> str:
    """What ingestion read: one row per contract file (present, rows) and its warnings."""
    rows = "".join(f"<tr><td>{esc(name)}.csv</td><td>{'yes' if f.get('present') else 'no'}</td>"
                   f"<td>{int(f.get('rows', 0))}</td></tr>" for name, f in sorted(report.get("files", {}).items()))
    warnings = report.get("warnings") or []
    listed = ("<ul>" + "".join(f"<li>{esc(w if isinstance(w, str) else json.dumps(w, ensure_ascii=False))}</li>"
                               for w in warnings) + "</ul>") if warnings else "<p>No warnings.</p>"
    return (f'<table class="plain"><thead><tr><th>file</th><th>supplied</th><th>rows</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>\n{listed}")


def body_of(page: str, begin: str = "<body>", end: str = "</body>") -> str:
    """The text of ``page`` between ``begin`` and ``end`` (a page the pipeline wrote itself)."""
    start, stop = page.find(begin), page.rfind(end)
    if start < 0 or stop < start:
        raise ValueError(f"no {begin} … {end} in the page")
    return page[start + len(begin):stop].strip("\n")


def audit_section(text: str) -> str:
    """The publication audit (``audit.csv``: one row per finding): counts per severity and origin, then the
    findings, major first (the audit's own page, linked beside, lists every check)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    counts = {s: sum(r.get("severity") == s for r in rows) for s in SEVERITY_ORDER}
    summary = ", ".join(f"{counts[s]} {s}" for s in SEVERITY_ORDER if counts[s])
    recorded = sum(r.get("origin") == "recorded" for r in rows)
    origin = f" ({len(rows) - recorded} found by the checks, {recorded} recorded by hand)" if rows else ""
    return (f"<p>{len(rows)} findings{': ' + esc(summary) if summary else ''}{esc(origin)}.</p>\n"
            f"{csv_table(text, {'severity': 'severity'})}")


def page(title: str, body: str) -> str:
    """A complete self-contained page (no script, no external resource)."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def relocate(section: str, folder: str) -> str:
    """A cohort's section moved from ``results/<cohort>/`` to ``results/``: its relative links gain the folder
    (anchors and links with a scheme stay). Only the pipeline's own attributes can hold ``href="``: every quote of
    a text is escaped as ``&quot;``."""
    return re.sub(r'href="(?!#|[A-Za-z][A-Za-z0-9+.-]*:)', f'href="{folder}/', section)
