"""Reading one CSV file of a cohort as text, keeping the line number of every row.

Every cell is read as a string (blank = ``""``) so that nothing is silently coerced; the checks in
:mod:`tkicohort.ingest.validate` turn strings into typed columns. Problems that make the file unreadable as a table
(missing, empty, not UTF-8, a ragged row, a repeated column name) are reported as one violation naming the file.

Speed: a column is held dictionary-encoded (:class:`RawColumn`: integer codes into its distinct values), so type,
range and identifier checks run once per distinct value rather than once per cell. A lesion file of 32 million rows
has a few million distinct values at most (patient ids) and often a handful (days, organs, lesion types). pyarrow's
multi-threaded CSV reader does the parsing and the encoding without creating a Python string per cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .violations import Violation

_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass
class RawColumn:
    """A column of strings as ``levels[codes]``; levels are stripped of surrounding white space."""

    codes: np.ndarray
    levels: pd.Series

    @classmethod
    def from_values(cls, values) -> RawColumn:
        codes, levels = pd.factorize(pd.Series(values, dtype=object).str.strip(), sort=False)
        return cls(codes.astype(np.int32), pd.Series(levels, dtype=object))

    def values(self) -> np.ndarray:
        return self.levels.to_numpy(dtype=object)[self.codes]

    def rows(self, level_mask: pd.Series | np.ndarray) -> np.ndarray:
        """Row positions whose value is one of the levels selected by ``level_mask``."""
        return np.flatnonzero(np.asarray(level_mask, dtype=bool)[self.codes])

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class RawTable:
    """A CSV file as strings: one :class:`RawColumn` per header name, and the CSV line of each row."""

    file: str
    header: list[str]
    columns: dict[str, RawColumn]
    lines: np.ndarray
    n_rows: int


def read_raw(path: Path, display_name: str) -> tuple[RawTable | None, list[Violation]]:
    """Read ``path``; return the table, or None and the file-level violations."""
    name = display_name
    if not path.exists():
        return None, [Violation(name, 0, "", None, "file not found")]
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if _is_blank(head) and path.stat().st_size <= len(head):
        return None, [Violation(name, 0, "", None, "file is empty; expected a header row and data rows")]
    end_of_header = head.find(b"\n")
    first_line = head if end_of_header < 0 else head[:end_of_header]
    try:
        header_text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, [_not_utf8(name, path, e.start)]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    problems = _header_problems(name, header)
    if problems:
        return None, problems
    layout = _scan_layout(path)

    ragged: list[int] = []

    def on_invalid_row(row) -> str:
        ragged.append(row.actual_columns)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=layout.has_quotes,
                                            invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(column_types={h: _DICTIONARY for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as e:
        if "UTF8" in str(e):
            try:
                path.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError as ue:
                return None, [_not_utf8(name, path, ue.start)]
        return None, [Violation(name, 0, "", None, f"cannot be read as CSV: {e}")]

    if ragged:
        return None, [_ragged_violation(name, path, len(header))]
    n_rows = table.num_rows
    lines = _line_numbers(path, layout, n_rows)
    table = table.unify_dictionaries()  # one dictionary per column across the reader's blocks
    columns = {}
    for h in header:
        columns[h] = _encode(table.column(h))
        table = table.drop_columns([h])  # each column is released as soon as it is encoded
    return RawTable(name, header, columns, lines, n_rows), []


def _encode(column: pa.ChunkedArray) -> RawColumn:
    """A dictionary-typed column as a :class:`RawColumn`, its levels stripped of surrounding white space."""
    chunks = column.chunks
    if not chunks or len(chunks[0].dictionary) == 0:
        return RawColumn(np.zeros(len(column), dtype=np.int32), pd.Series([], dtype=object))
    dictionary = chunks[0].dictionary
    indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks]).astype(np.int32, copy=False)
    levels = np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object)
    padded = _padded(dictionary)
    if padded.any():
        levels = levels.copy()
        levels[padded] = [v.strip() for v in levels[padded]]  # a loop over the padded levels only
        # Stripping may merge levels (" F" and "F"): re-encode so equal values share one code.
        merged, uniq = pd.factorize(levels, sort=False)
        if len(uniq) < len(levels):
            indices = merged.astype(np.int32)[indices]
            levels = np.asarray(uniq, dtype=object)
    return RawColumn(indices, pd.Series(levels, dtype=object))


def _padded(values: pa.Array) -> np.ndarray:
    """Which strings start or end with white space (as Python's ``str.strip`` sees it).

    A string changes under ``strip()`` exactly when its first or last character is white space; those characters
    are taken in pyarrow and only their distinct values are tested in Python.
    """
    first = pc.utf8_slice_codeunits(values, 0, 1)
    last = pc.utf8_slice_codeunits(values, -1, 2**31 - 1)
    ends = pc.unique(pa.concat_arrays([first, last])).to_pylist()
    space = [c for c in ends if c and c.isspace()]
    if not space:
        return np.zeros(len(values), dtype=bool)
    space_set = pa.array(space, pa.string())
    return (pc.is_in(first, value_set=space_set).to_numpy(zero_copy_only=False)
            | pc.is_in(last, value_set=space_set).to_numpy(zero_copy_only=False))


def _is_blank(data: bytes) -> bool:
    """Empty, or white space only (a UTF-8 byte-order mark aside); no copy of a large file."""
    bom = b"\xef\xbb\xbf"
    if data.startswith(bom):
        data = data[len(bom):] if len(data) < 4096 else data[len(bom):4096] + (b"x" if len(data) > 4096 else b"")
    return not data or data.isspace()


def _not_utf8(name: str, path: Path, start: int) -> Violation:
    line = path.read_bytes()[:start].count(b"\n") + 1
    return Violation(name, line, "", None, f"cannot be decoded as UTF-8 (byte {start}); save the file as UTF-8 CSV")


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


@dataclass
class _Layout:
    has_quotes: bool  # a quote character after the header line
    n_line_breaks: int  # line breaks before the last non-blank byte


def _scan_layout(path: Path, chunk: int = 1 << 24) -> _Layout:
    """Quotes and line breaks of a file, streamed in chunks (a large file is never held whole)."""
    quotes = False
    with open(path, "rb") as fh:
        breaks = trailing = fh.readline().count(b"\n")  # the header's quotes do not make the data quoted
        while block := fh.read(chunk):
            quotes = quotes or b'"' in block
            breaks += block.count(b"\n")
            stripped = block.rstrip(b"\r\n")
            if stripped:
                trailing = block.count(b"\n", len(stripped))
            else:
                trailing += block.count(b"\n")
    return _Layout(quotes, breaks - trailing)


def _line_numbers(path: Path, layout: _Layout, n_rows: int) -> np.ndarray:
    """CSV line of each data row (header = line 1).

    When the file has as many line breaks as records, every record is one line and the answer is ``row + 2`` (the
    common case, whatever the quoting): a blank line or a line break inside a quoted field would each add a line
    break without adding a record. Otherwise the records are walked to find where each starts.
    """
    if layout.n_line_breaks == n_rows:
        return np.arange(n_rows, dtype=np.int64) + 2
    fields, lines = _fields_per_record(path.read_bytes().decode("utf-8-sig"))
    return lines


def _ragged_violation(name: str, path: Path, n_header: int) -> Violation:
    fields, lines = _fields_per_record(path.read_bytes().decode("utf-8-sig", errors="replace"))
    bad = np.flatnonzero(fields != n_header)
    first = int(bad[0]) if len(bad) else 0
    more = f" ({len(bad)} such rows in all)" if len(bad) > 1 else ""
    return Violation(name, int(lines[first]) if len(bad) else 0, "", None,
                     f"row has {int(fields[first]) if len(bad) else '?'} fields but the header has {n_header}{more}; "
                     "check for an unquoted comma or a missing field")


def _fields_per_record(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Number of fields and starting line of every non-blank data record (the header excluded).

    Only used where the simple one-record-per-line layout does not hold, or to locate a ragged row. Without quote
    characters, fields are counted from the commas with numpy; with quotes (a field may hold commas and line breaks)
    the exact ``csv`` reader walks the records.
    """
    if '"' not in text:
        b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        newline = np.flatnonzero(b == 10)
        ends = np.append(newline, len(b)) if (len(b) and b[-1] != 10) else newline
        starts = np.concatenate(([0], ends[:-1] + 1))
        commas = np.concatenate(([0], np.cumsum(b == 44)))
        n_commas = commas[ends] - commas[starts]
        non_space = np.concatenate(([0], np.cumsum((b != 13) & (b != 10))))
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
        if i == 0 or not record:
            continue
        fields.append(len(record))
        lines.append(start_line)
    return np.asarray(fields, dtype=np.int64), np.asarray(lines, dtype=np.int64)
