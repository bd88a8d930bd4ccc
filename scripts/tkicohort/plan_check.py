"""Start-up checks of every cohort's plan (and published-numbers file) against its data, before any job runs.

Run by ``workflow/rules/common.smk`` when the workflow starts. For each cohort it learns the columns the plan can name,
with their types (:mod:`tkicohort.expression`):

- the columns of ``patients.csv``: contract columns have their declared kind (numbers, 0/1 flags, categories, text);
  extra columns are typed from their values by the rule ingestion uses (:mod:`tkicohort.ingest.extra_columns`),
  reading only those columns;
- the plan's derived variables, in plan order, typed by their rule (0/1 flags; ``cut`` labels; dose status);
- the columns every analysis dataset has (:data:`tkicohort.config.ANALYSIS_COLUMNS`).

It then reports, each with the plan file, the line and the key: every condition that does not parse or does not fit
the columns (the endpoints' ``populations``, subgroup populations and any other ``population`` key, derived ``expression``
rules; ``subset`` of the published numbers); variables that nothing provides, and derived rules reading a column of
the wrong type; subgroup and baseline ``levels`` that are not values of their variable; keys the plan's design does
not use. A derived variable sees only ``patients.csv`` and the derived variables before it (the endpoints are
added after them); populations see the whole analysis dataset.

When the header of ``patients.csv`` cannot be read as the contract expects (a missing file, another delimiter, a
``sep=`` line), the column checks of that cohort are skipped: ingestion reports the file itself, once, with its line.
Values of extra columns are never printed here, because the identifier screen has not yet run on them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .config import (
    ANALYSIS_COLUMNS,
    ANALYSIS_VALUES,
    DOSE_STATUSES,
    WEEK_COLUMNS,
    ConfigProblem,
    design_key_problems,
    key_text,
    read_yaml_file,
)
from .derive.post_baseline import post_baseline_variables
from .expression import NUMBER, TEXT, ExpressionError, parse, visible
from .ingest.contract import TABLES
from .ingest.extra_columns import is_numeric

_KIND_TYPES = {"integer": NUMBER, "number": NUMBER, "flag": NUMBER, "category": TEXT, "string": TEXT, "text": TEXT}
_FLAG_RULES = ("threshold", "any", "only", "expression", "adverse_event", "tg_response")


@dataclass
class Columns:
    """The columns a plan can name: type (None = exists, type unknown), fixed values where known, and the distinct
    values of patients.csv's extra columns (compared, never printed)."""

    types: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, tuple] = field(default_factory=dict)
    present: dict[str, frozenset] = field(default_factory=dict)

    def add(self, name: str, type_: str | None, values: tuple | None = None) -> None:
        self.types[name] = type_
        self.present.pop(name, None)
        if values is None:
            self.values.pop(name, None)
        else:
            self.values[name] = tuple(values)

    def copy(self) -> Columns:
        return Columns(dict(self.types), dict(self.values), dict(self.present))


class _Report:
    """Problems of one file, each keyed ``<config key> (<file>:<line>): <key in the file>``."""

    def __init__(self, config_key: str, file: str, lines: dict[tuple, int]):
        self.config_key, self.file, self.lines = config_key, file, lines
        self._found: list[tuple[int, ConfigProblem]] = []

    @property
    def problems(self) -> list[ConfigProblem]:
        """In the order of their lines in the file."""
        return [p for _, p in sorted(self._found, key=lambda found: found[0])]

    def add(self, path: tuple, message: str) -> None:
        line = next((self.lines[path[:i]] for i in range(len(path), 0, -1) if path[:i] in self.lines), None)
        at = f"{self.file}:{line}" if line else self.file
        self._found.append((line or 0, ConfigProblem(f"{self.config_key} ({at}): {key_text(path)}", message)))

    def condition(self, path: tuple, text, columns: Columns | None) -> None:
        """Parse ``text``; when the columns are known, check it against them."""
        try:
            expression = parse(text)
            problems = expression.check(columns.types, columns.values) if columns is not None else []
        except ExpressionError as err:
            problems = [err]
        for err in problems:
            self.add(path, str(err))


