"""The identifier screen: for each pattern family, values it must refuse and values it must let through.

The families and their examples are the ones config/README.md lists ("The identifier screen"); every refused value is
checked to name its family, and no message may repeat the value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tkicohort.ingest import identifiers as ident
from tkicohort.ingest.identifiers import identifier_in_name, is_age_column, screen_ages, screen_values
from tkicohort.ingest.read import RawColumn


def _family(value: str) -> str | None:
    return ident.looks_like(pd.Series([value], dtype=object)).iloc[0]


def _check_family(family, refused, passed):
    for value in refused:
        assert _family(value) == family, f"{value!r} should be refused as {family}, got {_family(value)}"
    for value in passed:
        assert _family(value) is None, f"{value!r} should pass, looked like {_family(value)}"


# ---------------------------------------------------------------------------------------------------------------
# Column names

@pytest.mark.parametrize(("column", "what"), [
    ("name", "a person's name"), ("patient_name", "a person's name"), ("LastName", "a person's name"),
    ("first_name", "a person's name"), ("pt_nm", "a person's name"), ("pt_fname", "a person's name"),
    ("patientname", "a person's name"), ("Nachname", "a person's name"), ("naam", "a person's name"),
    ("mrn", "a medical record number"), ("medical_record_no", "a medical record number"),
    ("mr_no", "a medical record number"), ("hospital_number", "a record number"),
    ("national_id", "a national identity number"), ("ssn", "a national identity number"),
    ("bsn", "a national identity number"), ("phone", "a phone number"), ("mobile_number", "a phone number"),
    ("tel_no", "a phone number"), ("e_mail", "an e-mail address"), ("email", "an e-mail address"),
    ("home_address", "an address"), ("addr", "an address"), ("zip", "a postcode"), ("postcode", "a postcode"),
    ("plz", "a postcode"), ("zip_code", "a postcode"), ("dob", "a date of birth or death"),
    ("date_of_birth", "a date of birth or death"), ("dod", "a date of birth or death"),
    ("geburtsdatum", "a date of birth or death"), ("surgery_date", "a calendar date"),
    ("DateOfDiagnosis", "a calendar date"), ("visit_dt", "a calendar date"), ("visit_dttm", "a calendar date"),
    ("visitdate", "a calendar date"), ("datum_operatie", "a calendar date"), ("fecha", "a calendar date"),
])
def test_identifier_column_names(column, what):
    assert identifier_in_name(column) == what


@pytest.mark.parametrize("column", [
    "patient_id", "age_years", "death_day", "followup_days", "histology", "organ", "lesion_id", "onset_day",
    "cumulative_rai_gbq", "met_lymph_node", "rai_refractory_reason", "dose_mg_per_day", "excluded_reason",
    "tg_doubling_time", "update_flag", "candidate_gene", "stage", "dosage", "tnm_stage", "smoking", "nodal",
])
def test_safe_column_names(column):
    assert identifier_in_name(column) is None


def test_age_columns():
    assert [is_age_column(c) for c in ("age_at_diagnosis", "diagnosis_age", "AgeAtSurgery", "stage", "dosage",
                                       "percentage")] == [True, True, True, False, False, False]


# ---------------------------------------------------------------------------------------------------------------
# One test per value family

def test_email_addresses():
    _check_family(ident.EMAIL, ["jane.doe@example.org", "contact a.b+x@c.co.uk"], ["@home", "x@y", "PTC+FTC"])


def test_calendar_dates():
    _check_family(ident.DATE, [
        "2019-03-12", "2019/3/2", "2019-03-12T10:15", "12/03/2019", "3.12.19", "12 Mar 2019", "1st March 2020",
        "March 12, 2019", "Mar 2019", "12-Mar-19", "12-Mar-2019", "12Mar2019", "03/2019", "3/2019", "03.2019",
        "2019-03", "2019/03", "Mar-2019", "March, 2019", "Mar '19", "3rd of May", "3 of May", "12 May",
        "12 March", "seen 4 Jan", "surgery 20190312", "12032019", "15. Mai 2019", "12 mär 2019", "1er août 2019",
        "3 de mayo de 2019", "12 December",
    ], [
        "grade 3 at week 12", "40-60 % decrease", "dose reduced to 400 mg", "grade 2 may recur", "T1/a", "1.5",
        "cycle 3 of 6", "12.5 mm", "2 decreased lesions", "4 marked nodes", "day 56", "1-2 lesions", "3/4",
        "progression on RAI", "0.20190312",
    ])


def test_phone_numbers():
    _check_family(ident.PHONE, [
        "+44 20 7946 0958", "(555) 123-4567", "555-123-4567", "0044 20 7946 0958", "020 7946 0958",
        "07700 900123", "+49 30 1234567", "+31 20 123 4567", "+44 (0)20 7946 0958", "01 23 45 67 89",
        "030/1234567", "tel 0171 1234567",
    ], ["400 600 800", "dose 800 mg, then 400", "0.001234567", "10-20 mm", "1 2 3"])


def test_national_identity_numbers():
    _check_family(ident.NATIONAL_ID, ["123-45-6789", "AB 12 34 56 C", "AB123456C"], ["12-34-56", "EX 12 34"])


def test_record_numbers():
    _check_family(ident.RECORD, ["MRN 1234567", "1234567", "ID:98765432", "#12345678", "1234567.0"],
                  ["S0000001", "P1234567", "0.12345678", "123456", "T1/a"])


def test_street_addresses():
    _check_family(ident.STREET, [
        "221B Baker Street", "221 Baker Street", "10 Downing St", "1600 Pennsylvania Avenue", "Hauptstr. 5",
        "Hauptstraße 5", "Kalverstraat 12", "Am Ring 3", "12 rue de la Paix", "Calle Mayor 5", "10 downing street",
    ], ["2 lesions in the right lung", "10 mg daily", "3 times along the way", "Dr ring"])


def test_postcodes():
    _check_family(ident.POSTCODE, ["SW1A 1AA", "EC1A 1BB", "12345-6789", "90210", "10115 Berlin", "D-10115",
                                   "1012 AB", "1012AB", "K1A 0B1", "CA 90210"],
                  ["1000 IU", "2 courses", "800", "12345.5", "T1 N0 M0"])


def test_person_names():
    _check_family(ident.NAME, [
        "Mr Smith", "Dr. Jones", "prof Meier", "Lopez, Maria", "Maria Lopez", "Anna K. Berg", "José García",
        "Anna-Lena Meier", "Ludwig van Beethoven", "O'Brien, Sean", "Sean McDonald", "Ｍr Smith",
        "Ma\u200bria Lopez", "Zoë Ørsted", "Łukasz Nowak",
    ], [
        "Hand Foot Syndrome", "Stable Disease", "Lymph Node", "Partial Response", "Diarrhea", "PTC", "lung",
        "no post-baseline imaging", "Palmar-plantar erythrodysesthesia syndrome", "Hand-Foot Skin Reaction",
        "lymph_node", "Sorafenib", "EX01",
    ])


def test_every_family_of_the_readme_has_an_example_that_it_refuses():
    for p in ident.PATTERNS:
        assert _family(p.example) == p.family, p


# ---------------------------------------------------------------------------------------------------------------
# Messages and ages

def test_refusals_name_the_family_never_the_value():
    values = ["José García", "P001", "2019-03-12", "P001"]
    problems = screen_values("f.csv", np.arange(2, 6), "c", RawColumn.from_values(values))
    assert [(v.line, v.value) for v in problems] == [(2, None), (4, None)]
    text = "\n".join(str(v) for v in problems)
    assert "looks like a person's name" in text and "looks like a calendar date" in text
    assert "García" not in text and "2019" not in text


def test_redact_hides_identifiers_quoted_by_other_checks():
    from tkicohort.ingest.violations import Violation
    v = [Violation("p.csv", 3, "sex", "Maria Lopez", "expected one of F, M"),
         Violation("p.csv", 4, "sex", "f", "expected one of F, M (write 'F')")]
    out = ident.redact(v)
    assert out[0].value is None and "looks like a person's name" in out[0].message and "Maria" not in str(out[0])
    assert out[1] == v[1]


def test_ages_over_89_refused_or_capped():
    ages = pd.Series([89.0, 89.5, 104.0, None])
    lines = pd.Series([2, 3, 4, 5])
    kept, problems = screen_ages("p.csv", lines, "age_years", ages, cap=False)
    assert [(v.line, v.value) for v in problems] == [(3, None), (4, None)]
    assert "enter 90" not in str(problems[0]) and "104" not in str(problems[1])
    capped, problems = screen_ages("p.csv", lines, "age_years", ages, cap=True)
    assert problems == [] and capped.tolist()[:3] == [89.0, 90.0, 90.0]


# ---------------------------------------------------------------------------------------------------------------
# The two engines

# Fragments that build values close to every pattern's edge (digits, separators, month names, titles, postcodes),
# and characters beyond printable ASCII that folding must turn into what the patterns see.
_FRAGMENTS = ["0", "00", "1", "12", "19", "2019", "3", "31", "555", "7946", "123", "45", "6789", "1234567", "-", "/",
              ".", " ", ",", "+", "(", ")", "@", "a", "b.c", "org", "Mar", "march", "Sept", "may", "of", "rd", "st",
              "nd", "Dr", "mr", "Smith", "Maria", "Lopez", "K.", "SW1A", "1AA", "AB", "CD", "Street", "str.",
              "weg", "x", "_", "P", "T1/a", "'", "D-", "van", "Anna-Lena", "é", "Ł", "ß", "\u200b", "\u2003", "Ｍ",
              "١٢", "\x1c", "ä", "MRN"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_FRAGMENTS), max_size=7).map("".join), min_size=1, max_size=25))
def test_vectorised_first_pass_agrees_with_python_re(values):
    """RE2 over the folded values finds exactly the values Python's re finds in them, pattern by pattern."""
    folded = [ident.fold(v) for v in values]
    assert all(f.isascii() and f.isprintable() for f in folded)
    expected = [bool(ident._ALL.search(f)) for f in folded]
    assert ident.matches_any(pd.Series(values, dtype=object), [ident._ALL]).tolist() == expected
    for p in ident.PATTERNS:
        want = [bool(p.compiled.search(f)) for f in folded]
        assert ident.matches_any(pd.Series(values, dtype=object), [p.compiled]).tolist() == want, p.form
        # RE2 itself on the folded text (what it sees of a value that was beyond printable ASCII, too).
        re2 = pc.match_substring_regex(pa.array(folded, pa.string()), p.inline).to_pylist()
        assert re2 == want, p.form


