"""The direct-identifier screen.

Refuses, by column name and by value pattern, what HIPAA Safe Harbor and GDPR recital 26 treat as direct identifiers:
person names, record / national / insurance numbers, phone numbers, e-mail and street addresses, postcodes and
calendar dates. Ages over 89 are refused unless the cohort's config caps them at 90.

What it cannot see, and the documentation says so: a name or a date written inside free text in an unusual form
("seen by dr smith on the third of May"), photographs or scans, and combinations of quasi-identifiers (rare
histology + age + small cohort). Free-text columns are the riskiest part of any file: keep them short and coded.

A column the institution has checked and asserts to be safe is listed in the cohort's config
(``identifier_screen: {safe_columns: [...]}``) and is then skipped by both screens.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .read import RawColumn
from .violations import Violation, cell_violations, level_violations

# Column-name tokens that name a direct identifier (names are split on _, -, space and camelCase).
_NAME_TOKENS = {
    "name": "a person's name", "names": "a person's name", "firstname": "a person's name",
    "lastname": "a person's name", "surname": "a person's name", "forename": "a person's name",
    "fullname": "a person's name", "initials": "a person's initials",
    "mrn": "a medical record number", "ssn": "a national identity number", "nhs": "a national health number",
    "passport": "a passport number", "insurance": "an insurance number",
    "phone": "a phone number", "telephone": "a phone number", "mobile": "a phone number", "fax": "a fax number",
    "email": "an e-mail address", "mail": "an e-mail address",
    "address": "an address", "street": "a street address", "zip": "a postcode", "zipcode": "a postcode",
    "postcode": "a postcode", "postal": "a postcode",
    "dob": "a date of birth", "birthdate": "a date of birth", "birthday": "a date of birth",
    "date": "a calendar date", "dates": "a calendar date", "datetime": "a calendar date",
    "timestamp": "a calendar date",
}
_NAME_PHRASES = {
    ("medical", "record"): "a medical record number", ("record", "number"): "a record number",
    ("hospital", "number"): "a record number", ("national", "id"): "a national identity number",
    ("social", "security"): "a national identity number", ("birth", "date"): "a date of birth",
    ("date", "of", "birth"): "a date of birth", ("first", "name"): "a person's name",
    ("last", "name"): "a person's name", ("given", "name"): "a person's name",
    ("family", "name"): "a person's name", ("e", "mail"): "an e-mail address",
}

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# (pattern, what it looks like). Case-insensitive unless noted. Each is searched anywhere in the value.
_VALUE_PATTERNS: list[tuple[str, str, int]] = [
    (r"[\w.+-]+@[\w-]+\.[\w.-]+", "an e-mail address", re.I),
    (r"\b(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b", "a calendar date (year-month-day)", 0),
    (r"\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:\d{4}|\d{2})\b", "a calendar date (day/month/year)", 0),
    (r"\b(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:\d{4}|\d{2})\b", "a calendar date (month/day/year)", 0),
    (rf"\b\d{{1,2}}(?:st|nd|rd|th)?[ -]{_MONTHS}[ -,]*(?:\d{{4}}|\d{{2}})\b", "a calendar date ('12 Mar 2019')", re.I),
    (rf"\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b", "a calendar date ('March 12, 2019')", re.I),
    (rf"\b{_MONTHS} (?:19|20)\d\d\b", "a calendar month and year", re.I),
    (r"\b\d{3}-\d{2}-\d{4}\b", "a national identity number (SSN pattern)", 0),
    (r"(?:\+|\b00)\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}\b", "a phone number", 0),
    (r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b", "a phone number", 0),
    (r"\b\d{1,5}\s+(?:[A-Za-z]+\s+){1,4}(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|"
     r"court|ct|place|pl|square|sq|terrace|strasse|straße|calle|rue)\b\.?", "a street address", re.I),
    (r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b", "a postcode (UK pattern)", 0),
    (r"\b\d{5}-\d{4}\b", "a ZIP+4 code", 0),
    (r"\b(?i:mr|mrs|ms|miss|dr|prof)\.? [A-Z][a-z]+", "a person's name (title and name)", 0),
    (r"^[A-Z][a-z]+,\s*[A-Z][a-z]+$", "a person's name ('Surname, Firstname')", 0),
]
_COMPILED = [(re.compile(p, f), what) for p, what, f in _VALUE_PATTERNS]
# One alternation of every pattern, for a first pass: a value that matches none (nearly all) costs one search.
_ANY = re.compile("|".join(f"(?{'i' if f & re.I else ''}:{p})" if f & re.I else f"(?:{p})"
                           for p, _, f in _VALUE_PATTERNS))
# Values of identifier-like columns that look like a record number: seven or more digits, nothing else.
_RECORD_NUMBER = re.compile(r"^\d{7,}$")
# Free text of two or three capitalised words and nothing else reads like a name ("Maria Lopez").
_PLAIN_NAME = re.compile(r"^[A-Z][a-z]+(?: [A-Z]\.)?(?: [A-Z][a-z]+){1,2}$")
# Printable ASCII only: the values the RE2 engine may screen (see matches_any).
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"

HIPAA_MAX_AGE = 89


def _tokens(column: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def identifier_in_name(column: str) -> str | None:
    """What direct identifier a column name announces, or None."""
    toks = _tokens(column)
    for n in (3, 2):
        for i in range(len(toks) - n + 1):
            what = _NAME_PHRASES.get(tuple(toks[i: i + n]))
            if what:
                return what
    for t in toks:
        if t in _NAME_TOKENS:
            return _NAME_TOKENS[t]
    return None


def screen_column_names(file: str, header: list[str], safe: set[str]) -> list[Violation]:
    out = []
    for col in header:
        if col in safe:
            continue
        what = identifier_in_name(col)
        if what:
            out.append(Violation(file, 1, col, None,
                                 f"column name suggests {what}, a direct identifier; remove the column (times are "
                                 "days from the index date), or list it under identifier_screen.safe_columns in "
                                 "the cohort's config if it holds no identifier"))
    return out


def screen_values(file: str, lines, column: str, rc: RawColumn, *, free_text: bool,
                  identifier_like: bool) -> list[Violation]:
    """Refuse values that look like direct identifiers; each distinct value of the column is tested once."""
    levels = rc.levels
    checks = list(_COMPILED)
    first_pass = [_ANY]
    if free_text:
        checks.append((_PLAIN_NAME, "a person's name (capitalised words)"))
        first_pass.append(_PLAIN_NAME)
    if identifier_like:
        checks.append((_RECORD_NUMBER, "a record number (seven or more digits)"))
        first_pass.append(_RECORD_NUMBER)
    suspect = (levels != "").to_numpy() & matches_any(levels, first_pass)
    out: list[Violation] = []
    if not suspect.any():
        return out
    # Which pattern, tested on the suspect values only.
    candidates = levels[suspect]
    hit = pd.Series(False, index=candidates.index)
    for regex, what in checks:
        m = ~hit & candidates.str.contains(regex, regex=True).astype(bool)
        if m.any():
            hit |= m
            level_mask = np.zeros(len(levels), dtype=bool)
            level_mask[np.flatnonzero(suspect)[m.to_numpy()]] = True
            out += level_violations(file, lines, column, rc, level_mask,
                                    f"looks like {what}, a direct identifier; remove it (times are days from the "
                                    "index date), or list the column under identifier_screen.safe_columns if it "
                                    "is a false alarm")
    return out


def matches_any(values: pd.Series, patterns: list[re.Pattern]) -> np.ndarray:
    """Which values contain a match of any of ``patterns``, as Python's ``re.search`` decides.

    Speed: values of printable ASCII (nearly all) are searched in one vectorised call of pyarrow's RE2 engine, about
    forty times faster than a Python call per value at a million patient ids. On printable ASCII, RE2 and Python's re
    agree for these patterns: their ``\\d``, ``\\w``, ``\\s``, ``\\b`` and case folding differ only beyond ASCII
    or on control characters (checked in tests/unit/test_identifiers.py). Other values are searched by Python's re.
    """
    found = np.zeros(len(values), dtype=bool)
    if len(values) == 0:
        return found
    text = pa.array(values.to_numpy(dtype=object), pa.string())
    plain = pc.match_substring_regex(text, _PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    try:
        combined = "|".join(f"(?:{p.pattern})" for p in patterns)
        if plain.any():
            found[plain] = pc.match_substring_regex(text.filter(pa.array(plain)), combined) \
                .to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a pattern RE2 cannot compile: Python's re for every value
        plain[:] = False
    rest = np.flatnonzero(~plain)
    if len(rest):
        other = values.iloc[rest]
        found[rest] = np.logical_or.reduce([other.str.contains(p, regex=True).astype(bool).to_numpy()
                                            for p in patterns])
    return found


def screen_ages(file: str, lines: pd.Series, ages: pd.Series, as_written: pd.Series,
                cap: bool) -> tuple[pd.Series, list[Violation]]:
    """Ages over 89 identify under HIPAA Safe Harbor: refuse them, or with ``cap`` record them as 90."""
    over = ages > HIPAA_MAX_AGE
    if not over.any():
        return ages, []
    if cap:
        return ages.where(~over, 90.0), []
    return ages, cell_violations(file, lines, "age_years", as_written, over.fillna(False).to_numpy(),
                                 "an age over 89 is an identifier under HIPAA Safe Harbor; enter 90, or set "
                                 "identifier_screen.cap_age_over_89: true in the cohort's config to record it as 90")
