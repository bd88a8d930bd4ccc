"""The direct-identifier screen.

Refuses, by column name and by value pattern, what HIPAA Safe Harbor and GDPR recital 26 treat as direct identifiers:
person names, record / national / insurance numbers, phone numbers, e-mail and street addresses, postcodes and
calendar dates. Ages over 89 are refused unless the cohort's config caps them at 90. The complete list of pattern
families, with examples of what each catches and what it deliberately lets through, is in config/README.md ("The
identifier screen"); tests/unit/test_identifiers.py holds one test per family.

A refused value is never repeated: a message names file, line, column and the pattern family ("looks like a calendar
date"), not the value. :func:`redact` applies the same rule to every other message that would quote a value.

What it cannot see, and the documentation says so: a name or a date written inside free text in an unusual form
("seen by dr smith on the third of may"), photographs or scans, and combinations of quasi-identifiers (rare
histology + age + small cohort). Free-text columns are the riskiest part of any file: keep them short and coded.

A column the institution has checked and asserts to be safe is listed in the cohort's config
(``identifier_screen: {safe_columns: [...]}``) and is then skipped by both screens.

Matching: every value is first *folded* to printable ASCII (:func:`fold`): accents and full-width forms are
decomposed (``José`` → ``Jose``, ``Ｍr`` → ``Mr``), invisible format characters (zero-width space, soft hyphen)
dropped, other white space and control characters turned into a space. Folding costs a Python call per distinct
non-ASCII value only; the patterns are then searched in one vectorised call of pyarrow's RE2 engine.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .read import RawColumn
from .violations import Violation, level_violations

# ---------------------------------------------------------------------------------------------------------------
# Column names

# Column-name tokens that name a direct identifier (names are split on _, -, space, digits and camelCase).
_NAME_TOKENS = {
    **dict.fromkeys(("name", "names", "firstname", "lastname", "surname", "forename", "fullname", "middlename",
                     "maidenname", "nickname", "username", "patientname", "ptname", "nm", "nme", "fname", "lname",
                     "fnm", "lnm", "mname", "vorname", "nachname", "naam", "voornaam", "achternaam", "nom",
                     "prenom", "nombre", "apellido", "apellidos", "cognome"), "a person's name"),
    "initials": "a person's initials",
    **dict.fromkeys(("mrn", "mrno", "urn", "chartno"), "a medical record number"),
    **dict.fromkeys(("ssn", "nhs", "nhi", "bsn", "svnr", "nir", "insee", "pesel", "personnummer", "cpr", "ahv",
                     "sozialversicherungsnummer", "burgerservicenummer"), "a national identity number"),
    "passport": "a passport number", "insurance": "an insurance number",
    **dict.fromkeys(("phone", "telephone", "mobile", "cellphone", "tel", "telno", "telefon", "telefoon", "telefono",
                     "handy"), "a phone number"),
    "fax": "a fax number",
    **dict.fromkeys(("email", "mail", "emailaddress"), "an e-mail address"),
    **dict.fromkeys(("address", "addr", "adr", "adres", "adresse", "direccion", "domicile", "residence"),
                    "an address"),
    **dict.fromkeys(("street", "strasse", "straat"), "a street address"),
    **dict.fromkeys(("zip", "zipcode", "postcode", "postal", "postalcode", "plz", "postleitzahl", "postcodes"),
                    "a postcode"),
    **dict.fromkeys(("dob", "birthdate", "birthday", "bdate", "bday", "geburtsdatum", "geboortedatum", "dod"),
                    "a date of birth or death"),
    **dict.fromkeys(("date", "dates", "datetime", "timestamp", "dt", "dte", "dttm", "datum", "fecha"),
                    "a calendar date"),
}
_NAME_PHRASES = {
    ("medical", "record"): "a medical record number", ("record", "number"): "a record number",
    ("hospital", "number"): "a record number", ("case", "number"): "a record number",
    ("chart", "number"): "a record number", ("mr", "no"): "a medical record number",
    ("mr", "number"): "a medical record number", ("national", "id"): "a national identity number",
    ("social", "security"): "a national identity number", ("birth", "date"): "a date of birth or death",
    ("date", "of", "birth"): "a date of birth or death", ("date", "of", "death"): "a date of birth or death",
    ("first", "name"): "a person's name", ("last", "name"): "a person's name", ("given", "name"): "a person's name",
    ("family", "name"): "a person's name", ("e", "mail"): "an e-mail address", ("pt", "nm"): "a person's name",
    ("zip", "code"): "a postcode", ("post", "code"): "a postcode",
}
# Glued names ("visitdate", "patientname"): a token ending so is refused, except ordinary words ending so.
_NAME_SUFFIXES = {"date": "a calendar date", "name": "a person's name", "phone": "a phone number",
                  "address": "an address", "datum": "a calendar date"}
_NOT_GLUED = {"update", "candidate", "validate", "invalidate", "mandate", "accommodate", "consolidate", "liquidate",
              "sedate", "rename", "filename", "codename"}
# Extra columns whose name says they hold an age (their values over 89 are screened like age_years).
_AGE_TOKENS = {"age", "ages", "edad", "leeftijd"}


def _tokens(column: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column)
    return [t for t in re.split(r"[^a-z]+", fold(spaced).lower()) if t]


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
    for t in toks:
        for suffix, what in _NAME_SUFFIXES.items():
            if t.endswith(suffix) and len(t) > len(suffix) and t not in _NOT_GLUED:
                return what
    return None


def is_age_column(column: str) -> bool:
    return any(t in _AGE_TOKENS for t in _tokens(column))


def screen_column_names(file: str, header: list[str], safe: set[str]) -> list[Violation]:
    """Column names announcing an identifier (``patient_name``), and column names that are one (a name or a date
    written into the header row, reported by position, not shown)."""
    out = []
    values = looks_like(pd.Series(header, dtype=object))
    for position, (col, family) in enumerate(zip(header, values, strict=True), start=1):
        if family:
            out.append(Violation(file, 1, f"#{position} (name not shown)", None,
                                 f"the column name looks like {family}, a direct identifier; expected a column name "
                                 "of the contract or a short name of your own (the header is the first line)"))
            continue
        if col in safe:
            continue
        what = identifier_in_name(col)
        if what:
            out.append(Violation(file, 1, col, None,
                                 f"column name suggests {what}, a direct identifier; remove the column (times are "
                                 "days from the index date), or list it under identifier_screen.safe_columns in "
                                 "the cohort's config if it holds no identifier"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Values

# English month names and abbreviations, and the German, Dutch, French and Spanish names (folded: März -> Marz).
_MONTH_WORDS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
                r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar[iy]?|janvier|enero|februar[iy]?|fevrier|febrero|"
                r"marz|maerz|maart|mars|marzo|avril|abril|mai|mei|mayo|juni|juin|junio|juli|juillet|julio|augustus|"
                r"aout|agosto|septembre|septiembre|setiembre|oktober|octobre|octubre|novembre|noviembre|dezember|"
                r"decembre|diciembre")
_MON = rf"(?:{_MONTH_WORDS})\b\.?"
_MON_GLUED = rf"(?:{_MONTH_WORDS})\.?"  # where digits follow at once ("12Mar2019")
# Without a year, "may" is only a month after an ordinal or "of" ("3rd of May", not "grade 2 may recur").
_MON_NOT_MAY = _MON.replace("|may|", "|")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d\d"
_ORDINAL = r"(?:st|nd|rd|th)"
# Street words after a number ("221B Baker Street"); capitalised or upper-case, as addresses are written.
_STREET_WORDS = ("Street|Avenue|Road|Boulevard|Lane|Drive|Way|Court|Place|Square|Terrace|Close|Crescent|Gardens|"
                 "Grove|Hill|Park|Row|Walk|Mews|Parade|Highway|St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq")
_STREET_UPPER = _STREET_WORDS.upper()
# Continental street names written as one word before the number ("Hauptstr. 5", "Kalverstraat 12").
_STREET_SUFFIXES = ("str\\.|strasse|straat|weg|gasse|platz|allee|laan|plein|gracht|kade|singel|dijk|ring|damm|"
                    "ufer|steig|pfad|markt")
# A name word: Maria, Anna-Lena, O'Brien, McDonald (after folding accents: Jose, Garcia).
_WORD = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_PARTICLES = r"(?: (?:van|von|de|der|den|del|della|di|da|du|la|le|ten|ter|dos|das|bin|ibn|al|zu))*"


@dataclass(frozen=True)
class Pattern:
    family: str  # what the message says the value looks like
    form: str  # the form within the family (for the documentation and the tests)
    regex: str  # RE2- and Python-compatible (no look-around, no back-reference)
    case_insensitive: bool = False
    example: str = ""

    @property
    def compiled(self) -> re.Pattern:
        return re.compile(self.regex, re.I if self.case_insensitive else 0)

    @property
    def inline(self) -> str:
        """The pattern with its flag inline, for one alternation of several patterns."""
        return f"(?i:{self.regex})" if self.case_insensitive else f"(?:{self.regex})"


EMAIL, DATE, PHONE, NATIONAL_ID, RECORD, STREET, POSTCODE, NAME = (
    "an e-mail address", "a calendar date", "a phone number", "a national identity number", "a record number",
    "a street address", "a postcode", "a person's name")

#: Every value pattern, searched anywhere in the (folded) value of every code, free-text and extra column.
PATTERNS: tuple[Pattern, ...] = (
    Pattern(EMAIL, "user@domain", r"[\w.+-]+@[\w-]+\.[\w.-]+", True, "jane.doe@example.org"),
    # Calendar dates: every form Excel, a clinician or a database writes.
    Pattern(DATE, "year-month-day", rf"\b{_YEAR}[-/.]{_MONTH_NUMBER}[-/.]{_DAY}\b", False, "2019-03-12"),
    Pattern(DATE, "day/month/year", rf"\b{_DAY}[-/.]{_MONTH_NUMBER}[-/.](?:\d{{4}}|\d{{2}})\b", False, "12/03/2019"),
    Pattern(DATE, "month/day/year", rf"\b{_MONTH_NUMBER}[-/.]{_DAY}[-/.](?:\d{{4}}|\d{{2}})\b", False, "3.12.19"),
    Pattern(DATE, "day month year", rf"\b\d{{1,2}}{_ORDINAL}?(?: of| de)?[ .-]{{0,2}}{_MON_GLUED}[ ,.-]*(?:de )?(?:\d{{4}}|\d{{2}})\b",
            True, "12-Mar-19"),
    Pattern(DATE, "day month", rf"\b\d{{1,2}}{_ORDINAL}?(?: of| de)?\.?[ -]{_MON_NOT_MAY}(?:$|[^a-z0-9])", True,
            "12 March"),
    Pattern(DATE, "day of May", rf"\b\d{{1,2}}(?:{_ORDINAL}(?: of)?| of) may\b|^\d{{1,2}}[ -]may$", True,
            "3rd of May"),
    Pattern(DATE, "month day year", rf"\b{_MON}[ .-]?\d{{1,2}}{_ORDINAL}?,? (?:\d{{4}}|\d{{2}})\b", True,
            "March 12, 2019"),
    Pattern(DATE, "month year", rf"\b{_MON_GLUED}[ ,./-]*(?:{_YEAR}|'\d\d)\b", True, "Mar-2019"),
    Pattern(DATE, "month/year", rf"\b{_MONTH_NUMBER}[/-]{_YEAR}\b|\b(?:0[1-9]|1[0-2])\.{_YEAR}\b", False, "03/2019"),
    Pattern(DATE, "year-month", rf"\b{_YEAR}[/-]{_MONTH_NUMBER}\b", False, "2019-03"),
    Pattern(DATE, "compact year-month-day", rf"(?:^|[^\w.]){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", False,
            "surgery 20190312"),
    Pattern(DATE, "compact day-month-year", rf"(?:^|[^\w.])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2]){_YEAR}\b", False,
            "12032019"),
    # Phone numbers.
    Pattern(PHONE, "international", r"(?:\+|(?:^|[^\w.])00)\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}\b", False,
            "+44 20 7946 0958"),
    Pattern(PHONE, "North American", r"\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b", False, "(555) 123-4567"),
    Pattern(PHONE, "national with trunk 0", r"(?:^|[^\w.])0\d{2,4}[ /-]?\d{3,4}[ -]?\d{3,4}\b", False, "020 7946 0958"),
    Pattern(PHONE, "French", r"(?:^|[^\w.])0[1-9](?:[ .-]?\d\d){4}\b", False, "01 23 45 67 89"),
    # National identity numbers.
    Pattern(NATIONAL_ID, "US social security", r"\b\d{3}-\d{2}-\d{4}\b", False, "123-45-6789"),
    Pattern(NATIONAL_ID, "UK national insurance", r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d\d ?\d\d ?\d\d ?[A-D]\b", False,
            "AB 12 34 56 C"),
    # Record numbers: a run of seven or more digits not inside a code or a decimal number (S0000001 and 0.1234567
    # pass; "MRN 1234567" does not).
    Pattern(RECORD, "seven or more digits", r"(?:^|[^\w.])\d{7,}", False, "MRN 1234567"),
    # Street addresses.
    Pattern(STREET, "number and street", rf"\b\d{{1,5}}[A-Za-z]?,? +(?:[A-Z][A-Za-z'-]*\.? +){{1,4}}"
                                         rf"(?:{_STREET_WORDS}|{_STREET_UPPER})\b", False, "221B Baker Street"),
    Pattern(STREET, "number and street (lower case)", r"\b\d{1,5}[a-z]?,? +(?:[a-z'-]+\.? +){1,4}"
                                                      r"(?:street|avenue|road|boulevard|lane|terrace)\b", True,
            "10 downing street"),
    Pattern(STREET, "street and number", rf"\b[A-Z][a-z]*(?:{_STREET_SUFFIXES}) ?\d{{1,4}}[a-z]?\b|"
                                         rf"\b(?:{_STREET_SUFFIXES.title()}) \d{{1,4}}[a-z]?\b", False, "Hauptstr. 5"),
    Pattern(STREET, "rue/calle/via", r"\b\d{1,4}[a-z]?,? (?:rue|avenue|av\.|boulevard|bd|chemin|calle|via|viale|"
                                     r"piazza|plaza|avenida) [a-z]|\b(?:Rue|Calle|Via|Viale|Piazza|Plaza|Avenida|"
                                     r"Chemin) [A-Za-z][A-Za-z ]{0,30} \d{1,4}\b", True, "12 rue de la Paix"),
    # Postcodes.
    Pattern(POSTCODE, "UK", r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b", False, "SW1A 1AA"),
    Pattern(POSTCODE, "US ZIP", r"^\d{5}$|\b\d{5}-\d{4}\b|\b[A-Z]{2},? \d{5}\b", False, "90210"),
    Pattern(POSTCODE, "German", r"\b(?:D-)?\d{5} [A-Z][a-z]{2,}|^D-\d{5}$", False, "10115 Berlin"),
    Pattern(POSTCODE, "Dutch", r"\b[1-9]\d{3} ?[A-EGHJ-NPRSTV-XZ]{2}\b", False, "1012 AB"),
    Pattern(POSTCODE, "Canadian", r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b", False, "K1A 0B1"),
    # Person names.
    Pattern(NAME, "title and name", r"\b(?i:mr|mrs|ms|miss|dr|prof|sir|herr|frau|mme|mlle|dhr|mevr)\.? [A-Z][a-z]+",
            False, "Dr. Jones"),
    Pattern(NAME, "Surname, Firstname", rf"^{_WORD}{_PARTICLES}, *{_WORD}(?: {_WORD})?$", False, "Garcia, Jose"),
    Pattern(NAME, "two or three capitalised words", rf"^{_WORD}(?: [A-Z]\.)?{_PARTICLES}(?: {_WORD}){{1,2}}$",
            False, "Anna-Lena Meier"),
)
_NAME_FORMS = {"Surname, Firstname", "two or three capitalised words"}
#: Words of clinical and everyday vocabulary: a value of capitalised words containing one of them is not taken for a
#: name ("Hand Foot Syndrome", "Lymph Node", "Stable Disease"). Checked on the few candidate values only.
NOT_NAME_WORDS = frozenset("""
abdominal absent acute adverse alive anorexia anaemia anemia arm arthralgia back bilateral biopsy bleeding blood bone
brain cancer cardiac carcinoma cell chest chronic clinical cohort complete condition constipation control cough count
death decreased dermatitis diarrhea diarrhoea disease dose dry dysphonia edema erythema evaluable event failure
fatigue fever follicular follow foot fracture function gastrointestinal grade group hair hand headache
hemorrhage high hoarseness hypertension hypocalcemia hypothyroidism increased infection injury insufficiency
intermediate left liver local loss low lung lymph medullary metastasis metastatic mucositis muscle nausea neck
negative neuropathy new node non none normal not oral other pain papillary partial patient pleura pleural poorly
positive present primary progression progressive pruritus rash reaction reduced remission renal response right
risk site skin sorafenib stable standard study syndrome target thyroid total toxicity treatment tumor tumour
unknown upper vomiting weight
""".split())

_ALL = re.compile("|".join(p.inline for p in PATTERNS))
HIPAA_MAX_AGE = 89


def fold(value: str) -> str:
    """``value`` as printable ASCII, for the patterns: accents and full-width forms decomposed, ``ß`` as ``ss``,
    invisible format characters dropped, other white space and control characters as a space, any other
    character as a letter of its case (``A``/``a``), a digit, or ``?``."""
    if value.isascii() and value.isprintable():
        return value
    out = []
    for c in unicodedata.normalize("NFKD", value.replace("ß", "ss").replace("ẞ", "SS")):
        if " " <= c <= "~":
            out.append(c)
            continue
        cat = unicodedata.category(c)
        if cat in ("Mn", "Mc", "Me", "Cf"):  # combining marks (of decomposed accents), zero-width characters
            continue
        if c.isspace() or cat[0] in "CZ":
            out.append(" ")
        elif c.isdecimal():
            out.append(str(unicodedata.decimal(c)))
        elif c.isupper():
            out.append("A")
        elif c.isalpha():
            out.append("a")
        else:
            out.append("?")
    return "".join(out)


def _folded(values: pd.Series) -> pd.Series:
    """``fold`` of every value (a Python call per value that is not printable ASCII; the others are kept)."""
    return values.map(fold) if len(values) else values


# Any character outside printable ASCII: such a value is folded and searched again (see matches_any).
_NOT_PRINTABLE_ASCII = r"[^\x20-\x7e]"


def matches_any(values: pd.Series, patterns: list[re.Pattern]) -> np.ndarray:
    """Which values contain a match of any of ``patterns``, as Python's ``re.search`` decides on the folded value.

    Speed: one vectorised call of pyarrow's RE2 engine over every value, about forty times faster than a Python call
    per value at a million patient ids, finds the values that match or hold a character beyond printable ASCII;
    only the latter (rare) are folded and searched again. On printable ASCII, RE2 and Python's re agree for these
    patterns: their ``\\d``, ``\\w``, ``\\s``, ``\\b`` and case folding differ only beyond ASCII or on control
    characters (checked in tests/unit/test_identifiers.py). Should RE2 refuse a pattern, Python's re searches every
    folded value.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    text = pa.array(values.to_numpy(dtype=object), pa.string())
    combined = "|".join(f"(?i:{p.pattern})" if p.flags & re.I else f"(?:{p.pattern})" for p in patterns)
    try:
        found = pc.match_substring_regex(text, f"{combined}|{_NOT_PRINTABLE_ASCII}").to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a pattern RE2 cannot compile
        folded = _folded(values)
        return np.logical_or.reduce([folded.str.contains(p, regex=True).astype(bool).to_numpy() for p in patterns])
    found = found.astype(bool)
    if found.any():
        rows = np.flatnonzero(found)
        candidates = values.iloc[rows]
        other = candidates.str.contains(_NOT_PRINTABLE_ASCII, regex=True).astype(bool).to_numpy()
        if other.any():  # beyond printable ASCII: fold, then search the folded text
            folded = _folded(candidates[other])
            found[rows[other]] = np.logical_or.reduce(
                [folded.str.contains(p, regex=True).astype(bool).to_numpy() for p in patterns])
    return found


