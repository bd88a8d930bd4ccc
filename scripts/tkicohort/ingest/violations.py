"""Violations of the data contract and how they are printed."""

from __future__ import annotations

from dataclasses import dataclass

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


def cell_violations(file: str, lines: pd.Series, column: str, values: pd.Series, mask: pd.Series,
                    message: str) -> list[Violation]:
    """The violations of the rows selected by ``mask`` (vectorised selection; one object per bad cell)."""
    if not mask.any():
        return []
    bad_lines = lines[mask].to_numpy()
    bad_values = values[mask].astype(str).to_numpy()
    return [Violation(file, int(ln), column, v, message) for ln, v in zip(bad_lines, bad_values, strict=True)]


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
