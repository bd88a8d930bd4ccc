"""A corpus of broken cohorts: every one fails with a message naming file, line and column, writes nothing and
leaves the input untouched."""

from __future__ import annotations

import hashlib

import pytest
from cohort_fixtures import VALID_COHORT, write_cohort
from tkicohort.ingest.cli import default_outputs, run
from tkicohort.ingest.validate import ScreenOptions


def _replace(file, old, new):
    def mutate(files):
        assert old in files[file], f"test setup: {old!r} not in {file}"
        files[file] = files[file].replace(old, new, 1)
    return mutate


def _append(file, row):
    def mutate(files):
        files[file] = files[file] + row
    return mutate


def _set(file, content):
    def mutate(files):
        files[file] = content
    return mutate


def _delete(file):
    def mutate(files):
        del files[file]
    return mutate


# (id, mutation, expected start of one reported violation). Line numbers are counted by hand: header = line 1.
CORPUS = [
    ("sex_not_allowed", _replace("patients.csv", "54,F", "54,X"),
     "patients.csv:2: column 'sex': value 'X' — expected one of F, M"),
    ("sex_lower_case", _replace("patients.csv", "54,F", "54,f"),
     "patients.csv:2: column 'sex': value 'f' — expected one of F, M (write 'F')"),
    ("age_not_number", _replace("patients.csv", "P01,sorafenib,54", "P01,sorafenib,fifty"),
     "patients.csv:2: column 'age_years': value 'fifty' — is not a number"),
    ("age_out_of_range", _replace("patients.csv", "P01,sorafenib,54", "P01,sorafenib,-3"),
     "patients.csv:2: column 'age_years': value '-3' — is out of range"),
    ("age_over_89", _replace("patients.csv", "P01,sorafenib,54", "P01,sorafenib,91"),
     "patients.csv:2: column 'age_years' — is an age over 89"),
    ("followup_decimal", _replace("patients.csv", "F,400,", "F,400.5,"),
     "patients.csv:2: column 'followup_days': value '400.5' — is not a whole number"),
    ("death_not_flag", _replace("patients.csv", "M,300,1,280", "M,300,2,280"),
     "patients.csv:3: column 'death': value '2' — expected 0 or 1"),
    ("death_day_missing", _replace("patients.csv", "M,300,1,280", "M,300,1,"),
     "patients.csv:3: column 'death_day': value '' — is blank but death = 1"),
    ("death_day_without_death", _replace("patients.csv", "F,400,0,,", "F,400,0,100,"),
     "patients.csv:2: column 'death_day': value '100' — is given but death = 0"),
    ("death_after_followup", _replace("patients.csv", "M,300,1,280", "M,300,1,310"),
     "patients.csv:3: column 'death_day': value '310' — is after followup_days"),
    ("duplicate_patient", _append("patients.csv", "P01,sorafenib,60,M,100,0,,PTC,no,1,0,0,,,never\n"),
     "patients.csv:5: column 'patient_id': value 'P01' — duplicate (patient_id); the same values as line 2"),
    ("blank_required", _replace("patients.csv", "P03,sorafenib", "P03,"),
     "patients.csv:4: column 'arm': value '' — is blank; a value is required"),
    ("missing_required_column", _set("patients.csv", "patient_id,arm,age_years,sex,followup_days\nP01,a,5,F,3\n"),
     "patients.csv:1: column 'death' — required column is missing from the header"),
    ("histology_unknown", _replace("patients.csv", "PTC,no,11.1", "papillary,no,11.1"),
     "patients.csv:2: column 'histology': value 'papillary' — expected one of PTC, FTC, PTC+FTC, PDTC, OTHER"),
    ("name_column", _set("patients.csv", VALID_COHORT["patients.csv"].replace("smoking", "patient_name")),
     "patients.csv:1: column 'patient_name' — column name suggests a person's name"),
    ("date_column", _set("patients.csv", VALID_COHORT["patients.csv"].replace("smoking", "surgery_date")),
     "patients.csv:1: column 'surgery_date' — column name suggests a calendar date"),
    ("iso_date_value", _replace("patients.csv", "400,0,,PTC,no,11.1,1,0,120.5,,never", "400,0,,PTC,no,11.1,1,0,120.5,,2019-03-12"),
     "patients.csv:2: column 'smoking' — looks like a calendar date"),
    ("dmy_date_value", _replace("patients.csv", "former", "12/03/2019"),
     "patients.csv:3: column 'smoking' — looks like a calendar date,"),
    ("text_date_value", _replace("patients.csv", "no post-baseline imaging", "scan lost 12 Mar 2019"),
     "patients.csv:4: column 'excluded_reason' — looks like a calendar date"),
    ("email_value", _replace("patients.csv", "former", "jane.doe@example.org"),
     "patients.csv:3: column 'smoking' — looks like an e-mail address"),
    ("phone_value", _replace("patients.csv", "former", "+44 20 7946 0958"),
     "patients.csv:3: column 'smoking' — looks like a phone number"),
    ("person_name_value", _replace("patients.csv", "no post-baseline imaging", "Maria Lopez"),
     "patients.csv:4: column 'excluded_reason' — looks like a person's name"),
    ("record_number_id", _replace("patients.csv", "P02,", "12345678,"),
     "patients.csv:3: column 'patient_id' — looks like a record number"),
    ("street_address", _replace("patients.csv", "former", "221 Baker Street"),
     "patients.csv:3: column 'smoking' — looks like a street address"),
    ("postcode", _replace("patients.csv", "former", "SW1A 1AA"),
     "patients.csv:3: column 'smoking' — looks like a postcode"),
    ("unknown_patient_in_labs", _append("labs.csv", "P99,10,tg,3,ng/mL\n"),
     "labs.csv:5: column 'patient_id': value 'P99' — is not in patients.csv"),
    ("lab_unit_unknown", _replace("labs.csv", "P01,56,tg,30,µg/L", "P01,56,tg,30,pmol/L"),
     "labs.csv:3: column 'unit': value 'pmol/L' — unknown unit for tg"),
    ("lab_day_not_integer", _replace("labs.csv", "P01,56,tg", "P01,day56,tg"),
     "labs.csv:3: column 'day': value 'day56' — is not a number"),
    ("target_without_baseline", _append("tumor_measurements.csv", "P02,60,T2,target,lung,0,12,\n"),
     "tumor_measurements.csv:8: column 'lesion_id': value 'T2' — is a target lesion with no baseline measurement"),
    ("duplicate_lesion_visit", _append("tumor_measurements.csv", "P01,56,T1,target,lung,0,13,\n"),
     "tumor_measurements.csv:8: column 'lesion_id': value 'T1' — duplicate (patient_id, day, lesion_id); the same values as line 4"),
    ("lesion_type_changes", _replace("tumor_measurements.csv", "P01,56,N1,non_target", "P01,56,N1,new"),
     "tumor_measurements.csv:3: column 'lesion_type': value 'non_target' — differs from this lesion's type"),
    ("negative_diameter", _replace("tumor_measurements.csv", "P01,56,T1,target,lung,0,12", "P01,56,T1,target,lung,0,-1"),
     "tumor_measurements.csv:4: column 'diameter_mm': value '-1' — is out of range"),
    ("status_unknown", _replace("tumor_measurements.csv", "P01,56,N1,non_target,bone,0,,present", "P01,56,N1,non_target,bone,0,,gone"),
     "tumor_measurements.csv:5: column 'status': value 'gone' — expected one of present, absent, progression"),
    ("assessment_after_followup", _replace("tumor_measurements.csv", "P02,60,T1", "P02,301,T1"),
     "tumor_measurements.csv:7: column 'day': value '301' — is after the patient's followup_days"),
    ("response_code_unknown", _replace("responses.csv", "P01,56,PR", "P01,56,partial"),
     "responses.csv:2: column 'overall_response': value 'partial' — expected one of CR, PR, SD, PD, NE"),
    ("ae_grade_6", _replace("adverse_events.csv", "Diarrhea,3", "Diarrhea,6"),
     "adverse_events.csv:3: column 'grade': value '6' — is out of range"),
    ("ae_end_before_onset", _replace("adverse_events.csv", "2,20,60", "2,20,10"),
     "adverse_events.csv:2: column 'end_day': value '10' — is before onset_day"),
    ("qol_item_out_of_range", _replace("qol.csv", "P01,0,2,", "P01,0,5,"),
     "qol.csv:2: column 'q1': value '5' — is out of range; expected a whole number from 1 to 4"),
    ("qol_global_item_out_of_range", _replace("qol.csv", "5,6\n", "5,8\n"),
     "qol.csv:2: column 'q30': value '8' — is out of range; expected a whole number from 1 to 7"),
    ("dose_negative", _replace("doses.csv", "P01,40,400", "P01,40,-400"),
     "doses.csv:3: column 'dose_mg_per_day' : value '-400'".replace(" :", ":")),
    ("stop_with_a_dose", _set("doses.csv", "patient_id,day,dose_mg_per_day,reason,stopped\nP01,0,800,start,\n"
                                            "P01,40,400,progression,1\n"),
     "doses.csv:3: column 'dose_mg_per_day': value '400' — is not 0 on a row with stopped = 1"),
    ("dose_after_a_stop", _set("doses.csv", "patient_id,day,dose_mg_per_day,reason,stopped\nP01,0,800,start,\n"
                                            "P01,40,0,progression,1\nP01,60,400,restart,\n"),
     "doses.csv:4: column 'day': value '60' — is after this patient's permanent stop"),
    ("stopped_not_a_flag", _set("doses.csv", "patient_id,day,dose_mg_per_day,reason,stopped\nP01,0,800,start,yes\n"),
     "doses.csv:2: column 'stopped': value 'yes' — is not a number; expected 0 or 1"),
    ("unknown_column_closed_table", _set("doses.csv", "patient_id,day,dose_mg_per_day,reason,site\nP01,0,800,start,x\n"),
     "doses.csv:1: column 'site' — unknown column"),
    ("ragged_row_short", _append("doses.csv", "P01,60\n"), "doses.csv:4 — row has 2 fields but the header has 4"),
    ("ragged_row_long", _append("doses.csv", "P01,60,200,toxicity,extra\n"), "doses.csv:4 — row has 5 fields but the header has 4"),
    ("empty_file", _set("labs.csv", ""), "labs.csv — file is empty"),
    ("missing_patients_file", _delete("patients.csv"), "patients.csv — required file not found"),
    ("undecodable_file", _set("adverse_events.csv", b"patient_id,term,grade,onset_day,end_day\nP01,Naus\xe9e,2,3,\n"),
     "adverse_events.csv:2 — cannot be decoded as UTF-8"),
    ("duplicate_header", _set("responses.csv", "patient_id,day,day\nP01,1,2\n"),
     "responses.csv:1: column 'day' — column name appears twice in the header"),
]


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(("case", "mutate", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_broken_input_is_reported_and_nothing_written(tmp_path, capsys, case, mutate, expected):
    files = dict(VALID_COHORT)
    mutate(files)
    folder = write_cohort(tmp_path / "cohort", files)
    before = _digest(folder)
    out = tmp_path / "results" / "data"
    log = tmp_path / "ingest.log"

    status = run(folder, default_outputs(out), ScreenOptions(), log=log)

    err = capsys.readouterr().err
    assert status == 1
    assert expected in err, f"expected a line starting with:\n{expected}\ngot:\n{err}"
    assert expected in log.read_text()
    assert not out.exists() or not any(out.iterdir()), "no output may be written for a broken cohort"
    assert _digest(folder) == before, "input files must not be modified"


def test_corpus_is_large_and_distinct():
    assert len(CORPUS) >= 25
    assert len({c[0] for c in CORPUS}) == len(CORPUS)
    assert len({c[2] for c in CORPUS}) == len(CORPUS)


def test_all_violations_reported_at_once(tmp_path, capsys):
    files = dict(VALID_COHORT)
    for case in ("sex_not_allowed", "death_day_missing", "unknown_patient_in_labs", "ae_grade_6", "email_value"):
        dict((c[0], c[1]) for c in CORPUS)[case](files)
    folder = write_cohort(tmp_path / "cohort", files)
    assert run(folder, default_outputs(tmp_path / "out"), ScreenOptions()) == 1
    err = capsys.readouterr().err
    assert "(5 problem(s))" in err
    for line in ("patients.csv:2: column 'sex'", "patients.csv:3: column 'death_day'", "labs.csv:5: column 'patient_id'",
                 "adverse_events.csv:3: column 'grade'", "patients.csv:3: column 'smoking'"):
        assert line in err


def test_safe_column_silences_a_false_alarm(tmp_path):
    files = dict(VALID_COHORT)
    files["patients.csv"] = files["patients.csv"].replace("former", "Blue Ridge")
    folder = write_cohort(tmp_path / "cohort", files)
    assert run(folder, None, ScreenOptions()) == 1
    assert run(folder, None, ScreenOptions(safe_columns={"smoking"})) == 0


# Identifiers injected into files: (file, text replaced, replacement, the identifier, expected start of the message).
# The identifier must appear neither on the terminal nor in the log.
INJECTED = [
    ("patients.csv", "former", "12-Mar-19", "12-Mar-19", "patients.csv:3: column 'smoking' — looks like a calendar date"),
    ("patients.csv", "no post-baseline imaging", "surgery 20190312", "20190312",
     "patients.csv:4: column 'excluded_reason' — looks like a calendar date"),
    ("patients.csv", "no post-baseline imaging", "MRN 1234567", "1234567",
     "patients.csv:4: column 'excluded_reason' — looks like a record number"),
    ("patients.csv", "former", "José García", "García",
     "patients.csv:3: column 'smoking' — looks like a person's name"),
    ("tumor_measurements.csv", "N1,non_target,bone", "N1,non_target,Anna-Lena Meier", "Meier",
     "tumor_measurements.csv:3: column 'organ' — looks like a person's name"),
    ("adverse_events.csv", "Diarrhea", "Diarrhea; call 07700 900123", "900123",
     "adverse_events.csv:3: column 'term' — looks like a phone number"),
    ("doses.csv", "toxicity", "seen at Hauptstr. 5", "Hauptstr", "doses.csv:3: column 'reason' — looks like a street "
                                                                   "address"),
    ("patients.csv", "former", "10115 Berlin", "10115", "patients.csv:3: column 'smoking' — looks like a postcode"),
    # Identifiers in columns checked by type are not quoted either.
    ("patients.csv", "54,F,", "54,Maria Lopez,", "Lopez",
     "patients.csv:2: column 'sex' — expected one of F, M (the value is not shown: it looks like a person's name)"),
    ("labs.csv", "P01,56,tg", "P01,2019-03-12,tg", "2019-03-12",
     "labs.csv:3: column 'day' — is not a number; expected a whole number from -3650 to 36500 (day) (the value is "
     "not shown: it looks like a calendar date)"),
]


@pytest.mark.parametrize(("file", "old", "new", "identifier", "expected"), INJECTED, ids=[i[2] for i in INJECTED])
def test_injected_identifier_is_refused_and_never_repeated(tmp_path, capsys, file, old, new, identifier, expected):
    files = dict(VALID_COHORT)
    _replace(file, old, new)(files)
    folder = write_cohort(tmp_path / "cohort", files)
    log = tmp_path / "ingest.log"
    assert run(folder, default_outputs(tmp_path / "out"), ScreenOptions(), log=log) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert identifier not in err and identifier not in log.read_text()


def test_ages_in_extra_columns_refused_or_capped(tmp_path, capsys):
    files = dict(VALID_COHORT)
    files["patients.csv"] = files["patients.csv"].replace("smoking", "age_at_diagnosis").replace(
        "former", "93").replace("never", "50")
    folder = write_cohort(tmp_path / "cohort", files)
    assert run(folder, None, ScreenOptions()) == 1
    err = capsys.readouterr().err
    assert "patients.csv:3: column 'age_at_diagnosis' — is an age over 89" in err and "93" not in err
    out = tmp_path / "out"
    assert run(folder, default_outputs(out), ScreenOptions(cap_age_over_89=True)) == 0
    import pandas as pd
    assert pd.read_parquet(out / "patients.parquet")["age_at_diagnosis"].tolist() == [50, 90, 50]


def test_safe_columns_silence_an_extra_age_column_but_never_age_years(tmp_path, capsys):
    files = dict(VALID_COHORT)
    files["patients.csv"] = files["patients.csv"].replace("smoking", "age_at_diagnosis").replace(
        "former", "93").replace("never", "50")
    folder = write_cohort(tmp_path / "cohort", files)
    assert run(folder, None, ScreenOptions(safe_columns={"age_at_diagnosis"})) == 0
    (folder / "patients.csv").write_text(files["patients.csv"].replace("P01,sorafenib,54", "P01,sorafenib,95"))
    assert run(folder, None, ScreenOptions(safe_columns={"age_at_diagnosis", "age_years"})) == 1
    assert "patients.csv:2: column 'age_years' — is an age over 89" in capsys.readouterr().err
