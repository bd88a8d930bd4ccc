"""Reading one CSV file of a cohort as text, keeping the line number of every row.

Every cell is read as a string (blank = ``""``) so that nothing is silently coerced; the checks in
:mod:`tkicohort.ingest.validate` turn strings into typed columns. Problems that make the file unreadable as a table
(missing, empty, not UTF-8, a ragged row, a repeated column name) are reported as one violation naming the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .violations import Violation



@dataclass
class RawTable:
    """A CSV file as strings: ``frame`` has one column per header name; ``lines`` the CSV line of each row."""

    file: str
    header: list[str]
    frame: pd.DataFrame
    lines: pd.Series


def read_raw(path: Path, display_name: str) -> tuple[RawTable | None, list[Violation]]:
    """Read ``path``; return the table, or None and the file-level violations."""
    name = display_name
    if not path.exists():
        return None, [Violation(name, 0, "", None, "file not found")]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [Violation(name, line, "", None,
                                f"cannot be decoded as UTF-8 (byte {e.start}); save the file as UTF-8 CSV")]
    if not text.strip():
        return None, [Violation(name, 0, "", None, "file is empty; expected a header row and data rows")]

    first_line = text.splitlines()[0]
    header = [h.strip() for h in next(csv.reader([first_line]))]
    problems = _header_problems(name, header)
    if problems:
        return None, problems

    fields, lines = _fields_per_record(text)
    short_or_long = fields != len(header)
    if short_or_long.any():
        first = int(np.flatnonzero(short_or_long)[0])
        n_bad = int(short_or_long.sum())
        more = f" ({n_bad} such rows in all)" if n_bad > 1 else ""
        return None, [Violation(name, int(lines[first]), "", None,
                                f"row has {int(fields[first])} fields but the header has {len(header)}{more}; "
                                "check for an unquoted comma or a missing field")]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[], engine="c")
    except pd.errors.ParserError as e:  # pragma: no cover - the field count above catches ragged rows first
        return None, [Violation(name, 0, "", None, f"cannot be read as CSV: {e}")]
    frame.columns = header
    if len(frame) != len(lines):  # pragma: no cover - defensive: the two readers must agree
        return None, [Violation(name, 0, "", None, "cannot be read as CSV: inconsistent record structure")]
    frame = frame.apply(lambda s: s.str.strip())
    lines = pd.Series(lines, dtype=np.int64)
    return RawTable(name, header, frame, lines), []


def _header_problems(name: str, header: list[str]) -> list[Violation]:
    out = []
    seen: set[str] = set()
    for h in header:
        if h == "":
            out.append(Violation(name, 1, "", None, "the header has an empty column name"))
        elif h in seen:
            out.append(Violation(name, 1, h, None, "column name appears twice in the header"))
        seen.add(h)
    return out


def _fields_per_record(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Number of fields and starting line of every non-blank data record (the header excluded).

    Without quote characters a record is a line, and fields are counted from the commas with numpy (fast for
    millions of rows). With quotes, a quoted field may hold commas and line breaks, so the exact ``csv`` reader
    walks the records; that path is slower and only taken when the file uses quotes.
    """
    if '"' not in text:
        b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        newline = np.flatnonzero(b == 10)
        ends = np.append(newline, len(b)) if (len(b) and b[-1] != 10) else newline
        starts = np.concatenate(([0], ends[:-1] + 1))
        commas = np.concatenate(([0], np.cumsum(b == 44)))
        n_commas = commas[ends] - commas[starts]
        non_space = np.concatenate(([0], np.cumsum((b != 32) & (b != 13) & (b != 9) & (b != 10))))
        blank = (non_space[ends] - non_space[starts]) == 0
        line_no = np.arange(1, len(ends) + 1)
        keep = ~blank
        keep[0] = False  # the header
        return (n_commas[keep] + 1).astype(np.int64), line_no[keep].astype(np.int64)
    fields, lines = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    for i, record in enumerate(reader):
        start_line = previous_end + 1
        previous_end = reader.line_num
        if i == 0 or not record or (len(record) == 1 and not record[0].strip()):
            continue
        fields.append(len(record))
        lines.append(start_line)
    return np.asarray(fields, dtype=np.int64), np.asarray(lines, dtype=np.int64)