@pytest.mark.parametrize(("value", "folded"), [
    ("12 mär 2019 Straße", "12 mar 2019 Strasse"), ("Ｍr Smith", "Mr Smith"), ("١٢٣٤٥٦٧٨", "12345678"),
    ("Lopez,\u2003Maria", "Lopez, Maria"), ("Mr\x1cSmith", "Mr Smith"), ("Ma\u200bria", "Maria"),
    ("José García", "Jose Garcia"), ("Łukasz", "Aukasz"), ("漢字", "aa"),
])
def test_folding(value, folded):
    assert ident.fold(value) == folded


def test_config_readme_lists_every_family_with_examples_that_hold():
    """config/README.md's table of pattern families: each family named there exists, each refused example is
    refused as that family and each let-through example passes."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "config" / "README.md").read_text(encoding="utf-8")
    table = text[text.index("<!-- screen:begin"): text.index("<!-- screen:end -->")]
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    documented = set()
    for family, refused, passed in ((r[0][2:], r[1], r[2].rstrip(" |")) for r in rows):
        documented.add(family)
        _check_family(family, re.findall(r"`([^`]+)`", refused), re.findall(r"`([^`]+)`", passed))
    assert documented == {p.family for p in ident.PATTERNS}


def test_python_re_searches_when_re2_cannot_compile_a_pattern():
    import re
    lookahead = re.compile(r"P(?=0)")  # RE2 has no look-ahead: the fallback answers
    values = pd.Series(["P01", "P10", "José"], dtype=object)
    assert ident.matches_any(values, [lookahead]).tolist() == [True, False, False]
