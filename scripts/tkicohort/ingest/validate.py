"""Validation of a cohort folder against the contract, and its normalisation into typed tables.

Three layers of checks, all run before anything is reported so that every violation is reported at once:

1. cells: kind, blank-ness, allowed values and range of every cell of every declared column;
2. rows within a file: unique keys, death_day iff death, death_day ≤ followup_days, end_day ≥ onset_day, lab units;
3. across files: every patient_id exists in patients.csv; days after the last contact; target lesions defined at
   baseline (the last assessment on or before day 0); one lesion type and one nodal flag per lesion.

Checks are vectorised over columns; the only Python loops run over columns and over the violations found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..packing import pack
from . import clinical, identifiers, keys
from .contract import GBQ_PER_MCI, LAB_NORMALISED_UNIT, LAB_UNITS, TABLES, Column, Table
from .extra_columns import typed_extra_column
from .read import RawColumn, RawTable, read_raw
from .violations import (
    ContractError,
    Violation,
    cell_violations,
    level_violations,
    plain,
    shown,
)

# ASCII digits only: Python's \d would accept full-width and other scripts' digits.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
#: A number other than 0 must lie within these magnitudes. No quantity of the contract (mm, ng/mL, GBq, mg/day,
#: years, days) comes near them, and beyond them a ratio or a sum downstream could overflow to infinity or lose
#: every digit (a Tg of 1e-320 is a subnormal double: 100 / 1e-320 = inf).
SMALLEST_NUMBER = 1e-9
LARGEST_NUMBER = 1e15


@dataclass
class ScreenOptions:
    """Per-cohort identifier-screen settings (config key ``identifier_screen``)."""

    safe_columns: set[str] = field(default_factory=set)
    cap_age_over_89: bool = False


@dataclass
class CohortTables:
    """The normalised tables of one cohort and what ingestion noticed on the way."""

    tables: dict[str, pd.DataFrame]
    present: dict[str, bool]
    rows: dict[str, int]
    warnings: list[str]


def _expected(col: Column) -> str:
    if col.kind == "category":
        return "expected one of " + ", ".join(col.allowed)
    if col.kind == "flag":
        return "expected 0 or 1"
    rng = ""
    if col.minimum is not None and col.maximum is not None:
        rng = f" from {col.minimum:g} to {col.maximum:g}"
    elif col.minimum is not None:
        rng = f" ≥ {col.minimum:g}"
    unit = f" ({col.unit})" if col.unit else ""
    what = "a whole number" if col.kind == "integer" else "a number"
    return f"expected {what}{rng}{unit}"


def check_cells(raw: RawTable, table: Table) -> tuple[pd.DataFrame, list[Violation]]:
    """Type every declared column; return the typed frame (extra columns typed by their values, see
    :mod:`tkicohort.ingest.extra_columns`) and the violations.

    Every check runs on the distinct values of a column (``RawColumn.levels``) and is mapped back to rows.
    """
    out: list[Violation] = []
    typed: dict[str, object] = {}

    def report(col: str, rc: RawColumn, level_mask, message: str) -> None:
        out.extend(level_violations(raw.file, raw.lines, col, rc, level_mask, message))

    for col in table.columns:
        rc = raw.columns.get(col.name)
        if rc is None:
            continue
        lv = rc.levels
        blank = lv == ""
        if not col.nullable:
            report(col.name, rc, blank, "is blank; a value is required")
        filled = ~blank
        if col.kind in ("integer", "number", "flag"):
            pattern = _NUMBER if col.kind == "number" else _INTEGER
            bad = filled & ~lv.str.match(pattern).astype(bool)
            if col.kind == "integer":
                looks_decimal = bad & lv.str.match(_NUMBER).astype(bool)
                report(col.name, rc, looks_decimal, f"is not a whole number; {_expected(col)}")
                bad &= ~looks_decimal
            report(col.name, rc, bad, f"is not a number; {_expected(col)}")
            num = pd.to_numeric(lv.where(filled & ~bad), errors="coerce").astype("float64")
            magnitude = num.abs()
            report(col.name, rc, filled & ~bad & (num.isna() | (magnitude > LARGEST_NUMBER)),
                   f"is too large to be a measurement (more than {LARGEST_NUMBER:g}); {_expected(col)}")
            tiny = (magnitude > 0) & (magnitude < SMALLEST_NUMBER)
            report(col.name, rc, tiny, f"is too close to zero to be a measurement (less than {SMALLEST_NUMBER:g} "
                                       f"but not 0); write 0, or the value in a larger unit; {_expected(col)}")
            num = num.where(~(magnitude > LARGEST_NUMBER) & ~tiny)
            if col.kind == "flag":
                report(col.name, rc, num.notna() & ~num.isin([0, 1]), _expected(col))
            else:
                out_of_range = pd.Series(False, index=lv.index)
                if col.minimum is not None:
                    out_of_range |= num < col.minimum
                if col.maximum is not None:
                    out_of_range |= num > col.maximum
                report(col.name, rc, out_of_range, f"is out of range; {_expected(col)}")
            values = num.to_numpy()[rc.codes]
            if col.kind == "number":
                typed[col.name] = values
            else:
                dtype = {"integer": "Int64", "flag": "Int8"}[col.kind]
                typed[col.name] = pd.array(np.rint(values), dtype="Float64").astype(dtype) \
                    if np.isnan(values).any() else pd.array(values.astype(np.int64), dtype=dtype)
        elif col.kind == "category":
            bad = filled & ~lv.isin(col.allowed)
            if bad.any():
                right = lv.where(bad, "").map(plain).map({a.lower(): a for a in col.allowed})
                for level in lv[bad & right.notna()].index:  # a loop over the misspelt distinct values only
                    only = pd.Series(False, index=lv.index)
                    only[level] = True
                    invisible = "" if lv[level].isascii() and lv[level].isprintable() else \
                        "; the value holds invisible or full-width characters, shown escaped"
                    report(col.name, rc, only, f"{_expected(col)} (write '{right[level]}'{invisible})")
                report(col.name, rc, bad & right.isna(), _expected(col))
            typed[col.name] = lv.where(filled, None).to_numpy(dtype=object)[rc.codes]
        else:
            typed[col.name] = lv.where(filled, None).to_numpy(dtype=object)[rc.codes]
    declared = {c.name for c in table.columns}
    for extra, rc in raw.columns.items():
        if extra not in declared:
            typed[extra] = typed_extra_column(rc.levels, rc.codes)
    return pd.DataFrame(typed, index=pd.RangeIndex(raw.n_rows), copy=False), out


def check_header(raw: RawTable, table: Table) -> tuple[RawTable, list[Violation]]:
    """Required columns present; no undeclared column in a closed table; aliases renamed."""
    out: list[Violation] = []
    present = set(raw.header)
    for alias, canonical in table.aliases.items():
        if alias in present:
            if canonical in present:
                out.append(Violation(raw.file, 1, alias, None,
                                     f"give either '{canonical}' or '{alias}', not both"))
    declared = {c.name for c in table.columns} | set(table.aliases)
    misspelt = set()
    for col in table.columns:
        if col.required and col.name not in present:
            close = [h for h in raw.header if plain(h) == col.name]
            hint = ""
            if close and close[0].lower() == col.name:
                hint = f" (found '{close[0]}': column names are lower-case)"
            elif close:
                misspelt.add(close[0])
                hint = (f" (found '{shown(close[0])}', which holds invisible or full-width characters, shown "
                        "escaped; type the name again)")
            out.append(Violation(raw.file, 1, col.name, None, f"required column is missing from the header{hint}"))
    if not table.open:
        for h in raw.header:
            if h not in declared and h not in misspelt:
                out.append(Violation(raw.file, 1, h, None,
                                     f"unknown column; {table.file} has the columns "
                                     + ", ".join(c.name for c in table.columns)))
    return raw, out


def _convert_aliases(raw: RawTable, table: Table) -> tuple[RawTable, list[Violation]]:
    """cumulative_rai_mci → cumulative_rai_gbq (1 mCi = 0.037 GBq).

    The mCi column is checked here, in mCi, and reported under its own name with the value as written; a value it
    refuses is blanked in the converted column, so that no second message about a converted value follows."""
    out: list[Violation] = []
    if table.name == "patients" and "cumulative_rai_mci" in raw.columns and "cumulative_rai_gbq" not in raw.columns:
        rc = raw.columns["cumulative_rai_mci"]
        gbq_col = table.column("cumulative_rai_gbq")
        lo, hi = gbq_col.minimum / GBQ_PER_MCI, gbq_col.maximum / GBQ_PER_MCI
        filled = rc.levels != ""
        bad = filled & ~rc.levels.str.match(_NUMBER).astype(bool)
        expected = f"expected the cumulative activity in mCi, a number from {lo:g} to {hi:g} ({hi * GBQ_PER_MCI:g} GBq)"
        out += level_violations(raw.file, raw.lines, "cumulative_rai_mci", rc, bad, f"is not a number; {expected}")
        mci = pd.to_numeric(rc.levels.where(filled & ~bad), errors="coerce")
        out_of_range = filled & ~bad & (mci.isna() | (mci < lo) | (mci > hi)
                                        | ((mci.abs() > 0) & (mci.abs() < SMALLEST_NUMBER)))
        out += level_violations(raw.file, raw.lines, "cumulative_rai_mci", rc, out_of_range,
                                f"is out of range; {expected}")
        mci = mci.where(~out_of_range)
        gbq = (mci * GBQ_PER_MCI).map(lambda x: "" if pd.isna(x) else repr(float(x)))  # once per distinct value
        columns = {("cumulative_rai_gbq" if k == "cumulative_rai_mci" else k): v for k, v in raw.columns.items()}
        columns["cumulative_rai_gbq"] = RawColumn(rc.codes, gbq.astype(object))
        header = [("cumulative_rai_gbq" if h == "cumulative_rai_mci" else h) for h in raw.header]
        raw = RawTable(raw.file, header, columns, raw.lines, raw.n_rows)
    return raw, out


def check_duplicates(raw: RawTable, frame: pd.DataFrame, key: tuple[str, ...]) -> list[Violation]:
    """Rows repeating a key; compared on integer codes and typed numbers, not on Python strings (fast)."""
    if not key or any(k not in raw.columns for k in key):
        return []
    parts = [keys.value_codes(raw.columns[k], frame[k] if pd.api.types.is_numeric_dtype(frame[k]) else None)
             for k in key]
    row_key = pack([codes for codes, _ in parts], [size for _, size in parts])
    rows = np.flatnonzero(keys.duplicated(row_key))
    if len(rows) == 0:
        return []
    first = keys.first_row(row_key, rows)
    label = ", ".join(key)
    # The value quoted is the last key column's, as written (each value is screened on its own before it is shown;
    # a joined key such as 'name/0' would slip past the anchored patterns).
    last = raw.columns[key[-1]]
    written = last.levels.to_numpy(dtype=object)[last.codes[rows]]
    return [Violation(raw.file, int(raw.lines[r]), key[-1], str(v),
                      f"duplicate ({label}); the same values as line {int(raw.lines[f])}")
            for r, f, v in zip(rows, first, written, strict=True)]


def check_patients(file: str, lines: pd.Series, p: pd.DataFrame) -> list[Violation]:
    out: list[Violation] = []
    if not {"death", "death_day", "followup_days"} <= set(p.columns):
        return out
    died = p["death"] == 1
    has_day = p["death_day"].notna()
    dd = p["death_day"].astype("string").fillna("")
    out += cell_violations(file, lines, "death_day", dd, (died & ~has_day).fillna(False),
                           "is blank but death = 1; give the day of death")
    out += cell_violations(file, lines, "death_day", dd, (~died & has_day).fillna(False),
                           "is given but death = 0; leave it blank or set death = 1")
    late = (p["death_day"] > p["followup_days"]).fillna(False)
    out += cell_violations(file, lines, "death_day", dd, late,
                           "is after followup_days; the day of death is the last contact, so it must be ≤ followup_days")
    return out


def check_adverse_events(file: str, lines: pd.Series, ae: pd.DataFrame) -> list[Violation]:
    if not {"onset_day", "end_day"} <= set(ae.columns):
        return []
    early = (ae["end_day"] < ae["onset_day"]).fillna(False)
    return cell_violations(file, lines, "end_day", ae["end_day"].astype("string"), early,
                           "is before onset_day; expected end_day ≥ onset_day (blank = ongoing)")


def normalise_labs(file: str, lines: pd.Series, labs: pd.DataFrame) -> tuple[pd.DataFrame, list[Violation]]:
    """Convert Tg to ng/mL and TgAb to IU/mL; refuse units whose conversion is not known."""
    out: list[Violation] = []
    if not {"analyte", "unit", "value"} <= set(labs.columns):
        return labs, out
    factor = pd.Series(np.nan, index=labs.index)
    for analyte, units in LAB_UNITS.items():
        is_a = labs["analyte"] == analyte
        factor[is_a] = labs.loc[is_a, "unit"].map(units)
        bad = is_a & factor.isna() & labs["unit"].notna()
        out += cell_violations(file, lines, "unit", labs["unit"], bad,
                               f"unknown unit for {analyte}; expected one of " + ", ".join(dict.fromkeys(units)))
    labs = labs.assign(value=labs["value"] * factor,
                       unit=labs["analyte"].map(LAB_NORMALISED_UNIT).astype(object))
    return labs, out


def check_cross_file(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> list[Violation]:
    """Every patient_id exists in patients.csv; nothing happens after the patient's last contact."""
    out: list[Violation] = []
    patients = tables.get("patients")
    if patients is None or "patient_id" not in patients.columns:
        return out
    # One hash table of the patient ids, looked up once per file (by distinct id, not by row).
    first = ~patients["patient_id"].duplicated(keep="first").to_numpy()
    known = pd.Index(patients["patient_id"].to_numpy()[first])
    followup = patients["followup_days"].to_numpy(dtype="float64", na_value=np.nan)[first] \
        if "followup_days" in patients else None
    for name, t in tables.items():
        if name == "patients" or "patient_id" not in raws[name].columns:
            continue
        raw = raws[name]
        rc = raw.columns["patient_id"]
        position = known.get_indexer(rc.levels)
        unknown = (rc.levels != "").to_numpy() & (position < 0)
        out += level_violations(raw.file, raw.lines, "patient_id", rc, unknown,
                                "is not in patients.csv; every patient must have a row there")
        day_col = "onset_day" if name == "adverse_events" else "day"
        if followup is not None and day_col in t.columns:
            last_of_level = np.full(len(position), np.nan)
            last_of_level[position >= 0] = followup[position[position >= 0]]
            late = np.asarray(t[day_col].to_numpy(dtype="float64", na_value=np.nan) > last_of_level[rc.codes])
            out += cell_violations(raw.file, raw.lines, day_col, t[day_col], late,
                                   "is after the patient's followup_days (day of last contact) in patients.csv")
    if "tumor_measurements" in tables:
        out += check_lesions(tables["tumor_measurements"], raws["tumor_measurements"])
    return out


