"""The identifier screen: each pattern with values it must refuse and values it must let through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tkicohort.ingest import identifiers as ident
from tkicohort.ingest.identifiers import identifier_in_name, screen_ages, screen_values
from tkicohort.ingest.read import RawColumn


@pytest.mark.parametrize(("column", "what"), [
    ("name", "a person's name"), ("patient_name", "a person's name"), ("LastName", "a person's name"),
    ("first_name", "a person's name"), ("mrn", "a medical record number"),
    ("medical_record_no", "a medical record number"), ("hospital_number", "a record number"),
    ("national_id", "a national identity number"), ("ssn", "a national identity number"),
    ("phone", "a phone number"), ("mobile_number", "a phone number"), ("e_mail", "an e-mail address"),
    ("email", "an e-mail address"), ("home_address", "an address"), ("zip", "a postcode"),
    ("postcode", "a postcode"), ("dob", "a date of birth"), ("date_of_birth", "a date of birth"),
    ("surgery_date", "a calendar date"), ("DateOfDiagnosis", "a calendar date"),
])
def test_identifier_column_names(column, what):
    assert identifier_in_name(column) == what


@pytest.mark.parametrize("column", [
    "patient_id", "age_years", "death_day", "followup_days", "histology", "organ", "lesion_id", "onset_day",
    "cumulative_rai_gbq", "met_lymph_node", "rai_refractory_reason", "dose_mg_per_day", "excluded_reason",
    "tg_doubling_time", "update_flag",
])
def test_safe_column_names(column):
    assert identifier_in_name(column) is None


def _flags(values, free_text=True, identifier_like=False):
    lines = np.arange(2, 2 + len(values))
    return [v.value for v in screen_values("f.csv", lines, "c", RawColumn.from_values(values), free_text=free_text,
                                           identifier_like=identifier_like)]


@pytest.mark.parametrize("value", [
    "2019-03-12", "2019/3/2", "12/03/2019", "3.12.19", "12 Mar 2019", "1st March 2020", "March 12, 2019",
    "Mar 2019", "a.b@c.org", "+44 20 7946 0958", "(555) 123-4567", "555-123-4567", "0044 20 7946 0958",
    "123-45-6789", "221 Baker Street", "10 Downing St", "SW1A 1AA", "12345-6789", "Mr Smith", "Dr. Jones",
    "Lopez, Maria", "Maria Lopez", "Anna K. Berg",
])
def test_identifier_values_refused(value):
    assert _flags([value]) == [value]


@pytest.mark.parametrize("value", [
    "no post-baseline imaging", "progression on RAI", "hand-foot skin reaction", "Diarrhea", "PTC", "lung",
    "T1/a", "P001", "EX12", "dose reduced to 400 mg", "grade 3 at week 12", "tumour 12.5 mm", "1.5", "800",
    "lost to follow-up", "RAI uptake absent in 2 lesions", "2 courses", "40-60 % decrease",
])
def test_ordinary_values_pass(value):
    assert _flags([value]) == []


def test_record_numbers_only_in_identifier_like_columns():
    assert _flags(["12345678"], free_text=False, identifier_like=True) == ["12345678"]
    assert _flags(["123456"], free_text=False, identifier_like=True) == []
    assert _flags(["12345678"], free_text=True, identifier_like=False) == []


def test_capitalised_words_only_flagged_in_free_text():
    assert _flags(["Maria Lopez"], free_text=False) == []


def test_ages_over_89_refused_or_capped():
    ages = pd.Series([89.0, 89.5, 104.0, None])
    written = pd.Series(["89", "89.5", "104", ""])
    lines = pd.Series([2, 3, 4, 5])
    kept, problems = screen_ages("p.csv", lines, ages, written, cap=False)
    assert [(v.line, v.value) for v in problems] == [(3, "89.5"), (4, "104")]
    capped, problems = screen_ages("p.csv", lines, ages, written, cap=True)
    assert problems == [] and capped.tolist()[:3] == [89.0, 90.0, 90.0]


# Fragments that build values close to every pattern's edge (digits, separators, month names, titles, postcodes).
_FRAGMENTS = ["0", "00", "1", "12", "19", "2019", "3", "31", "555", "7946", "123", "45", "6789", "1234567", "-", "/",
              ".", " ", ",", "+", "(", ")", "@", "a", "b.c", "org", "Mar", "march", "Sept", "st", "nd", "Dr", "mr",
              "Smith", "Maria", "Lopez", "K.", "SW1A", "1AA", "AB", "CD", "Street", "rd", "x", "_", "P", "T1/a"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_FRAGMENTS), max_size=7).map("".join), min_size=1, max_size=25),
       st.booleans(), st.booleans())
def test_vectorised_first_pass_agrees_with_python_re(values, free_text, identifier_like):
    """The RE2 pass over printable-ASCII values finds exactly the values Python's re finds."""
    patterns = [ident._ANY] + ([ident._PLAIN_NAME] if free_text else []) \
        + ([ident._RECORD_NUMBER] if identifier_like else [])
    expected = [any(p.search(v) for p in patterns) for v in values]
    assert ident.matches_any(pd.Series(values, dtype=object), patterns).tolist() == expected


@pytest.mark.parametrize("value", ["12 mär 2019 Straße", "Ｍr Smith", "١٢٣٤٥٦٧٨", "Lopez,\u2003Maria", "Mr\x1cSmith"])
def test_values_beyond_printable_ascii_are_screened_by_python_re(value):
    patterns = [ident._ANY, ident._PLAIN_NAME, ident._RECORD_NUMBER]
    expected = any(p.search(value) for p in patterns)
    assert ident.matches_any(pd.Series([value, "P001"], dtype=object), patterns).tolist() == [expected, False]
