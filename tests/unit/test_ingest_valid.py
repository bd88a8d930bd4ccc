"""A valid cohort is read into typed, normalised tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tkicohort.ingest.cli import default_outputs, run
from tkicohort.ingest.validate import ScreenOptions, ingest_cohort


def test_types_and_normalisation(valid_cohort):
    t = ingest_cohort(valid_cohort).tables
    p = t["patients"]
    assert p["followup_days"].dtype == "int64"
    assert p["death"].dtype == "int8"
    assert p["death_day"].tolist()[1] == 280 and pd.isna(p["death_day"].iloc[0])
    assert p["age_years"].tolist() == [54.0, 67.5, 45.0]
    assert p["excluded_reason"].tolist() == [None, None, "no post-baseline imaging"]
    assert p["smoking"].tolist() == ["never", "former", "never"]  # an extra column is kept
    m = t["tumor_measurements"]
    assert m["diameter_mm"].isna().tolist() == [False, True, False, True, False, False]
    assert m["status"].tolist()[:2] == [None, "present"]
    labs = t["labs"]
    assert labs["unit"].tolist() == ["ng/mL", "ng/mL", "IU/mL"]  # µg/L is the same as ng/mL
    q = t["qol"]
    assert q["q28"].isna().tolist() == [False, True]
    assert q["q30"].tolist() == [6, 7]


def test_mci_converted_to_gbq(valid_cohort):
    path = valid_cohort / "patients.csv"
    text = path.read_text().replace("cumulative_rai_gbq", "cumulative_rai_mci").replace(",11.1,", ",300,")
    path.write_text(text)
    p = ingest_cohort(valid_cohort).tables["patients"]
    # 300 mCi × 0.037 GBq/mCi = 11.1 GBq (hand-computed); the other rows are read as mCi too.
    assert p["cumulative_rai_gbq"].tolist() == pytest.approx([11.1, 7.4 * 0.037, 3.7 * 0.037])


def test_absent_optional_tables_are_empty_and_typed(valid_cohort):
    for name in ("responses.csv", "labs.csv", "adverse_events.csv", "doses.csv", "qol.csv"):
        (valid_cohort / name).unlink()
    result = ingest_cohort(valid_cohort)
    assert result.present["labs"] is False and result.rows["labs"] == 0
    assert list(result.tables["labs"].columns) == ["patient_id", "day", "analyte", "value", "unit"]
    assert result.tables["doses"]["day"].dtype == "int64"


def test_age_cap_option(valid_cohort):
    path = valid_cohort / "patients.csv"
    path.write_text(path.read_text().replace("P02,sorafenib,67.5", "P02,sorafenib,93"))
    result = ingest_cohort(valid_cohort, ScreenOptions(cap_age_over_89=True))
    assert result.tables["patients"]["age_years"].tolist() == [54.0, 90.0, 45.0]
    assert any("recorded as 90" in w for w in result.warnings)


def test_run_writes_every_table_and_report(valid_cohort, tmp_path):
    outputs = default_outputs(tmp_path / "out")
    assert run(valid_cohort, outputs, ScreenOptions()) == 0
    report = json.loads(outputs["report"].read_text())
    assert report["files"]["patients"] == {"present": True, "rows": 3}
    assert report["files"]["tumor_measurements"]["rows"] == 6
    back = pd.read_parquet(outputs["tumor_measurements"])
    assert back["day"].tolist() == [-10, -10, 56, 56, -5, 60]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in outputs.values())


def test_quoted_fields_with_line_breaks_keep_line_numbers(valid_cohort):
    path = valid_cohort / "adverse_events.csv"
    path.write_text('patient_id,term,grade,onset_day,end_day\nP01,"Fatigue,\nsevere",2,20,\nP02,Rash,7,3,\n')
    from tkicohort.ingest.violations import ContractError

    with pytest.raises(ContractError) as err:
        ingest_cohort(valid_cohort)
    # The first record spans lines 2-3, so the bad grade is on line 4.
    assert [str(v).split(" —")[0] for v in err.value.violations] == ["adverse_events.csv:4: column 'grade': value '7'"]


@pytest.mark.parametrize(("content", "line"), [
    ('patient_id,term,grade,onset_day,end_day\n\nP01,Rash,2,3,\n\nP02,Rash,7,3,\n', 5),  # blank lines count
    ('"patient_id","term","grade","onset_day","end_day"\nP01,Rash,2,3,\nP02,Rash,7,3,\n', 3),  # quoted header
    ('patient_id,term,grade,onset_day,end_day\r\nP01,Rash,2,3,\r\n\r\nP02,Rash,7,3,\r\n', 4),  # CRLF + blank
])
def test_line_numbers_follow_the_file(valid_cohort, content, line):
    from tkicohort.ingest.violations import ContractError

    (valid_cohort / "adverse_events.csv").write_text(content, newline="")
    with pytest.raises(ContractError) as err:
        ingest_cohort(valid_cohort)
    assert [(v.file, v.line, v.column) for v in err.value.violations] == [("adverse_events.csv", line, "grade")]


def test_stopped_column_is_optional_and_typed(valid_cohort):
    assert "stopped" not in ingest_cohort(valid_cohort).tables["doses"].columns  # an old file stays valid
    (valid_cohort / "doses.csv").write_text("patient_id,day,dose_mg_per_day,reason,stopped\n"
                                            "P01,0,800,start,\nP01,40,0,progression,1\n")
    result = ingest_cohort(valid_cohort)
    assert result.tables["doses"]["stopped"].tolist() == [pd.NA, 1]
    assert not any("without stopped = 1" in w for w in result.warnings)


def test_final_zero_dose_without_stop_is_warned_once(valid_cohort):
    (valid_cohort / "doses.csv").write_text("patient_id,day,dose_mg_per_day,reason\nP01,0,800,start\n"
                                            "P01,40,0,toxicity\nP02,0,800,start\nP02,50,0,AE\n"
                                            "P03,0,800,start\nP03,9,0,discontinued\n")
    warnings = [w for w in ingest_cohort(valid_cohort).warnings if w.startswith("doses.csv")]
    assert warnings == ["doses.csv: the last dose of 2 patient(s) is 0 without stopped = 1 (first on line 3); their "
                        "dose status is 'interrupted' (a pause). Where the treatment was stopped for good, set "
                        "stopped = 1 on that row"]


def test_small_baseline_targets_are_warned_with_file_line_and_column(valid_cohort):
    (valid_cohort / "tumor_measurements.csv").write_text(
        "patient_id,day,lesion_id,lesion_type,organ,nodal,diameter_mm,status\n"
        "P01,-30,T1,target,lung,0,8,\n"        # line 2: not the baseline (a later one exists)
        "P01,-10,T1,target,lung,0,9.5,\n"      # line 3: non-nodal < 10 mm at baseline
        "P01,-10,T2,target,liver,0,10,\n"      # line 4: exactly 10 mm: measurable
        "P01,56,T1,target,lung,0,5,\n"         # line 5: after baseline: not checked
        "P02,-5,N1,target,lymph_node,1,13,\n"  # line 6: nodal < 15 mm short axis
        "P02,-5,N2,target,lymph_node,1,15,\n"  # line 7: exactly 15 mm: measurable
        "P02,-5,B1,non_target,bone,0,,present\n"
        "P02,60,N1,target,lymph_node,1,10,\n"
    )
    result = ingest_cohort(valid_cohort)  # a warning, not a refusal
    small = [w for w in result.warnings if "RECIST 1.1 size" in w]
    assert [w.split(" — ")[0] for w in small] == [
        "tumor_measurements.csv:3: column 'diameter_mm': value '9.5'",
        "tumor_measurements.csv:6: column 'diameter_mm': value '13'"]
    assert "≥ 10 mm in longest diameter" in small[0] and "≥ 15 mm in short axis" in small[1]


def test_warnings_reach_the_report_and_the_log(valid_cohort, tmp_path):
    path = valid_cohort / "tumor_measurements.csv"
    path.write_text(path.read_text().replace("P02,-5,T1,target,lymph_node,1,18,", "P02,-5,T1,target,lymph_node,1,13,"))
    outputs = default_outputs(tmp_path / "out")
    log = tmp_path / "ingest.log"
    assert run(valid_cohort, outputs, ScreenOptions(), log=log) == 0
    expected = "tumor_measurements.csv:6: column 'diameter_mm': value '13' — is below the RECIST 1.1 size"
    assert any(expected in w for w in json.loads(outputs["report"].read_text())["warnings"])
    assert expected in log.read_text()


def test_sex_is_optional_and_may_be_blank(valid_cohort):
    path = valid_cohort / "patients.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()]
    sex = rows[0].index("sex")
    blank = "\n".join(",".join(r[:sex] + [""] + r[sex + 1:]) if i == 2 else ",".join(r)
                      for i, r in enumerate(rows)) + "\n"
    path.write_text(blank)
    assert ingest_cohort(valid_cohort).tables["patients"]["sex"].isna().tolist() == [False, True, False]
    path.write_text("\n".join(",".join(r[:sex] + r[sex + 1:]) for r in rows) + "\n")
    patients = ingest_cohort(valid_cohort).tables["patients"]  # raises ContractError if sex were required
    assert len(patients) == 3