def check_lesions(m: pd.DataFrame, raw: RawTable) -> list[Violation]:
    """Target lesions are chosen at baseline; a lesion keeps one type and one nodal flag.

    Lesions are keyed by (patient, lesion) integer codes; fragments 'T1/a', 'T1/b' belong to lesion 'T1'.
    """
    out: list[Violation] = []
    need = {"patient_id", "day", "lesion_id", "lesion_type", "nodal"}
    if not need <= set(m.columns) or m.empty:
        return out
    lesion = raw.columns["lesion_id"]
    parent_codes, parents = pd.factorize(lesion.levels.str.split("/", n=1).str[0])
    patient = raw.columns["patient_id"]
    key, n_keys = keys.dense(pack([patient.codes, parent_codes[lesion.codes]],
                                       [len(patient.levels), max(len(parents), 1)]))
    lesion_type = raw.columns["lesion_type"]
    is_target = (lesion_type.levels == "target").to_numpy()[lesion_type.codes]
    day = m["day"].to_numpy(dtype="float64", na_value=np.nan)
    has_baseline = np.zeros(n_keys, dtype=bool)
    has_baseline[key[is_target & (day <= 0)]] = True
    out += cell_violations(raw.file, raw.lines, "lesion_id", m["lesion_id"], is_target & ~has_baseline[key],
                           "is a target lesion with no baseline measurement (day ≤ 0); target lesions are chosen "
                           "at baseline — record a lesion that appears later as lesion_type 'new'")
    for col, message in (("lesion_type", "differs from this lesion's type on other days; a lesion keeps one type"),
                         ("nodal", "differs from this lesion's nodal flag on other days")):
        # A lesion has several values when some row differs from any one row of it (here the last).
        codes = raw.columns[col].codes
        one_value = np.zeros(n_keys, dtype=codes.dtype)
        one_value[key] = codes
        several = np.zeros(n_keys, dtype=bool)
        several[key[codes != one_value[key]]] = True
        out += cell_violations(raw.file, raw.lines, col, m[col], several[key], message)
    if "status" in m:
        status = raw.columns["status"]
        given = (status.levels != "").to_numpy()[status.codes]
        out += cell_violations(raw.file, raw.lines, "status", m["status"], is_target & given,
                               "is given for a target lesion; target lesions are recorded by diameter_mm, "
                               "leave status blank")
    return out