def looks_like(values: pd.Series) -> pd.Series:
    """For each value, the pattern family it looks like (``"a calendar date"``), or None.

    The first pass (:func:`matches_any`) settles nearly every value; which pattern matched is then found on the few
    suspect values only, in the order of :data:`PATTERNS`.
    """
    out = pd.Series([None] * len(values), index=values.index, dtype=object)
    if len(values) == 0:
        return out
    suspect = matches_any(values, [_ALL])
    if not suspect.any():
        return out
    candidates = _folded(values[suspect])
    family = pd.Series([None] * len(candidates), index=candidates.index, dtype=object)
    for p in PATTERNS:
        todo = family.isna()
        if not todo.any():
            break
        hit = todo & candidates.str.contains(p.compiled, regex=True).astype(bool)
        if p.form in _NAME_FORMS and hit.any():
            hit &= ~candidates.map(_has_ordinary_word).astype(bool)
        family[hit] = p.family
    out[suspect] = family.to_numpy()
    return out


def _has_ordinary_word(value: str) -> bool:
    return any(w in NOT_NAME_WORDS for w in re.split(r"[^a-z]+", value.lower()))


def screen_values(file: str, lines, column: str, rc: RawColumn) -> list[Violation]:
    """Refuse values that look like direct identifiers; each distinct value of the column is tested once.

    The message names the pattern family, never the value."""
    family = looks_like(rc.levels)
    out: list[Violation] = []
    for what in family.dropna().unique():
        out += level_violations(file, lines, column, rc, (family == what).to_numpy(), _refusal(what),
                                show_value=False)
    return out


