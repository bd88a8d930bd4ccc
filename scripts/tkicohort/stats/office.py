"""Excel (.xlsx, openpyxl) and Word (.docx, python-docx) renderings of a printed table, laid out as its HTML page:
the title, one bold header row between rules, the rows (a level indented under its heading), a closing rule and the
footnotes under the table. Cells outside the wrapping columns do not break ("9.5 (7.1–12.0)" stays on one line).

Safe to open: every cell is written as **text** — an Excel cell that starts like a formula (``=``, ``+``, ``-``,
``@``, see :data:`tkicohort.io.FORMULA_START`) is stored as a string with Excel's own "quote prefix" flag, the
mark Excel sets when a user types ``'=...``, so it is shown and kept as text and never evaluated (the CSV writer's
apostrophe, :func:`tkicohort.io.neutralise_formula`, is the same defence for a format without a type per cell).
Characters XML cannot hold (control characters) are replaced by U+FFFD.

Deterministic: the same table gives the same bytes. Both formats are ZIP packages of XML whose writers stamp the
current time (document properties, and each member's ZIP header): the properties are fixed (created and modified
2000-01-01T00:00:00Z, no author) and the package is written with fixed member times and permissions.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import threading
import zipfile

from .printed import Printed

FIXED_TIME = datetime.datetime(2000, 1, 1)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = re.compile(r"^(\s*[=+\-@]|[\t\r])")


def xml_text(value) -> str:
    return _XML_ILLEGAL.sub("\ufffd", str(value))


def normalised_package(data: bytes) -> bytes:
    """The ZIP package ``data`` with every member's time set to 1980-01-01 00:00 and mode 0644, order kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(_fixed_member(info.filename), src.read(info.filename))
    return out.getvalue()


def _fixed_member(name: str) -> zipfile.ZipInfo:
    """A deflated member ``name`` dated 1980-01-01 00:00 with mode 0644."""
    fixed = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    fixed.compress_type, fixed.create_system, fixed.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
    return fixed


def _widths(p: Printed) -> list[int]:
    """Column widths in characters: the longest cell, at most 60 in a wrapping column."""
    widths = []
    for j, head in enumerate(p.header):
        longest = max([len(head)] + [len(r[j]) + 2 * p.indent[i] * (j == 0) for i, r in enumerate(p.rows)])
        widths.append(min(longest, 60) if j in p.wrap else longest)
    return widths


def to_xlsx(p: Printed) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    sheet = book.active
    sheet.title = "Table"
    thick, thin = Side(style="medium"), Side(style="thin")

    def put(row: int, column: int, text: str, **style):
        cell = sheet.cell(row=row, column=column)
        cell.value = xml_text(text)
        cell.data_type = "s"  # text, whatever it looks like
        if _FORMULA_START.match(cell.value):
            cell.quotePrefix = True
        for key, value in style.items():
            setattr(cell, key, value)
        return cell

    put(1, 1, p.title, font=Font(bold=True))
    first = 3
    for j, head in enumerate(p.header, start=1):
        put(first, j, head, font=Font(bold=True), border=Border(top=thick, bottom=thin),
            alignment=Alignment(wrap_text=j - 1 in p.wrap, vertical="top"))
    # one style object per distinct alignment and border, not one per cell: building openpyxl's style objects was
    # most of the time of a table; the workbook's style table is the same (openpyxl indexes styles by value)
    alignments = functools.cache(lambda indent, wrap: Alignment(indent=indent, wrap_text=wrap, vertical="top"))
    plain, closing = Border(), Border(bottom=thick)
    for i, (row, level) in enumerate(zip(p.rows, p.indent, strict=True), start=first + 1):
        last = i == first + len(p.rows)
        for j, text in enumerate(row, start=1):
            put(i, j, text, alignment=alignments(2 * level if j == 1 else 0, j - 1 in p.wrap),
                border=closing if last else plain)
    for k, note in enumerate(p.footnotes, start=first + len(p.rows) + 2):
        put(k, 1, note, font=Font(size=9))
    for j, width in enumerate(_widths(p), start=1):
        sheet.column_dimensions[sheet.cell(row=first, column=j).column_letter].width = width + 2
    props = book.properties
    props.creator, props.lastModifiedBy, props.title = None, None, xml_text(p.title)
    props.created = props.modified = FIXED_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()  # ExcelWriter.save() would stamp the current time
    return normalised_package(buffer.getvalue())


