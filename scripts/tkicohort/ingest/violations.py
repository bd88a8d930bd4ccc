"""Violations of the data contract and how they are printed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: A value longer than this is shortened in a message.
MAX_VALUE_CHARS = 60


@dataclass(frozen=True, order=True)
class Violation:
    """One breach of the contract: ``file:line: column 'c': value 'v' — what is wrong; what is expected``.

    ``line`` is the line number in the CSV file (header = line 1); 0 when the breach concerns the whole file.
    ``column`` is empty for a whole-row or whole-file breach; ``value`` is None where no single value is at fault.
    """

    file: str
    line: int
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.value is not None:
            v = self.value if len(self.value) <= MAX_VALUE_CHARS else self.value[: MAX_VALUE_CHARS - 1] + "…"
            parts.append(f"value '{v}'")
        return ": ".join(parts) + f" — {self.message}"


def cell_violations(file: str, lines, column: str, values, mask, message: str) -> list[Violation]:
    """The violations of the rows selected by the boolean ``mask`` (one object per bad cell only)."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    if len(rows) == 0:
        return []
    line_of = np.asarray(lines)[rows]
    vals = np.asarray(values, dtype=object)[rows]
    return [Violation(file, int(ln), column, "" if _missing(v) else str(v), message)
            for ln, v in zip(line_of, vals, strict=True)]


def level_violations(file: str, lines, column: str, rc, level_mask, message: str) -> list[Violation]:
    """The violations of a dictionary-encoded column (:class:`~tkicohort.ingest.read.RawColumn`) whose value is
    one of the levels selected by ``level_mask``."""
    if not np.asarray(level_mask, dtype=bool).any():
        return []
    rows = rc.rows(level_mask)
    levels = rc.levels.to_numpy(dtype=object)
    return [Violation(file, int(ln), column, str(levels[c]), message)
            for ln, c in zip(np.asarray(lines)[rows], rc.codes[rows], strict=True)]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


class ContractError(Exception):
    """Raised when a cohort breaks the contract; carries every violation found."""

    def __init__(self, violations: list[Violation]):
        self.violations = sorted(violations, key=lambda v: (v.file, v.line, v.column, v.message))
        super().__init__(f"{len(self.violations)} violation(s) of the data contract")

    def report(self, limit: int | None = None) -> str:
        shown = self.violations if limit is None else self.violations[:limit]
        text = "\n".join(str(v) for v in shown)
        if limit is not None and len(self.violations) > limit:
            text += f"\n… and {len(self.violations) - limit} more (the full list is in the log file)"
        return text
