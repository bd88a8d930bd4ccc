"""Why a file cannot be read as a table, found only when a cheap sign says something is wrong (a NUL byte or an odd
number of quotes seen while scanning, a header without commas, pyarrow refusing the file): each function names the
line, and the column where it can, of one problem a spreadsheet export commonly has, and says what is expected.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .violations import Violation

#: Delimiters other than the comma that exports use, as a message names them.
DELIMITERS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (vertical bar)"}
#: pyarrow's block size. A record spanning more than two blocks cannot be parsed ("straddling object"): such a
#: file is then diagnosed by finding its first line longer than this.
MAX_LINE_BYTES = 1 << 20
LONE_CR = ("has a carriage return (CR) without a line feed; expected LF or CR LF line breaks (old Mac exports use CR "
           "alone): save the file as 'CSV UTF-8 (Comma delimited)'")


def encoding_problem(name: str, head: bytes) -> Violation | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 3 and head[1:4:2] == b"\x00\x00"):
        return Violation(name, 1, "", None, "is UTF-16 encoded (Excel's 'Unicode text'); expected UTF-8: save the "
                                            "file as 'CSV UTF-8 (Comma delimited)'")
    return None


def other_delimiter(header_text: str) -> str | None:
    """';', tab or '|' when the header uses it rather than commas (Excel in a locale with a decimal comma)."""
    commas = header_text.count(",")
    best = max(DELIMITERS, key=header_text.count)
    return best if header_text.count(best) > commas else None


def line_and_column(path: Path, offset: int, header: list[str]) -> tuple[int, str]:
    """Line (header = 1) and column name of the byte at ``offset``, counting commas before it on its line."""
    with open(path, "rb") as fh:
        before = fh.read(offset)
    line_start = before.rfind(b"\n") + 1
    field = before[line_start:].count(b",")
    return before.count(b"\n") + 1, header[field] if field < len(header) else ""


def nul_violation(name: str, path: Path, header: list[str], offset: int) -> Violation:
    line, column = line_and_column(path, offset, header)
    return Violation(name, line, column, None, "holds a NUL byte (\\x00), which a text file never has; the file "
                                               "may be damaged or binary: save it again as 'CSV UTF-8'")


def unclosed_quote(name: str, path: Path, header: list[str]) -> Violation | None:
    """The quote that opens a value and is never closed, if any. (An odd number of quotes may also be stray quotes
    inside unquoted values, such as ``5" lesion``, which are kept as written.)"""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        lines = text.split("\n", start)
        line_text = lines[start - 1] if start - 1 < len(lines) else ""
        field = line_text[: max(line_text.find('"'), 0)].count(",")
        return Violation(name, start, header[field] if field < len(header) else "", None,
                         "a quote (\") opens a value here that is never closed, so the rest of the file would be "
                         "read as one value; close the quote (a quote inside a value is written twice: \"\")")
    return None


def first_long_line(path: Path) -> tuple[int, int] | None:
    """The first line longer than :data:`MAX_LINE_BYTES` and its length, streamed (only when reading failed)."""
    line, size = 1, 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 24):
            parts = block.split(b"\n")
            for i, part in enumerate(parts):
                size += len(part)
                if i < len(parts) - 1:  # the line ends in this block
                    if size > MAX_LINE_BYTES:
                        return line, size
                    line, size = line + 1, 0
    return (line, size) if size > MAX_LINE_BYTES else None


def lone_cr_violation(name: str, path: Path) -> Violation:
    """The line holding the first carriage return that no line feed follows."""
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    cr = np.flatnonzero(data == 13)
    lone = cr[np.append(data, 0)[cr + 1] != 10]
    at = int(lone[0]) if len(lone) else len(data)
    return Violation(name, int(np.count_nonzero(data[:at] == 10)) + 1, "", None, LONE_CR)