def _finalise_dtypes(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Non-nullable integer columns become int64/int8 once validation has passed."""
    table = TABLES[name]
    for col in table.columns:
        if col.name in frame.columns and not col.nullable:
            if col.kind == "integer":
                frame[col.name] = frame[col.name].astype("int64")
            elif col.kind == "flag":
                frame[col.name] = frame[col.name].astype("int8")
    return frame


def empty_table(name: str) -> pd.DataFrame:
    """The typed, empty frame of an optional table a cohort does not supply."""
    table = TABLES[name]
    dtypes = {"integer": "Int64", "flag": "Int8", "number": "float64"}
    frame = pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object)) for c in table.columns})
    return _finalise_dtypes(name, frame)


def _file_problem(folder: Path, path: Path, table: Table) -> Violation | None:
    """A file of the contract that is a folder, or a link leading out of the cohort folder."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return Violation(table.file, 0, "", None, "is a symbolic link to nothing (a broken link); put the file "
                                                      "itself in the cohort folder")
        if not target.is_relative_to(folder.resolve()):
            return Violation(table.file, 0, "", None, "is a symbolic link to a file outside the cohort folder, which "
                                                      "ingestion does not follow; copy the file into the folder")
    if path.is_dir():
        return Violation(table.file, 0, "", None, "is a folder, not a file; expected a CSV file of that name")
    return None


