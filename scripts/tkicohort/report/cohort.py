"""A cohort's report page and the page of every cohort of a run (see :mod:`tkicohort.report`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .page import (
    COHORT_BEGIN,
    COHORT_END,
    audit_section,
    body_of,
    caption,
    csv_table,
    esc,
    figure_section,
    ingest_section,
    links,
    page,
    relocate,
    table_section,
)


@dataclass
class CohortFiles:
    """What a cohort's page is made of: the files of the earlier stages and the captions' folder."""

    cohort: str
    title: str
    ingest_report: Path
    tables: dict[str, Path]  # name → its HTML page, in the order of the plan's tables
    figures: dict[str, Path]  # name → its PNG file
    captions: Path
    reproduction_html: Path | None = None
    reproduction_csv: Path | None = None
    audit_csv: Path | None = None
    plausibility_csv: Path | None = None
    notes: list[str] = field(default_factory=list)


def _read(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8")


def cohort_section(f: CohortFiles) -> str:
    """The cohort's part of a page, between :data:`COHORT_BEGIN` and :data:`COHORT_END`; links relative to the
    cohort's folder, ids prefixed with the cohort's name."""
    c, cap = f.cohort, lambda name, **w: caption(f.captions / f"{name}.rst", cohort=c, **w)
    parts = [f'<h1>{esc(f.title)}</h1>\n<p class="caption">Cohort <strong>{esc(c)}</strong>.</p>']
    parts += [f'<p class="caption">{esc(note)}</p>' for note in f.notes]
    contents = [("ingestion", "Data read"), ("derived", "RECIST responses and the analysis dataset")]
    contents += [("tables", "Tables")] if f.tables else []
    contents += [("figures", "Figures")] if f.figures else []
    contents += [("reproduction", "Reproduction of the publication")] if f.reproduction_html else []
    parts.append("<nav><ul>" + "".join(f'<li><a href="#{esc(c)}-{key}">{esc(text)}</a></li>'
                                       for key, text in contents) + "</ul></nav>")

    report = json.loads(_read(f.ingest_report))
    parts.append(f'<h2 id="{esc(c)}-ingestion">Data read</h2>\n{cap("ingest")}\n{ingest_section(report)}')
    derived = [("visits", "recist/visits"), ("best_response", "recist/best_response"),
               ("analysis_dataset", "analysis/patients")]
    parts.append(f'<h2 id="{esc(c)}-derived">RECIST responses and the analysis dataset</h2>')
    parts += [f'{cap(name)}\n<p class="links">{links(stem, (("csv", "CSV"),))}</p>' for name, stem in derived]

    if f.tables:
        parts.append(f'<h2 id="{esc(c)}-tables">Tables</h2>\n{cap("tables", tables=list(f.tables))}')
        parts.append("<ul>" + "".join(f'<li><a href="#{esc(c)}-table-{esc(n)}">{esc(n)}</a></li>'
                                      for n in f.tables) + "</ul>")
        parts += [table_section(c, name, _read(path)) for name, path in f.tables.items()]
    if f.figures:
        parts.append(f'<h2 id="{esc(c)}-figures">Figures</h2>')
        parts += [figure_section(c, name, Path(path).read_bytes(), cap("figures", figure=name))
                  for name, path in f.figures.items()]
    if f.reproduction_html:
        parts.append(f'<h2 id="{esc(c)}-reproduction">Reproduction of the publication</h2>\n{cap("reproduction")}')
        parts.append(f'<div class="reproduction">\n{body_of(_read(f.reproduction_html))}\n</div>')
        parts.append(f"<details><summary>Every published number</summary>\n"
                     f'{csv_table(_read(f.reproduction_csv), {"status": "status"})}\n</details>'
                     f'<p class="links">{links("reproduction", (("csv", "CSV"), ("html", "HTML")))}</p>')
        parts.append(f"<h3>Audit of the publication</h3>\n{cap('audit', study=c)}\n{audit_section(_read(f.audit_csv))}"
                     f'<p class="links">{links("audit", (("csv", "CSV"), ("html", "HTML")))}</p>')
    if f.plausibility_csv:
        parts.append(f"<h3>Plausibility of the reconstructed patients</h3>\n{cap('plausibility')}\n"
                     f"{csv_table(_read(f.plausibility_csv), {'status': 'status'})}"
                     f'<p class="links">{links("plausibility", (("csv", "CSV"),))}</p>')
    return f'{COHORT_BEGIN}\n<section class="cohort" id="{esc(c)}">\n' + "\n".join(parts) + f"\n</section>\n{COHORT_END}"


def cohort_page(f: CohortFiles) -> str:
    return page(f"{f.title} — {f.cohort}", cohort_section(f))


def combined_page(pages: dict[str, str], intro: Path, title: str = "Cohort analyses",
                  audits: dict[str, str] | None = None, audit_caption: Path | None = None) -> str:
    """Every cohort's section (taken from its own page) on one page, after the workflow's introduction and a list
    of the cohorts with a link to each cohort's own page; then the audits of the studies that have no cohort in the
    run (``audits``: study → its ``audit.csv`` text; ``audit_caption``: the caption template of an audit)."""
    from .page import caption as render

    listed = "".join(f'<li><a href="#{esc(c)}">{esc(c)}</a> (<a href="{esc(c)}/report.html">own page</a>)</li>'
                     for c in pages)
    listed += "".join(f'<li><a href="#audit-{esc(s)}">{esc(s)}</a>: audit of its published numbers</li>'
                      for s in audits or {})
    sections = [relocate(body_of(text, COHORT_BEGIN, COHORT_END), c) for c, text in pages.items()]
    sections += [relocate(study_audit_section(s, text, audit_caption), s) for s, text in (audits or {}).items()]
    body = f"<h1>{esc(title)}</h1>\n{render(intro)}\n<nav><ul>{listed}</ul></nav>\n" + "\n".join(sections)
    return page(title, body)


def study_audit_section(study: str, text: str, audit_caption: Path | None) -> str:
    """The audit of a study without a cohort (``results/<study>/audit.csv``): its caption, findings and links;
    links relative to the study's folder."""
    cap = caption(audit_caption, study=study) if audit_caption else ""
    return (f'<section class="study" id="audit-{esc(study)}">\n<h2>Audit of study {esc(study)}</h2>\n{cap}\n'
            f'{audit_section(text)}<p class="links">{links("audit", (("csv", "CSV"), ("html", "HTML")))}</p>\n'
            "</section>")