def _border(element, edges: dict[str, str]) -> None:
    """Set Word borders (``top``/``bottom`` → size in eighths of a point) on a table or cell properties element."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = element.tag == qn("w:tblPr")
    tag = "w:tblBorders" if table else "w:tcBorders"
    borders = element.find(qn(tag))
    if borders is None:
        borders = OxmlElement(tag)
        # the schema orders the children of a properties element: borders come before these
        later = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook") if table else ("w:shd", "w:noWrap",
                                                                                   "w:tcMar", "w:vAlign")
        following = next((child for child in element if child.tag in {qn(t) for t in later}), None)
        if following is None:
            element.append(borders)
        else:
            following.addprevious(borders)
    for edge, size in edges.items():
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), size)
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)


_TEMPLATE = []  # python-docx's default document, parsed once per process (to_docx works on copies of it)
_TEMPLATE_LOCK = threading.Lock()  # the workflow's jobs may run in threads of one process


def _new_document():
    """A fresh copy of python-docx's default document. ``Document()`` parses its 350 kB style sheet at every call;
    a deep copy of a document parsed once is half the cost and the same document."""
    import copy

    from docx import Document

    with _TEMPLATE_LOCK:
        if not _TEMPLATE:
            _TEMPLATE.append(Document())
        return copy.deepcopy(_TEMPLATE[0])


def _docx_package(document) -> bytes:
    """The document as ``normalised_package(document.save())`` gives it, written once instead of compressed twice:
    the members in python-docx's order (content types, package relationships, each part and its relationships;
    ``docx.opc.pkgwriter.PackageWriter.write``) with fixed times and mode. The 800 kB of style sheets in the default
    template made the second compression a third of the time of a table."""
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgwriter import _ContentTypesItem

    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    members = [(CONTENT_TYPES_URI, _ContentTypesItem.from_parts(package.parts).blob),
               (PACKAGE_URI.rels_uri, package.rels.xml)]
    for part in package.parts:
        members.append((part.partname, part.blob))
        if len(part.rels):
            members.append((part.partname.rels_uri, part.rels.xml))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for uri, blob in members:
            archive.writestr(_fixed_member(uri.membername), blob)
    return out.getvalue()


def to_docx(p: Printed) -> bytes:
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.shared import Cm, Pt

    document = _new_document()
    section = document.sections[0]
    if len(p.header) > 6 or sum(_widths(p)) > 110:  # a wide table gets a landscape page
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(9)
    title = document.add_paragraph()
    title.add_run(xml_text(p.title)).bold = True
    table = document.add_table(rows=1 + len(p.rows), cols=len(p.header))
    # python-docx builds a row's cell objects anew at each ``row.cells`` (and a column's by walking every row): the
    # grid is taken once, which makes a table of 50 rows ~10 times faster to write; the XML is the same
    grid = [row.cells for row in table.rows]
    _border(table._tbl.tblPr, {"top": "12", "bottom": "12"})
    for j, head in enumerate(p.header):
        cell = grid[0][j]
        cell.paragraphs[0].add_run(xml_text(head)).bold = True
        _border(cell._tc.get_or_add_tcPr(), {"bottom": "6"})
    for i, (row, level) in enumerate(zip(p.rows, p.indent, strict=True), start=1):
        for j, text in enumerate(row):
            cell = grid[i][j]
            paragraph = cell.paragraphs[0]
            paragraph.add_run(xml_text(text))
            if j == 0 and level:
                paragraph.paragraph_format.left_indent = Cm(0.4 * level)
            if j not in p.wrap:
                cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
    # column widths in proportion to their longest text, filling the width between the margins
    widths = _widths(p)
    usable = section.page_width - section.left_margin - section.right_margin
    for j, width in enumerate(widths):
        share = int(usable * width / sum(widths))
        table.columns[j].width = share
        for cells in grid:
            cells[j].width = share
    for note in p.footnotes:
        document.add_paragraph().add_run(xml_text(note)).font.size = Pt(8)
    core = document.core_properties
    core.author = core.last_modified_by = core.comments = core.keywords = core.subject = ""
    core.title, core.revision = xml_text(p.title), 1
    core.created = core.modified = core.last_printed = FIXED_TIME
    return _docx_package(document)
