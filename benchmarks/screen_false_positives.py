"""False-positive rate of the identifier screen on the committed cohorts and templates (none holds an identifier).

Screens every value of every column the screen covers (codes, free text and extra columns) and every column name
of every CSV file under ``resources/cohorts/*`` and ``resources/templates``, and prints per folder the cells and
distinct values screened and how many were refused. The rate must stay 0 (tests/unit/test_identifier_screen_corpus.py
asserts it by ingesting each folder).

    python benchmarks/screen_false_positives.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from tkicohort.ingest import identifiers
from tkicohort.ingest.contract import TABLES
from tkicohort.ingest.read import read_raw

ROOT = Path(__file__).resolve().parents[1]
SCREENED_KINDS = ("string", "text", "extra")


def screen_folder(folder: Path) -> tuple[int, int, list[str]]:
    """Cells screened, distinct values screened, and the refusals (``file: column: family``)."""
    cells = distinct = 0
    refused: list[str] = []
    for table in TABLES.values():
        path = folder / table.file
        if not path.is_file():
            continue
        raw, problems = read_raw(path, table.file)
        if raw is None:
            raise SystemExit(f"{path}: unreadable: {problems[0]}")
        refused += [f"{table.file}: column name {v.column!r}" for v in
                    identifiers.screen_column_names(table.file, raw.header, set())]
        kinds = {c.name: c.kind for c in table.columns}
        for col, rc in raw.columns.items():
            if kinds.get(col, "extra") not in SCREENED_KINDS:
                continue
            cells += len(rc)
            distinct += len(rc.levels)
            family = identifiers.looks_like(rc.levels)
            refused += [f"{table.file}: column {col!r}: {f}" for f in family.dropna()]
    return cells, distinct, refused


def main() -> int:
    folders = sorted(p for p in (ROOT / "resources" / "cohorts").iterdir() if p.is_dir())
    folders.append(ROOT / "resources" / "templates")
    rows = []
    for folder in folders:
        cells, distinct, refused = screen_folder(folder)
        rows.append({"folder": str(folder.relative_to(ROOT)), "cells": cells, "distinct values": distinct,
                     "refused": len(refused), "rate": len(refused) / max(distinct, 1)})
        for r in refused:
            print(f"false positive: {folder.name}/{r}")
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    total = table["refused"].sum() / max(table["distinct values"].sum(), 1)
    print(f"false-positive rate over {table['distinct values'].sum():,} distinct values "
          f"({table['cells'].sum():,} cells): {total:.4f}")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
