"""Real exports that used to crash ingestion or mislead: each gets one clear message naming file, line and column,
what was found and what is expected; exit status ≠ 0; no output left; input untouched."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cohort_fixtures import VALID_COHORT, write_cohort
from tkicohort.ingest import cli
from tkicohort.ingest.cli import default_outputs, main, run
from tkicohort.ingest.validate import ScreenOptions

HEADER = {name: text.split("\n", 1)[0] for name, text in VALID_COHORT.items()}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(folder.iterdir())}


def _run(tmp_path, files, capsys, setup=None):
    folder = write_cohort(tmp_path / "cohort", files)
    if setup:
        setup(folder)
    before = _digest(folder)
    out = tmp_path / "results" / "data"
    log = tmp_path / "ingest.log"
    status = run(folder, default_outputs(out), ScreenOptions(), log=log)
    err = capsys.readouterr().err
    assert status != 0
    assert not out.exists() or not any(out.iterdir()), "no output may be left"
    assert _digest(folder) == before, "input files must not be modified"
    assert "Traceback" not in err
    return err, log.read_text()


def _with(name, content):
    files = dict(VALID_COHORT)
    files[name] = content
    return files


# (id, files, expected text of the one message)
CASES = [
    ("cr_only_line_breaks", _with("doses.csv", VALID_COHORT["doses.csv"].replace("\n", "\r")),
     "doses.csv:1 — has line breaks made of a carriage return (CR) alone"),
    ("lone_cr_in_data", _with("doses.csv", HEADER["doses.csv"] + "\nP01,0,800,start\nP01,40,400,tox\ricity\n"),
     "doses.csv:3 — has a carriage return (CR) without a line feed"),
    ("lone_cr_before_header", _with("doses.csv", "\r" + VALID_COHORT["doses.csv"]),
     "doses.csv:1 — has a carriage return (CR) without a line feed"),
    ("empty_first_line", _with("doses.csv", "\n" + VALID_COHORT["doses.csv"]),
     "doses.csv:1 — line 1 is empty; expected the header row"),
    ("semicolons", _with("doses.csv", VALID_COHORT["doses.csv"].replace(",", ";")),
     "doses.csv:1 — the header is separated by ';' (semicolon); expected ',' (comma)"),
    ("tabs", _with("doses.csv", VALID_COHORT["doses.csv"].replace(",", "\t")),
     "doses.csv:1 — the header is separated by a tab; expected ',' (comma)"),
    ("semicolon_rows_under_a_comma_header",
     _with("doses.csv", HEADER["doses.csv"] + "\nP01;0;800;start\n"),
     "doses.csv:2 — row has 1 fields but the header has 4; the row is separated by ';' (semicolon)"),
    ("excel_sep_line", _with("doses.csv", "sep=,\n" + VALID_COHORT["doses.csv"]),
     "doses.csv:1 — line 1 is Excel's 'sep=' hint, not the header"),
    ("white_space_line", _with("doses.csv", HEADER["doses.csv"] + "\nP01,0,800,start\n   \nP01,40,400,x\n"),
     "doses.csv:3 — line holds only white space; delete it"),
    ("unterminated_quote", _with("adverse_events.csv", HEADER["adverse_events.csv"]
                                 + '\nP01,Rash,2,20,60\nP02,"Diarrhea,3,15,\nP01,Fatigue,1,3,5\n'),
     "adverse_events.csv:3: column 'term' — a quote (\") opens a value here that is never closed"),
    ("zero_width_character", _with("patients.csv", VALID_COHORT["patients.csv"].replace("54,F,", "54,F\u200b,")),
     "patients.csv:2: column 'sex': value 'F\\u200b' — expected one of F, M (write 'F'; the value holds invisible"),
    ("full_width_header", _with("responses.csv", "patient_id,ｄａｙ,overall_response\nP01,56,PR\n"),
     "responses.csv:1: column 'day' — required column is missing from the header (found '\\uff44\\uff41\\uff59'"),
    ("nul_byte", _with("doses.csv", HEADER["doses.csv"] + "\nP01,0,800,start\nP01,40,400,tox\x00icity\n"),
     "doses.csv:3: column 'reason' — holds a NUL byte (\\x00)"),
    ("utf16", _with("doses.csv", VALID_COHORT["doses.csv"].encode("utf-16")),
     "doses.csv:1 — is UTF-16 encoded"),
    ("mci_alias_out_of_range",
     _with("patients.csv", VALID_COHORT["patients.csv"].replace("cumulative_rai_gbq", "cumulative_rai_mci")
           .replace(",11.1,", ",9000,")),
     "patients.csv:2: column 'cumulative_rai_mci': value '9000' — is out of range; expected the cumulative activity "
     "in mCi, a number from 0 to 5405.41 (200 GBq)"),
    ("subnormal_tg", _with("labs.csv", VALID_COHORT["labs.csv"].replace("P01,56,tg,30,", "P01,56,tg,1e-320,")),
     "labs.csv:3: column 'value': value '1e-320' — is too close to zero to be a measurement"),
    ("overflowing_tg", _with("labs.csv", VALID_COHORT["labs.csv"].replace("P01,56,tg,30,", "P01,56,tg,1e400,")),
     "labs.csv:3: column 'value': value '1e400' — is too large to be a measurement"),
    ("full_width_digits", _with("labs.csv", VALID_COHORT["labs.csv"].replace("P01,56,tg,30,", "P01,56,tg,３０,")),
     "labs.csv:3: column 'value': value '\\uff13\\uff10' — is not a number"),
    ("long_header_without_line_break", _with("labs.csv", "patient_id," + "x" * 100_000),
     "labs.csv:1 — line 1 is longer than 65,536 bytes without a line break"),
    ("line_longer_than_a_block",
     _with("adverse_events.csv", HEADER["adverse_events.csv"] + '\nP01,"' + "y" * 5_000_000 + '",2,20,60\n'),
     "adverse_events.csv:2 — line is 5,000,014 bytes long, too long to be read"),
]


@pytest.mark.parametrize(("case", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_export_problem_named_once(tmp_path, capsys, case, files, expected):
    err, log = _run(tmp_path, files, capsys)
    assert expected in err, f"expected:\n{expected}\ngot:\n{err}"
    assert expected in log
    assert "(1 problem(s))" in err, err


def test_excel_empty_rows_are_grouped(tmp_path, capsys):
    files = _with("doses.csv", VALID_COHORT["doses.csv"] + ",,,\n" * 80)
    err, _ = _run(tmp_path, files, capsys)
    assert "doses.csv:4 — is an empty row (only commas or white space); delete it\n" \
           "    … and 79 more rows with the same problem: lines 5–83" in err
    assert err.count("empty row") == 1


def test_header_only_patients_is_one_message(tmp_path, capsys):
    err, _ = _run(tmp_path, _with("patients.csv", HEADER["patients.csv"] + "\n"), capsys)
    assert "(1 problem(s))" in err and "patients.csv — has a header but no data rows" in err


def test_a_folder_where_a_file_is_expected(tmp_path, capsys):
    files = dict(VALID_COHORT)
    del files["qol.csv"]
    err, _ = _run(tmp_path, files, capsys, setup=lambda f: (f / "qol.csv").mkdir())
    assert "qol.csv — is a folder, not a file" in err


def test_symlink_out_of_the_cohort_folder_is_refused(tmp_path, capsys):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(VALID_COHORT["doses.csv"])
    files = dict(VALID_COHORT)
    del files["doses.csv"]
    err, _ = _run(tmp_path, files, capsys, setup=lambda f: (f / "doses.csv").symlink_to(outside))
    assert "doses.csv — is a symbolic link to a file outside the cohort folder" in err


def test_symlink_inside_the_cohort_folder_is_followed(tmp_path):
    folder = write_cohort(tmp_path / "cohort", VALID_COHORT)
    (folder / "doses.csv").rename(folder / "doses_v2.txt")
    (folder / "doses.csv").symlink_to(folder / "doses_v2.txt")
    assert run(folder, None, ScreenOptions()) == 0


def test_many_long_unknown_column_names_are_shortened_and_grouped(tmp_path, capsys):
    names = [f"c{i}_" + "n" * 1000 for i in range(63)]
    files = _with("doses.csv", HEADER["doses.csv"] + "," + ",".join(names) + "\n")
    err, _ = _run(tmp_path, files, capsys)
    assert len(err) < 3000, err
    assert "and 58 more columns with the same problem" in err
    assert max(len(line) for line in err.splitlines()) < 700


def test_age_of_90_is_not_told_to_enter_90(tmp_path, capsys):
    err, _ = _run(tmp_path, _with("patients.csv", VALID_COHORT["patients.csv"].replace("P01,sorafenib,54",
                                                                                     "P01,sorafenib,90")), capsys)
    assert "patients.csv:2: column 'age_years' — is an age over 89" in err
    assert "enter 90" not in err and "'90'" not in err


def test_cli_without_log_does_not_promise_one(tmp_path, capsys):
    rows = "".join(f"P01,{d},400,x\n" for d in range(1, 600))
    folder = write_cohort(tmp_path / "cohort", _with("doses.csv", HEADER["doses.csv"] + "\n" + rows))
    (folder / "doses.csv").write_text(HEADER["doses.csv"] + "\n" + "".join(f"P{d},{d},{d}x,\n"
                                                                        for d in range(300)))
    assert main([str(folder)]) == 1
    err = capsys.readouterr().err
    assert "log file" not in err and "(write them all with --log FILE)" not in err  # grouped: under the limit
    log = tmp_path / "all.log"
    assert main([str(folder), "--log", str(log)]) == 1
    assert "P299" in log.read_text() or "lines" in log.read_text()


def test_cli_limit_names_the_log_only_when_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "TERMINAL_LIMIT", 3)
    files = _with("patients.csv", VALID_COHORT["patients.csv"].replace("54,F", "54,X").replace("67.5,M", "a,M")
                  .replace("45,F", "-1,Q").replace("400,0,", "400,7,"))
    folder = write_cohort(tmp_path / "cohort", files)
    assert main([str(folder)]) == 1
    err = capsys.readouterr().err
    assert "(write them all with --log FILE)" in err and "the full list is in" not in err
    log = tmp_path / "ingest.log"
    assert main([str(folder), "--log", str(log)]) == 1
    assert f"(the full list is in {log})" in capsys.readouterr().err
    assert log.read_text().count("patients.csv:") == 4 and "more row with the same problem: line 4" in log.read_text()


def test_out_to_an_unwritable_path(tmp_path, capsys, valid_cohort):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main([str(valid_cohort), "--out", str(blocker / "results")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the results" in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


def test_read_only_results_folder_leaves_nothing(tmp_path, capsys, valid_cohort, monkeypatch):
    """A folder that refuses the final move (as a read-only one does; the tests run as root, so it is simulated)."""
    real_replace = os.replace
    calls = []

    def refuse_third(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(cli.os, "replace", refuse_third)
    out = tmp_path / "results" / "c" / "data"
    assert run(valid_cohort, default_outputs(out), ScreenOptions()) == 2
    err = capsys.readouterr().err
    assert f"{out}: cannot write the results (Permission denied)" in err
    assert list(out.iterdir()) == [], "what was moved before the failure is removed"


def test_stale_staging_folder_of_a_killed_run_is_removed(tmp_path, capsys, valid_cohort):
    out = tmp_path / "results" / "c" / "data"
    stale = out / ".ingest-4194999-abc123"  # a pid above Linux's pid_max: no such process
    stale.mkdir(parents=True)
    (stale / "patients.parquet").write_bytes(b"patient data of a killed run")
    legacy = out / ".ingest-k2j3h4"  # named before staging folders carried a pid
    legacy.mkdir()
    alive = out / f".ingest-{os.getppid()}-live"  # a running process's (a concurrent ingestion) is kept
    alive.mkdir()
    assert run(valid_cohort, default_outputs(out), ScreenOptions()) == 0
    assert not stale.exists() and not legacy.exists() and alive.exists()
    assert "removed the temporary folder" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        p.name for p in default_outputs(out).values())