# --- the columns of patients.csv ---------------------------------------------------------------------------------

def patients_header(folder: str | Path) -> list[str] | None:
    """The header of a cohort's patients.csv, or None when it cannot be read (ingestion then says why)."""
    path = Path(folder) / "patients.csv"
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [h.strip() for h in next(csv.reader(fh))]
    except (OSError, StopIteration, UnicodeDecodeError, csv.Error):
        return None


def extra_column_values(path: Path, header: list[str], extras: list[str]) -> dict[str, pd.Series] | None:
    """The distinct values (stripped, blank = "") of the extra columns of patients.csv, read without the others;
    None when the file cannot be read as a table (ingestion reports it)."""
    if not extras:
        return {}
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(include_columns=extras, column_types=dict.fromkeys(extras,
                                                 pa.string()), strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
    except (pa.ArrowException, OSError, ValueError):
        return None
    return {c: pd.Series(pc.unique(table.column(c)).to_pylist(), dtype=object).str.strip().drop_duplicates()
            for c in extras}


def patients_columns(folder: str | Path) -> Columns | None:
    """The columns of a cohort's patients.csv with their types (and the values present in its extra columns and in
    ``arm``); None when its header is not the contract's (no file, another delimiter, a ``sep=`` line): ingestion
    diagnoses that, and the column checks are skipped."""
    header = patients_header(folder)
    table = TABLES["patients"]
    required = [c.name for c in table.columns if c.required]
    if header is None or not set(required) <= set(header):
        return None
    columns = Columns()
    declared = {c.name: c for c in table.columns}
    for alias, canonical in table.aliases.items():
        if alias in header:
            declared[alias] = declared[canonical]
    extras = [h for h in header if h not in declared]
    for name in header:
        if name in declared:
            col = declared[name]
            allowed = col.allowed or ((0, 1) if col.kind == "flag" else None)
            columns.add(table.aliases.get(name, name), _KIND_TYPES[col.kind], allowed)
    values = extra_column_values(Path(folder) / "patients.csv", header, [*extras, "arm"])
    if values is not None:
        columns.present["arm"] = frozenset(values["arm"][values["arm"] != ""])  # for the plan's arms
    for name in extras:
        if values is None:
            columns.add(name, None)
            continue
        levels = values[name]
        numeric = is_numeric(levels)
        filled = levels[levels != ""]
        columns.add(name, NUMBER if numeric else TEXT)
        columns.present[name] = frozenset(filled.astype(float) if numeric else filled)
    return columns


# --- the plan ----------------------------------------------------------------------------------------------------

def plan_conditions(plan: dict) -> Iterator[tuple[tuple, object]]:
    """(key path, text) of every population condition of a plan: the endpoints' ``populations.<endpoint>`` and any
    key named ``population`` or ending in ``_population``, at any depth (derived ``expression`` rules are checked
    with the derived variables)."""
    stack: list[tuple[tuple, object]] = [((), plan)]
    while stack:
        path, node = stack.pop(0)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            named = isinstance(key, str) and (key == "population" or key.endswith("_population"))
            if (named or path == ("populations",)) and value is not None:
                yield (*path, key), value
            elif isinstance(value, dict | list):
                stack.append(((*path, key), value))


def _shown(values) -> str:
    return ", ".join(f"'{visible(v)}'" if isinstance(v, str) else f"{v:g}" for v in values)


def level_problems(variable: str, levels: list, columns: Columns) -> list[str]:
    """Why a subgroup's or baseline row's ``levels`` do not fit ``variable`` (an empty list: they fit)."""
    odd = [lv for lv in levels if isinstance(lv, bool) or not isinstance(lv, int | float | str)]
    if odd:
        return [f"levels {', '.join(visible(repr(lv)) for lv in odd)} are not single numbers or texts"
                + (" (YAML reads yes/no/true/false unquoted as true/false: quote them, 'yes')"
                   if any(isinstance(lv, bool) for lv in odd) else "")]
    t = columns.types.get(variable)
    texts = [lv for lv in levels if isinstance(lv, str)]
    numbers = [lv for lv in levels if not isinstance(lv, str)]
    if t == NUMBER and texts:
        return [f"levels {_shown(texts)} are texts, and '{visible(str(variable))}' holds numbers"]
    if t == TEXT and numbers:
        return [f"levels {_shown(numbers)} are numbers, and '{visible(str(variable))}' holds text; quote them "
                f"({_shown(str(n) for n in numbers)})"]
    if variable in columns.values:
        allowed = columns.values[variable]
        bad = [lv for lv in levels if lv not in allowed]
        if bad:
            right = {str(a).lower(): a for a in allowed}
            hint = [f"'{visible(lv)}' → '{right[lv.lower()]}'"
                    for lv in bad if isinstance(lv, str) and lv.lower() in right]
            return [f"levels {_shown(bad)} are not values of '{visible(str(variable))}', which holds "
                    f"{_shown(allowed)}"
                    + (f" (case matters: {', '.join(hint)})" if hint else "")]
    elif variable in columns.present and levels and not any(lv in columns.present[variable] for lv in levels):
        return [f"no level ({_shown(levels)}) is a value of the column '{visible(str(variable))}' of patients.csv, "
                f"which holds "
                f"{len(columns.present[variable])} distinct values (case and spelling matter; they are not shown "
                "before the identifier screen has run)"]
    return []


def _need(report: _Report, path: tuple, variable, columns: Columns | None, what: str, type_: str | None = None):
    if columns is None or not isinstance(variable, str):
        return
    if variable not in columns.types:
        report.add(path, f"'{visible(str(variable))}' is not {what}")
    elif type_ and columns.types[variable] not in (type_, None):
        report.add(path, f"'{visible(str(variable))}' holds {columns.types[variable]}s; this needs {type_}s")


def _derived(plan: dict, report: _Report, columns: Columns | None) -> None:
    source = "a column of patients.csv or a derived variable defined before it"
    for var, spec in (plan.get("derived") or {}).items():
        path, rule = ("derived", var), spec.get("rule")
        if rule == "expression":
            report.condition((*path, "expr"), spec.get("expr"), columns)
        elif rule in ("threshold", "cut"):
            _need(report, (*path, "variable"), spec.get("variable"), columns, source, NUMBER)
        elif rule in ("any", "only"):
            names = spec.get("variables", []) if rule == "any" else [spec.get("variable"), *spec.get("others", [])]
            keys = [("variables", i) for i in range(len(names))] if rule == "any" else \
                [("variable",)] + [("others", i) for i in range(len(names) - 1)]
            for name, key in zip(names, keys, strict=True):
                _need(report, (*path, *key), name, columns, source, NUMBER)
        if rule == "cut" and len(spec.get("labels", [])) != len(spec.get("breaks", [])) + 1:
            report.add((*path, "labels"), f"{len(spec.get('breaks', []))} breaks need "
                                          f"{len(spec.get('breaks', [])) + 1} labels")
        if columns is not None:
            if rule in _FLAG_RULES:
                columns.add(var, NUMBER, (0, 1))
            elif rule == "cut":
                columns.add(var, TEXT, tuple(str(x) for x in spec.get("labels", [])))
            elif rule == "dose_status":
                columns.add(var, TEXT, DOSE_STATUSES)
            else:
                columns.add(var, None)


def _add_analysis_columns(plan: dict, columns: Columns) -> None:
    weeks = (plan.get("time") or {}).get("unit") == "weeks"
    for name, type_ in {**ANALYSIS_COLUMNS, **(WEEK_COLUMNS if weeks else {})}.items():
        columns.add(name, type_, ANALYSIS_VALUES.get(name))
    for info in post_baseline_variables(plan).values():  # the day each dated derived variable became known
        if info.day_column and info.day_column not in ANALYSIS_COLUMNS:
            columns.add(info.day_column, NUMBER, None)


def check_plan(plan: dict, report: _Report, columns: Columns | None) -> None:
    """Every plan problem that needs the data's columns (``columns`` None: only the conditions' syntax)."""
    columns = columns.copy() if columns is not None else None
    _derived(plan, report, columns)
    if columns is not None:
        _add_analysis_columns(plan, columns)
    for path, text in plan_conditions(plan):
        report.condition(path, text, columns)
    if columns is None:
        return
    provided = "neither a column of patients.csv, nor a derived variable of the plan, nor a column of the " \
               "analysis dataset"
    for section in ("subgroups", "baseline"):
        for i, item in enumerate(plan.get(section) or []):
            variable = item.get("variable")
            if variable not in columns.types:
                report.add((section, i, "variable"), f"'{visible(str(variable))}' is {provided}")
                continue
            if section == "baseline" and item.get("type") == "continuous" and columns.types[variable] == TEXT:
                report.add((section, i, "type"), f"'{visible(str(variable))}' holds text; a continuous row needs numbers")
            for message in level_problems(variable, list(item.get("levels") or []), columns):
                report.add((section, i, "levels"), message)
    arms = plan.get("arms") or {}
    for role in ("reference", "treatment"):
        present = columns.present.get("arm")
        if plan.get("design") == "two_arm" and role in arms and present is not None and arms[role] not in present:
            report.add(("arms", role), f"'{visible(str(arms[role]))}' is not a value of the column 'arm' of "
                                       f"patients.csv, which holds {len(present)} distinct values (case and "
                                       "spelling matter; they are not shown before the identifier screen has run)")
    for i, variable in enumerate((plan.get("multivariable") or {}).get("variables") or []):
        if variable not in columns.types:
            report.add(("multivariable", "variables", i), f"'{visible(str(variable))}' is {provided}")


def analysis_columns(plan: dict, columns: Columns) -> Columns:
    """The columns of the analysis dataset a plan yields from ``columns`` of patients.csv."""
    out = columns.copy()
    _derived(plan, _Report("", "", {}), out)
    _add_analysis_columns(plan, out)
    return out


def check_published(path: str | Path, config_key: str, columns: Columns | None) -> list[ConfigProblem]:
    """The ``subset`` conditions of a published-numbers file (the rest of it is checked by the reproduction)."""
    try:
        document, lines = read_yaml_file(path, config_key, what="published-numbers")
    except ConfigProblem as problem:
        return [problem]
    report = _Report(config_key, str(path), lines)
    numbers = document.get("numbers") if isinstance(document, dict) else None
    for i, number in enumerate(numbers if isinstance(numbers, list) else []):
        if isinstance(number, dict) and number.get("subset") is not None:
            report.condition(("numbers", i, "subset"), number["subset"], columns)
    return report.problems


def check_cohort(name: str, cohort: dict, plan: dict, lines: dict[tuple, int], base: Path,
                 raw_plan: dict | None = None) -> list[ConfigProblem]:
    """Problems of one cohort entry, its plan (``raw_plan``: as written, for the design's keys) and its published
    numbers, each naming the config key, the file, the line and the key in the file."""
    key = f"cohorts.{name}"
    folder = base / cohort["data"]
    if not folder.is_dir():
        return [ConfigProblem(f"{key}.data", f"folder '{cohort['data']}' does not exist")]
    report = _Report(f"{key}.plan", str(cohort["plan"]), lines)
    for path, message in design_key_problems(raw_plan if raw_plan is not None else plan):
        report.add(path, message)
    if plan.get("design") == "two_arm" and not plan.get("arms"):
        report.add(("arms",), "a two-arm plan names its reference and treatment arm")
    columns = patients_columns(folder)
    check_plan(plan, report, columns)
    problems = report.problems
    published = cohort.get("published") or (f"{cohort['study']}/published.yaml" if cohort.get("study") else None)
    if published:
        full = analysis_columns(plan, columns) if columns is not None else None
        where = f"{key}.published" if cohort.get("published") else f"{key}.study"
        problems += check_published(base / published, where, full)
    return problems

