"""Published trials and real-world studies as a review's tables print them: the data of the context table and figure
(:mod:`tkicohort.stats.context`, :mod:`tkicohort.figures.context`) and one of the sources the audit's cross-source
checks read (:mod:`tkicohort.audit.cross_source`).

A literature file is a CSV file, one row per study and table row (``resources/studies/pitoia_2022/studies.csv``:
Tables 1–3 of Pitoia et al. 2022). Its columns and what each holds are in ``resources/studies/README.md``; every row
is validated against ``workflow/schemas/literature.schema.yaml`` after the numeric columns are converted.
Conventions:

- cells are kept as printed: where a review prints something other than one plain number (a rate per dose group,
  counts with percentages), the numeric column stays empty and ``pr_printed`` / ``pfs_printed`` / ``os_printed``
  hold the cell;
- times carry their unit (``pfs_unit``, ``os_unit``); :func:`to_months` converts with 365.25 / 12 = 30.4375 days
  per month, 7 days per week and 365.25 days per year, the pipeline's convention (``time.days_per_month``);
- ``study`` links a row to the same study quoted elsewhere (``decision:sorafenib``: the sorafenib arm of the study
  whose folder is ``resources/studies/decision``; ``kim``: a key that populations of other files also use).

A file that does not fit is refused with one message per problem naming file, line and column
(:class:`LiteratureError`); nothing in it is ever evaluated.
"""

from __future__ import annotations

import csv
from pathlib import Path

import jsonschema
import pandas as pd
import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "literature.schema.yaml"
INTEGER_COLUMNS = ("row", "ref_number", "year", "n")
NUMBER_COLUMNS = ("prior_tki_pct", "cr_pct", "pr_pct", "sd_pct", "pfs_median", "os_median", "withdrawal_pct")
#: Days per unit of time (months: 365.25 / 12).
DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
#: A literature file is a few kilobytes; anything much larger is not one (and is not read into memory).
MAX_BYTES = 4 << 20


class LiteratureError(ValueError):
    """A literature file that does not fit its schema: every problem, one per line, with file, line and column."""


def _schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


def columns() -> list[str]:
    """The columns of a literature file, in the schema's order."""
    return list(_schema()["properties"])


def _convert(column: str, text: str):
    """One cell as the schema's type: empty → None, integer and number columns parsed; raises ValueError."""
    if text.strip() == "":
        return None
    if column in INTEGER_COLUMNS:
        return int(text)
    if column in NUMBER_COLUMNS:
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    return text


def read_literature(path: str | Path) -> pd.DataFrame:
    """The rows of a literature file, validated, with empty cells as missing values (see the module docstring).

    Raises :class:`LiteratureError` listing every problem (``file:line: column 'x': value 'v' — what is wrong``).
    """
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise LiteratureError(f"{path}: {path.stat().st_size} bytes; a literature file is at most {MAX_BYTES}")
    schema = _schema()
    expected = list(schema["properties"])
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[str] = []
    rows: list[dict] = []
    printed: list[dict] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if header != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            raise LiteratureError(f"{path}:1: the header must be the columns {', '.join(expected)} in this order"
                                  + (f"; missing: {', '.join(missing)}" if missing else "")
                                  + (f"; unknown: {', '.join(extra)}" if extra else ""))
        for cells in reader:
            line = reader.line_num
            if len(cells) != len(expected):
                problems.append(f"{path}:{line}: {len(cells)} cells, the header has {len(expected)}")
                continue
            row, failed = {}, set()
            printed.append(dict(zip(expected, cells, strict=True)))
            for column, text in zip(expected, cells, strict=True):
                try:
                    row[column] = _convert(column, text)
                except ValueError:
                    problems.append(f"{path}:{line}: column '{column}': value '{text}' — not a "
                                    f"{'whole number' if column in INTEGER_COLUMNS else 'number'}")
                    row[column], failed = None, failed | {column}
            for err in validator.iter_errors(row):
                column = err.path[0] if err.path else "?"
                if column in failed:
                    continue
                shown = row.get(column) if err.path else ""
                problems.append(f"{path}:{line}: column '{column}': value '{shown}' — {err.message}")
            rows.append(row)
    if not rows and not problems:
        problems.append(f"{path}: no rows")
    keys = [(r["table"], r["row"]) for r in rows]
    problems += [f"{path}: {t} row {n} appears more than once" for t, n in dict.fromkeys(k for k in keys
                                                                                       if keys.count(k) > 1)]
    if problems:
        raise LiteratureError("\n".join(problems))
    frame = pd.DataFrame(rows, columns=expected)
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in NUMBER_COLUMNS:
        frame[column] = frame[column].astype(float)
    frame.attrs["printed"] = printed  # every cell as written, for the audit (precision of the printed numbers)
    frame.attrs["label"] = literature_source(path)["label"]
    return frame


def literature_source(path: str | Path) -> dict:
    """``source.yaml`` beside a literature file: ``label`` (the short name of the review), ``citation`` and
    ``tables`` (what each table lists); the folder's name as the label when there is no such file."""
    side = Path(path).with_name("source.yaml")
    info = yaml.safe_load(side.read_text(encoding="utf-8")) if side.exists() else {}
    info = info if isinstance(info, dict) else {}
    return {"label": str(info.get("label") or Path(path).parent.name), "citation": str(info.get("citation", "")),
            "tables": dict(info.get("tables") or {})}


def to_months(value, unit: str) -> float:
    """A time in ``unit`` (days, weeks, months, years) in months of 365.25 / 12 days."""
    return float(value) * DAYS_PER[unit] / DAYS_PER["months"]


def study_key(reference: str | None) -> tuple[str, str] | None:
    """``'decision:sorafenib'`` → ``('decision', 'sorafenib')``; ``'kim'`` → ``('kim', 'all')``; None → None."""
    if not reference:
        return None
    study, _, population = str(reference).partition(":")
    return study, population or "all"