def _refusal(what: str) -> str:
    return (f"looks like {what}, a direct identifier (the value is not shown); remove it (times are days from the "
            "index date), or list the column under identifier_screen.safe_columns if it is a false alarm")


def redact(violations: list[Violation]) -> list[Violation]:
    """Every violation whose value or column name looks like a direct identifier, with that text not shown.

    Messages of the other checks quote the value at fault ("expected one of F, M"); an identifier written into such a
    column must not reach the terminal or a log either. One vectorised screen of the distinct texts."""
    texts = sorted({v.value for v in violations if v.value} | {v.column for v in violations if v.column})
    if not texts:
        return violations
    family = dict(zip(texts, looks_like(pd.Series(texts, dtype=object)), strict=True))
    out = []
    for v in violations:
        value_family = family.get(v.value) if v.value else None
        column_family = family.get(v.column) if v.column else None
        if value_family is None and column_family is None:
            out.append(v)
            continue
        note = []
        if column_family:
            note.append(f"the column name is not shown: it looks like {column_family}")
        if value_family:
            note.append(f"the value is not shown: it looks like {value_family}")
        out.append(Violation(v.file, v.line, "(column name not shown)" if column_family else v.column,
                             None if value_family else v.value, f"{v.message} ({'; '.join(note)})"))
    return out


def screen_ages(file: str, lines, column: str, ages: pd.Series, cap: bool) -> tuple[pd.Series, list[Violation]]:
    """Ages over 89 identify under HIPAA Safe Harbor: refuse them, or with ``cap`` record them as 90.

    ``ages`` is numeric (NaN where blank or not a number). The refused value is not shown."""
    over = (ages > HIPAA_MAX_AGE).fillna(False).to_numpy()
    if not over.any():
        return ages, []
    if cap:
        return ages.where(~over, 90.0), []
    rows = np.flatnonzero(over)
    message = ("is an age over 89, an identifier under HIPAA Safe Harbor (the value is not shown); set "
               "identifier_screen.cap_age_over_89: true in the cohort's config to record every age over 89 as 90 "
               "(the '90 or older' group), or remove the value")
    return ages, [Violation(file, int(ln), column, None, message) for ln in np.asarray(lines)[rows]]