def ingest_cohort(folder: Path, options: ScreenOptions | None = None) -> CohortTables:
    """Validate and normalise every file of a cohort folder; raise :class:`ContractError` with all violations."""
    options = options or ScreenOptions()
    folder = Path(folder)
    violations: list[Violation] = []
    if not folder.is_dir():
        raise ContractError([Violation(str(folder), 0, "", None, "cohort folder not found")])
    typed: dict[str, pd.DataFrame] = {}
    raws: dict[str, RawTable] = {}
    present: dict[str, bool] = {}
    warnings: list[str] = []

    known = {t.file for t in TABLES.values()}
    others = sorted(p.name for p in folder.glob("*.csv") if p.name not in known)
    families = identifiers.looks_like(pd.Series(others, dtype=object)).tolist()
    for other, family in zip(others, families, strict=True):
        warnings.append(f"a file whose name looks like {family} (name not shown): not part of the contract; ignored"
                        if family else f"{shown(other)}: not part of the contract; ignored")

    for name, table in TABLES.items():
        path = folder / table.file
        present[name] = path.exists() or path.is_symlink()
        if not present[name]:
            if table.required:
                violations.append(Violation(table.file, 0, "", None, "required file not found in the cohort folder"))
            continue
        problem = _file_problem(folder, path, table)
        if problem:
            violations.append(problem)
            continue
        raw, problems = read_raw(path, table.file)
        violations += problems
        if raw is None:
            continue
        raw, problems = check_header(raw, table)
        violations += problems
        raw, problems = _convert_aliases(raw, table)
        violations += problems
        violations += identifiers.screen_column_names(table.file, raw.header, options.safe_columns)
        frame, problems = check_cells(raw, table)
        violations += problems
        violations += _screen_values(raw, table, options)
        frame, problems, capped = _screen_ages(raw, table, frame, options)
        violations += problems
        if capped:
            warnings.append(f"{table.file}: ages over 89 recorded as 90 in {', '.join(capped)} "
                            "(identifier_screen.cap_age_over_89)")
        violations += check_duplicates(raw, frame, table.unique)
        if name == "patients":
            violations += check_patients(table.file, raw.lines, frame)
        elif name == "adverse_events":
            violations += check_adverse_events(table.file, raw.lines, frame)
        elif name == "labs":
            frame, problems = normalise_labs(table.file, raw.lines, frame)
            violations += problems
        elif name == "doses":
            violations += clinical.check_doses(raw, frame)
        if len(frame) == 0:
            warnings.append(f"{table.file}: header only, no data rows")
        typed[name], raws[name] = frame, raw

    if "patients" in typed and len(typed["patients"]) == 0:
        # Every other file would be reported row by row as naming unknown patients: one message says it all, and
        # the other files' own problems are still listed.
        violations.append(Violation(PATIENTS_FILE, 0, "", None, "has a header but no data rows; expected one row "
                                                                "per patient (the other files are not checked "
                                                                "against it until it has them)"))
    else:
        violations += check_cross_file(typed, raws)
    if violations:
        raise ContractError(identifiers.redact(violations))

    tables = {name: _finalise_dtypes(name, typed[name]) if name in typed else empty_table(name) for name in TABLES}
    if present["tumor_measurements"] and present["responses"]:
        warnings.append("both tumor_measurements.csv and responses.csv given; the plan's recist.source decides")
    if "tumor_measurements" in raws:
        warnings += clinical.baseline_size_warnings(tables["tumor_measurements"], raws["tumor_measurements"])
    if "doses" in raws:
        warnings += clinical.final_zero_dose_warnings(tables["doses"], raws["doses"])
    rows = {name: int(len(t)) for name, t in tables.items()}
    return CohortTables(tables, present, rows, warnings)


