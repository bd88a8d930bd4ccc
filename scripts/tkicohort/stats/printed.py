"""A table as a journal prints it, and its Markdown and HTML renderings.

:class:`Printed` holds text only (numbers become text in :mod:`tkicohort.stats.render`, nowhere else): a title, one
header row, body rows, an indentation level per row (0 = a heading or a row of its own, 1 = a level under its
heading, as gtsummary lays out a categorical variable), footnotes, and which columns may wrap (labels and notes;
every other cell — "9.5 (7.1–12.0)", "<0.001" — is kept on one line). Footnote markers are superscript numbers
written into the cells they annotate (a header for a statistic or a test, a level for a note), so they survive in
every format: Markdown, HTML, Excel and Word (:mod:`tkicohort.stats.office`).

Labels and levels come from other people's plans and data files: every cell is escaped for the format it is written
in (HTML entities; Markdown markup and the start of raw HTML).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
#: The text between these comments of a table's HTML page is the table itself (the report embeds it).
FRAGMENT_BEGIN, FRAGMENT_END = "<!-- table:begin -->", "<!-- table:end -->"


@dataclass
class Printed:
    title: str
    header: list[str]
    rows: list[list[str]]
    indent: list[int] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    wrap: frozenset[int] = frozenset({0})

    def __post_init__(self):
        if not self.indent:
            self.indent = [0] * len(self.rows)
        if any(len(r) != len(self.header) for r in self.rows) or len(self.indent) != len(self.rows):
            raise ValueError("every row needs one cell per header column and an indentation level")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, title: str, footnotes=()) -> Printed:
        """A printed table from a frame of cells (columns = header), without indentation."""
        rows = [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
        wrap = frozenset(i for i, c in enumerate(frame.columns) if i == 0 or str(c) in ("Note", "Warning"))
        return cls(title, [str(c) for c in frame.columns], rows, footnotes=list(footnotes), wrap=wrap)


class Footnotes:
    """Numbered footnotes: :meth:`mark` gives the superscript marker of a text, the same text the same marker."""

    def __init__(self):
        self.texts: list[str] = []

    def mark(self, text: str) -> str:
        if not text:
            return ""
        if text not in self.texts:
            self.texts.append(text)
        return str(self.texts.index(text) + 1).translate(SUPERSCRIPT)

    def marks(self, *texts: str) -> str:
        return ",".join(m for m in (self.mark(t) for t in texts) if m)

    def lines(self) -> list[str]:
        return [f"{str(i).translate(SUPERSCRIPT)} {t}" for i, t in enumerate(self.texts, start=1)]


#: Characters with a meaning in Markdown (emphasis, code, links, images, tables, escapes).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|!#~])")
#: What could start raw HTML in a Markdown viewer: ``<`` before a tag name, ``/``, ``!`` or ``?``, and ``&`` starting
#: an entity. "< 6 months" and "<0.001" stay as they are.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")


def markdown_text(value) -> str:
    """``value`` as literal Markdown text on one line: markup characters escaped, the start of a tag or an entity
    written as an entity, line breaks as spaces. Labels and levels come from other people's plans and data files."""
    text = re.sub(r"[\r\n]+", " ", str(value))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _HTML_START.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)


def _as_printed(table, title: str | None) -> Printed:
    return table if isinstance(table, Printed) else Printed.from_frame(table, title or "")


def to_markdown(table: Printed | pd.DataFrame, title: str | None = None) -> str:
    """GitHub-flavoured Markdown: the title as a heading, the table (an indented row starts with em spaces),
    then the footnotes."""
    p = _as_printed(table, title)
    header = "| " + " | ".join(markdown_text(c) for c in p.header) + " |"
    rule = "| " + " | ".join("---" for _ in p.header) + " |"
    body = ["| " + " | ".join(("\u2003" * level if i == 0 else "") + markdown_text(v) for i, v in enumerate(row))
            + " |" for row, level in zip(p.rows, p.indent, strict=True)]
    notes = ["", *(markdown_text(n) + "  " for n in p.footnotes)] if p.footnotes else []
    return "\n".join([f"## {markdown_text(title if title is not None else p.title)}", "", header, rule, *body,
                      *notes, ""])


#: Three-line journal table; cells outside the wrapping columns never break ("9.5 (7.1–12.0)" stays whole).
TABLE_CSS = (
    "table.journal{border-collapse:collapse;margin:0.5em 0}"
    ".journal th,.journal td{padding:3px 9px;text-align:left;vertical-align:top;white-space:nowrap}"
    ".journal .wrap{white-space:normal;min-width:12em;max-width:36em}"
    ".journal thead th{border-top:2px solid #000;border-bottom:1px solid #000;font-weight:bold}"
    ".journal tbody tr:last-child td{border-bottom:2px solid #000}"
    ".journal td.indent1{padding-left:2em}"
    ".journal caption{caption-side:top;text-align:left;font-weight:bold;padding-bottom:0.4em}"
    "p.footnote{margin:0.15em 0;font-size:0.9em}"
)


def html_fragment(table: Printed | pd.DataFrame, title: str | None = None) -> str:
    """The table with its title as caption and the footnotes under it, escaped, without a page around it."""
    p = _as_printed(table, title)

    def cell(tag: str, text: str, column: int, level: int = 0) -> str:
        classes = [c for c in ("wrap" if column in p.wrap else "", f"indent{level}" if level and column == 0 else "")
                   if c]
        attribute = f' class="{" ".join(classes)}"' if classes else ""
        return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", c, i) for i, c in enumerate(p.header))
    body = "\n".join("<tr>" + "".join(cell("td", v, i, level) for i, v in enumerate(row)) + "</tr>"
                     for row, level in zip(p.rows, p.indent, strict=True))
    notes = "".join(f'\n<p class="footnote">{html.escape(n)}</p>' for n in p.footnotes)
    caption = html.escape(title if title is not None else p.title)
    return (f'<table class="journal"><caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody></table>{notes}")


def to_html(table: Printed | pd.DataFrame, title: str | None = None) -> str:
    """A self-contained HTML page of the table (no script, no external resource); the table itself sits between
    :data:`FRAGMENT_BEGIN` and :data:`FRAGMENT_END`."""
    p = _as_printed(table, title)
    heading = title if title is not None else p.title
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(heading)}</title>'
            "<style>body{font-family:Helvetica,Arial,sans-serif;font-size:13px;margin:1.5em}"
            f"{TABLE_CSS}</style></head><body>\n{FRAGMENT_BEGIN}\n{html_fragment(p, title)}\n{FRAGMENT_END}\n"
            "</body></html>\n")


def fragment_of(page: str) -> str:
    """The table of a page written by :func:`to_html`."""
    start, end = page.find(FRAGMENT_BEGIN), page.find(FRAGMENT_END)
    if start < 0 or end < start:
        raise ValueError("not a table page: no table markers")
    return page[start + len(FRAGMENT_BEGIN):end].strip("\n")
