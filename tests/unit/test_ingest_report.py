"""The report groups repeated problems so that a distinct one is never buried, and quotes text safely."""

from __future__ import annotations

from cohort_fixtures import VALID_COHORT, write_cohort
from tkicohort.ingest.cli import run
from tkicohort.ingest.validate import ScreenOptions
from tkicohort.ingest.violations import Violation, grouped_report, line_ranges, shown


def test_line_ranges():
    assert line_ranges([3]) == "3"
    assert line_ranges([2, 3, 4, 7, 9, 10]) == "2–4, 7, 9–10"
    assert line_ranges(list(range(2, 100, 2)), limit=3) == "2, 4, 6, … (46 more ranges)"


def test_distinct_problems_first_repeats_grouped():
    repeated = [Violation("p.csv", ln, "smoking", None, "looks like a calendar date") for ln in range(2, 82)]
    distinct = [Violation("p.csv", 40, "sex", "X", "expected one of F, M"),
                Violation("l.csv", 7, "unit", "pmol/L", "unknown unit for tg"),
                Violation("p.csv", 90, "death", "2", "expected 0 or 1")]
    text = grouped_report(repeated + distinct)
    assert text.splitlines() == [
        "l.csv:7: column 'unit': value 'pmol/L' — unknown unit for tg",
        "p.csv:40: column 'sex': value 'X' — expected one of F, M",
        "p.csv:90: column 'death': value '2' — expected 0 or 1",
        "p.csv:2: column 'smoking' — looks like a calendar date",
        "    … and 79 more rows with the same problem: lines 3–81",
    ]


def test_terminal_limit_counts_the_rest():
    many = [Violation("p.csv", ln, f"c{ln}", None, f"problem {ln}") for ln in range(2, 12)]
    text = grouped_report(many, limit=4)
    assert text.splitlines()[-1] == "… and 6 more distinct problems"


def test_shown_escapes_and_shortens():
    assert shown("F\u200b") == "F\\u200b"
    assert shown("Ｍ") == "\\uff2d"
    assert shown("a\x00b") == "a\\x00b"
    assert shown("José") == "José"
    assert shown("x" * 1000) == "x" * 59 + "… (1,000 characters)"


def test_eighty_identical_rows_do_not_bury_three_real_problems(tmp_path, capsys):
    rows = "".join(f"P{i:02d},sorafenib,50,F,400,0,,PTC,no,1,0,0,,,2019-03-{i % 28 + 1:02d}\n" for i in range(1, 81))
    header, *_ = VALID_COHORT["patients.csv"].split("\n")
    files = dict(VALID_COHORT)
    files["patients.csv"] = header + "\n" + rows.replace("P05,sorafenib,50,F", "P05,sorafenib,50,f", 1) \
        .replace("P10,sorafenib,50,F,400,0,", "P10,sorafenib,50,F,400,2,", 1)
    files["labs.csv"] = VALID_COHORT["labs.csv"].replace("µg/L", "pmol/L")
    folder = write_cohort(tmp_path / "cohort", files)
    assert run(folder, None, ScreenOptions()) == 1
    lines = capsys.readouterr().err.splitlines()[1:]
    assert lines[:3] == [
        "labs.csv:3: column 'unit': value 'pmol/L' — unknown unit for tg; expected one of ng/mL, ng/ml, µg/L, ug/L, "
        "ug/l, µg/l",
        "patients.csv:6: column 'sex': value 'f' — expected one of F, M (write 'F')",
        "patients.csv:11: column 'death': value '2' — expected 0 or 1",
    ]
    assert lines[3].startswith("patients.csv:2: column 'smoking' — looks like a calendar date")
    assert lines[4] == "    … and 79 more rows with the same problem: lines 3–81"
