"""Violations of the data contract and how they are printed.

A report lists every problem, but never buries one: violations that share file, column and message are grouped
into one line naming the first row and the line ranges of the others ("… and 79 more rows: lines 3–81"), and the
distinct problems come first. Quoted text is shortened and invisible or unusual characters are shown escaped
(``'F\\u200b'``), so that a message always says what is really in the cell.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: A value or column name longer than this is shortened in a message.
MAX_VALUE_CHARS = 60
#: At most this many groups of the same message in the same file are listed; the rest are counted.
MAX_GROUPS_PER_MESSAGE = 5
#: A group's line ranges are listed up to this many.
MAX_RANGES = 12


def shown(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` for a message: at most ``limit`` characters, invisible and non-ASCII look-alike characters
    escaped (zero-width space as ``\\u200b``, a full-width ``Ｍ`` as ``\\uff2d``, a NUL byte as ``\\x00``)."""
    clipped = text if len(text) <= limit else text[: limit - 1]
    if not (clipped.isascii() and clipped.isprintable()):
        clipped = "".join(_escape(c) for c in clipped)
    return clipped if len(text) <= limit else clipped + f"… ({len(text):,} characters)"


def _escape(c: str) -> str:
    if c.isascii():
        return c if c.isprintable() else f"\\x{ord(c):02x}"
    invisible = unicodedata.category(c)[0] in "CZ" or unicodedata.category(c) in ("Mn", "Me")
    lookalike = unicodedata.east_asian_width(c) in ("F", "W") or unicodedata.normalize("NFKC", c).isascii()
    if invisible or lookalike:
        return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
    return c


def plain(text: str) -> str:
    """``text`` without invisible characters, full-width forms as ASCII, lower case: what a reader sees in it."""
    if text.isascii() and text.isprintable():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c)[0] not in "CZ" or c == " ").strip().lower()


@dataclass(frozen=True, order=True)
class Violation:
    """One breach of the contract: ``file:line: column 'c': value 'v' — what is wrong; what is expected``.

    ``line`` is the line number in the CSV file (header = line 1); 0 when the breach concerns the whole file.
    ``column`` is empty for a whole-row or whole-file breach; ``value`` is None where no single value is at fault or
    where the value must not be shown (a suspected identifier).
    """

    file: str
    line: int
    column: str
    value: str | None
    message: str

    def where(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return where + (f": column '{shown(self.column)}'" if self.column else "")

    def __str__(self) -> str:
        parts = [self.where()]
        if self.value is not None:
            parts.append(f"value '{shown(self.value)}'")
        return ": ".join(parts) + f" — {self.message}"


def cell_violations(file: str, lines, column: str, values, mask, message: str, *,
                    show_value: bool = True) -> list[Violation]:
    """The violations of the rows selected by the boolean ``mask`` (one object per bad cell only)."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    if len(rows) == 0:
        return []
    line_of = np.asarray(lines)[rows]
    if not show_value:
        return [Violation(file, int(ln), column, None, message) for ln in line_of]
    vals = np.asarray(values, dtype=object)[rows]
    return [Violation(file, int(ln), column, "" if _missing(v) else str(v), message)
            for ln, v in zip(line_of, vals, strict=True)]


def level_violations(file: str, lines, column: str, rc, level_mask, message: str, *,
                     show_value: bool = True) -> list[Violation]:
    """The violations of a dictionary-encoded column (:class:`~tkicohort.ingest.read.RawColumn`) whose value is
    one of the levels selected by ``level_mask``."""
    if not np.asarray(level_mask, dtype=bool).any():
        return []
    rows = rc.rows(level_mask)
    if not show_value:
        return [Violation(file, int(ln), column, None, message) for ln in np.asarray(lines)[rows]]
    levels = rc.levels.to_numpy(dtype=object)
    return [Violation(file, int(ln), column, str(levels[c]), message)
            for ln, c in zip(np.asarray(lines)[rows], rc.codes[rows], strict=True)]


def row_violations(file: str, lines, column: str, rc, row_mask, message: str) -> list[Violation]:
    """The violations of the rows selected by ``row_mask``, quoting each value as written in the file (``rc`` is
    the column's :class:`~tkicohort.ingest.read.RawColumn`)."""
    rows = np.flatnonzero(np.asarray(row_mask, dtype=bool))
    levels = rc.levels.to_numpy(dtype=object)
    return [Violation(file, int(ln), column, str(levels[c]), message)
            for ln, c in zip(np.asarray(lines)[rows], rc.codes[rows], strict=True)]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def line_ranges(lines: list[int], limit: int | None = MAX_RANGES) -> str:
    """``[3, 4, 5, 9]`` as ``3–5, 9``; beyond ``limit`` ranges, the number of the others."""
    ranges: list[str] = []
    start = prev = lines[0]
    for ln in [*lines[1:], None]:
        if ln is not None and ln == prev + 1:
            prev = ln
            continue
        ranges.append(f"{start}–{prev}" if prev > start else str(start))
        if ln is not None:
            start = prev = ln
    if limit is not None and len(ranges) > limit:
        return ", ".join(ranges[:limit]) + f", … ({len(ranges) - limit} more ranges)"
    return ", ".join(ranges)


def grouped_report(violations: list[Violation], limit: int | None = None, ranges: int | None = MAX_RANGES) -> str:
    """The report: one line per distinct problem, repeats of a problem (same file, column and message) grouped
    under their first row, distinct problems first; at most ``limit`` lines (``None``: all)."""
    groups: dict[tuple[str, str, str], list[Violation]] = {}
    for v in violations:
        groups.setdefault((v.file, v.column, v.message), []).append(v)
    ordered = sorted(groups.values(), key=lambda g: (len(g) > 1, g[0].file, g[0].line, g[0].column, g[0].message))
    lines: list[str] = []
    per_message: dict[tuple[str, str], int] = {}
    hidden: dict[tuple[str, str], int] = {}
    for g in ordered:
        first = g[0]
        key = (first.file, first.message)
        per_message[key] = per_message.get(key, 0) + 1
        if per_message[key] > MAX_GROUPS_PER_MESSAGE:
            hidden[key] = hidden.get(key, 0) + 1
            continue
        text = str(first)
        if len(g) > 1:
            more = sorted({v.line for v in g[1:]})
            noun = "row" if len(g) == 2 else "rows"
            where = "line" if len(more) == 1 else "lines"
            text += f"\n    … and {len(g) - 1:,} more {noun} with the same problem: {where} {line_ranges(more, ranges)}"
        lines.append(text)
    for (file, message), n in hidden.items():
        lines.append(f"{file}: … and {n:,} more columns with the same problem ({shown(message, 120)})")
    if limit is not None and len(lines) > limit:
        extra = len(lines) - limit
        lines = lines[:limit] + [f"… and {extra:,} more distinct problems"]
    return "\n".join(lines)


class ContractError(Exception):
    """Raised when a cohort breaks the contract; carries every violation found."""

    def __init__(self, violations: list[Violation]):
        self.violations = sorted(violations, key=lambda v: (v.file, v.line, v.column, v.message))
        super().__init__(f"{len(self.violations)} violation(s) of the data contract")

    def report(self, limit: int | None = None, log: str | None = None) -> str:
        """The grouped report; with ``limit``, at most that many problems, and where the rest can be read."""
        text = grouped_report(self.violations, limit=limit, ranges=MAX_RANGES if limit is not None else 1000)
        if limit is not None and "more distinct problems" in text.rsplit("\n", 1)[-1]:
            text += f" (the full list is in {log})" if log else " (write them all with --log FILE)"
        return text
