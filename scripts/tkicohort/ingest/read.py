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
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import diagnose
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


MAX_LINE_BYTES = diagnose.MAX_LINE_BYTES
_LONE_CR = diagnose.LONE_CR


def read_raw(path: Path, display_name: str) -> tuple[RawTable | None, list[Violation]]:
    """Read ``path``; return the table, or None and the file-level violations."""
    name = display_name
    if not path.exists():
        return None, [Violation(name, 0, "", None, "file not found")]
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if _is_blank(head) and path.stat().st_size <= len(head):
        return None, [Violation(name, 0, "", None, "file is empty; expected a header row and data rows")]
    problem = diagnose.encoding_problem(name, head)
    if problem:
        return None, [problem]
    end_of_header = head.find(b"\n")
    if end_of_header < 0 and b"\r" in head:
        return None, [Violation(name, 1, "", None, "has line breaks made of a carriage return (CR) alone, the old Mac "
                                                   "format; expected LF or CR LF line breaks: save the file as 'CSV "
                                                   "UTF-8 (Comma delimited)'")]
    if end_of_header < 0 and path.stat().st_size > len(head):
        return None, [Violation(name, 1, "", None, f"line 1 is longer than {len(head):,} bytes without a line "
                                                   "break; expected a header row of column names (patient_id, …) "
                                                   "followed by one line per row")]
    first_line = head if end_of_header < 0 else head[:end_of_header]
    try:
        header_text = first_line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as e:
        return None, [_not_utf8(name, path, e.start)]
    if not header_text.strip():
        return None, [Violation(name, 1, "", None, "line 1 is empty; expected the header row of column names "
                                                   "(patient_id, …) as the first line")]
    if "\r" in header_text:
        return None, [Violation(name, 1, "", None, _LONE_CR)]
    if header_text.strip().lower().startswith("sep="):
        return None, [Violation(name, 1, "", None, "line 1 is Excel's 'sep=' hint, not the header; delete that line "
                                                   "so that the column names come first")]
    delimiter = diagnose.other_delimiter(header_text)
    if delimiter:
        return None, [Violation(name, 1, "", None, f"the header is separated by {diagnose.DELIMITERS[delimiter]}; expected "
                                                   "',' (comma): save the file as 'CSV UTF-8 (Comma delimited)'")]
    try:
        header = [h.strip() for h in next(csv.reader([header_text]))]
    except (csv.Error, StopIteration):
        return None, [Violation(name, 1, "", None, "line 1 cannot be read as a header row; expected column names "
                                                   "separated by commas (patient_id, …)")]
    problems = _header_problems(name, header)
    if problems:
        return None, problems
    layout = _scan_layout(path)
    if layout.nul_at >= 0:
        return None, [diagnose.nul_violation(name, path, header, layout.nul_at)]
    if layout.lone_cr:
        return None, [diagnose.lone_cr_violation(name, path)]
    if layout.n_quotes % 2:
        problem = diagnose.unclosed_quote(name, path, header)
        if problem:
            return None, [problem]

    ragged: list[int] = []

    def on_invalid_row(row) -> str:
        ragged.append(row.actual_columns)
        return "skip"

    # pyarrow decodes a bad row's text for the handler; should that text not be UTF-8, the exception is raised in
    # pyarrow's callback, where Python can only print it as "Exception ignored" with a traceback. It is caught here
    # instead and the file is reported as not UTF-8.
    unraisable: list[type] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: unraisable.append(u.exc_type)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=MAX_LINE_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=layout.has_quotes,
                                            invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(column_types={h: _DICTIONARY for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        # pyarrow's message may quote the file's content: it is never shown; the cause is found and named instead.
        try:
            path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as ue:
            return None, [_not_utf8(name, path, ue.start)]
        long_line = diagnose.first_long_line(path)
        if long_line:
            line, size = long_line
            return None, [Violation(name, line, "", None, f"line is {size:,} bytes long, too long to be read "
                                                          f"(lines over {MAX_LINE_BYTES:,} bytes may fail); expected "
                                                          "short values: is a whole document pasted into a cell?")]
        return None, [Violation(name, 0, "", None, "cannot be read as a CSV table; expected comma-separated values "
                                                   "with one header row, saved as 'CSV UTF-8'")]
    finally:
        sys.unraisablehook = previous_hook
    if unraisable:
        try:
            path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as ue:
            return None, [_not_utf8(name, path, ue.start)]
        return None, [Violation(name, 0, "", None, "cannot be read as a CSV table; expected comma-separated values "
                                                   "with one header row, saved as 'CSV UTF-8'")]

    if ragged:
        return None, _ragged_violations(name, path, len(header))
    n_rows = table.num_rows
    lines = _line_numbers(path, layout, n_rows)
    table = table.unify_dictionaries()  # one dictionary per column across the reader's blocks
    columns = {}
    for h in header:
        columns[h] = _encode(table.column(h))
        table = table.drop_columns([h])  # each column is released as soon as it is encoded
    return _without_empty_rows(RawTable(name, header, columns, lines, n_rows))


def _without_empty_rows(raw: RawTable) -> tuple[RawTable, list[Violation]]:
    """Rows with every cell blank (Excel's ``,,,,`` rows) are reported once each and left out of the other checks.

    A column without a blank value rules them out at once (the usual case: no row-wise work)."""
    if any(not (rc.levels == "").any() for rc in raw.columns.values()):
        return raw, []
    empty = np.ones(raw.n_rows, dtype=bool)
    for rc in raw.columns.values():
        empty &= (rc.levels == "").to_numpy()[rc.codes]
    if not empty.any():
        return raw, []
    problems = [Violation(raw.file, int(ln), "", None, "is an empty row (only commas or white space); delete it")
                for ln in raw.lines[empty]]
    keep = ~empty
    columns = {h: RawColumn(rc.codes[keep], rc.levels) for h, rc in raw.columns.items()}
    return RawTable(raw.file, raw.header, columns, raw.lines[keep], int(keep.sum())), problems


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
    n_quotes: int  # quote characters after the header line (odd: maybe a quote left open)
    nul_at: int  # byte offset of the first NUL byte, or -1
    lone_cr: bool  # a carriage return not followed by a line feed after the header line


def _scan_layout(path: Path, chunk: int = 1 << 24) -> _Layout:
    """Quotes, NUL bytes, carriage returns and line breaks of a file, streamed in chunks (a large file is never held
    whole): line breaks are counted; the others are looked for and counted only in a chunk that has them."""
    quotes = carriage_returns = crlf = 0
    previous_cr = False
    nul_at = -1
    with open(path, "rb") as fh:
        header = fh.readline()
        offset = len(header)
        if b"\x00" in header:
            nul_at = header.index(b"\x00")
        breaks = trailing = header.count(b"\n")  # the header's quotes do not make the data quoted
        while block := fh.read(chunk):
            if b'"' in block:
                quotes += block.count(b'"')
            if nul_at < 0 and b"\x00" in block:
                nul_at = offset + block.index(b"\x00")
            offset += len(block)
            breaks += block.count(b"\n")
            # A membership test (memchr) is several times faster than a count: files without quotes or CRs pay
            # only that.
            if b"\r" in block:
                carriage_returns += block.count(b"\r")
                crlf += block.count(b"\r\n")
            crlf += previous_cr and block.startswith(b"\n")
            previous_cr = block.endswith(b"\r")
            stripped = block.rstrip(b"\r\n")
            if stripped:
                trailing = block.count(b"\n", len(stripped))
            else:
                trailing += block.count(b"\n")
    return _Layout(quotes > 0, breaks - trailing, quotes, nul_at, carriage_returns > crlf)


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


def _ragged_violations(name: str, path: Path, n_header: int, limit: int = 1000) -> list[Violation]:
    """One violation per row whose number of fields differs from the header's (the first ``limit`` of them)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    fields, lines = _fields_per_record(text)
    bad = np.flatnonzero(fields != n_header)
    if len(bad) == 0:
        return [Violation(name, 0, "", None, f"a row does not have the header's {n_header} fields")]
    physical = text.split("\n")
    out = []
    for i in bad[:limit]:
        line = int(lines[i])
        line_text = physical[line - 1] if line - 1 < len(physical) else ""
        if not line_text.strip():
            out.append(Violation(name, line, "", None, "line holds only white space; delete it (a blank line is "
                                                       "ignored, a line of spaces is not)"))
            continue
        delimiter = diagnose.other_delimiter(line_text)
        hint = (f"; the row is separated by {diagnose.DELIMITERS[delimiter]}, expected ',' (comma)" if delimiter
                else "; check for an unquoted comma or a missing field")
        out.append(Violation(name, line, "", None,
                             f"row has {int(fields[i])} fields but the header has {n_header}{hint}"))
    if len(bad) > limit:
        out.append(Violation(name, 0, "", None, f"{len(bad):,} rows in all do not have the header's {n_header} "
                                                 f"fields (the first {limit:,} are listed)"))
    return out


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