PATIENTS_FILE = "patients.csv"


def _screen_values(raw: RawTable, table: Table, options: ScreenOptions) -> list[Violation]:
    out: list[Violation] = []
    kinds = {c.name: c.kind for c in table.columns}
    for col, rc in raw.columns.items():
        kind = kinds.get(col, "extra")
        if col in options.safe_columns or kind not in ("string", "text", "extra"):
            continue
        if col == "patient_id" and table.name != "patients":
            continue  # screened in patients.csv, and any other id is refused as unknown
        out += identifiers.screen_values(raw.file, raw.lines, col, rc)
    return out


def _screen_ages(raw: RawTable, table: Table, frame: pd.DataFrame,
                 options: ScreenOptions) -> tuple[pd.DataFrame, list[Violation], list[str]]:
    """Ages over 89 in age_years and in any extra column whose name says it holds an age (``age_at_diagnosis``):
    refused, or recorded as 90 with ``cap_age_over_89``. Returns the frame, the violations, the capped columns."""
    declared = {c.name for c in table.columns}
    columns = [c for c in raw.header if c in frame and (
        c == "age_years" or (c not in declared and c not in options.safe_columns and identifiers.is_age_column(c)))]
    out: list[Violation] = []
    capped = []
    for col in columns:
        if col == "age_years":
            ages = frame[col]
        else:  # an extra column, kept as text: its number-like values are read as ages
            rc = raw.columns[col]
            numeric = rc.levels.where(rc.levels.str.match(_NUMBER).astype(bool))
            ages = pd.Series(pd.to_numeric(numeric, errors="coerce").to_numpy()[rc.codes], index=frame.index)
        new, problems = identifiers.screen_ages(raw.file, raw.lines, col, ages, options.cap_age_over_89)
        out += problems
        if options.cap_age_over_89 and not new.equals(ages):
            capped.append(col)
            over = (ages > identifiers.HIPAA_MAX_AGE).to_numpy()
            if col == "age_years":
                frame[col] = new
            else:  # an extra column keeps its type (numeric or text, see extra_columns)
                numeric = pd.api.types.is_numeric_dtype(frame[col])
                frame[col] = frame[col].where(~over, 90 if numeric else "90")
    return frame, out, capped
