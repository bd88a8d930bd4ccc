"""The review's tables as data (resources/studies/pitoia_2022/studies.csv): the file against its schema, every row
against what Pitoia et al. 2022 print (read off the review by hand), the arithmetic the review's cells allow, the
links to the study folders, and a bad file refused with one clear message per problem."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from tkicohort.literature import (
    LiteratureError,
    columns,
    literature_source,
    read_literature,
    study_key,
    to_months,
)

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "resources" / "studies" / "pitoia_2022" / "studies.csv"


@pytest.fixture(scope="module")
def lit():
    return read_literature(PATH)


# (table, row) -> (agent or first author, n, PR cell, PFS cell), read off the review's Tables 1-3 by hand
PRINTED = {
    ("Table 1", 1): ("sorafenib", 207, "10.8", "12.2"), ("Table 1", 2): ("lenvatinib", 261, None, "18.3"),
    ("Table 1", 3): ("cabozantinib", 25, "40", "12.7"), ("Table 1", 4): ("axitinib", 60, "30", "18.1"),
    ("Table 1", 5): ("vandetanib", 72, "8.3", "11.1"), ("Table 1", 6): ("sunitinib", 35, "31", "12.8"),
    ("Table 1", 7): ("pazopanib", 37, "49", "11.7"), ("Table 1", 8): ("dovitinib", 40, "20.5", "5.4"),
    ("Table 1", 9): ("apatinib", 20, None, "18.4"), ("Table 1", 10): ("lapatinib", 13, "60", "15"),
    ("Table 1", 11): ("vemurafenib", 51, None, None), ("Table 1", 12): ("dabrafenib", 13, "29", "11.3"),
    ("Table 1", 13): ("selumetinib", 39, "3", "8"), ("Table 1", 14): ("larotrectinib", 153, None, "28.3"),
    ("Table 1", 15): ("entrectinib", 54, "50", "10"), ("Table 1", 16): ("everolimus", 33, "3", "12.9"),
    ("Table 1", 17): ("temsirolimus + sorafenib", 36, "22", "12"),
    ("Table 2", 1): ("Gupta-Abramson", 27, "26", "19"), ("Table 2", 2): ("Kloos", 33, "15", "16"),
    ("Table 2", 3): ("Hoftijzer", 31, "25", "14.5"), ("Table 2", 4): ("Cabanilas", 13, "20", "19"),
    ("Table 2", 5): ("Keefe", 47, "38", "22"), ("Table 2", 6): ("Ahmed", 19, "16", None),
    ("Table 2", 7): ("Chen", 9, "33", "10.5"), ("Table 2", 8): ("Marotta", 17, "30", "9"),
    ("Table 2", 9): ("Schneider", 31, "31", "18"), ("Table 2", 10): ("Capdevilla", 16, "19", "13.3"),
    ("Table 2", 11): ("Brose", 207, "12", "10.8"), ("Table 2", 12): ("Benekli", 14, None, "21.3"),
    ("Table 2", 13): ("Dadu", 51, None, None), ("Table 2", 14): ("Luo", 8, "50", "9.4"),
    ("Table 2", 15): ("Gallo", 20, "25", "8.2"), ("Table 2", 16): ("Kim", 98, "25", "9.7"),
    ("Table 2", 17): ("Jerkovich", 18, "11", "16.5"),
    ("Table 3", 1): ("Schlumberger", 261, "63", "18.3"), ("Table 3", 2): ("Berdelou", 75, "31", "10"),
    ("Table 3", 3): ("Jasim", 25, "50", None), ("Table 3", 4): ("Sugino", 29, "69", None),
    ("Table 3", 5): ("Locati", 94, "36", "10.8"), ("Table 3", 6): ("Lee", 57, "38", "5.1"),
    ("Table 3", 7): ("Masaki", 42, "62", "13.8"), ("Table 3", 8): ("Aydemirli", 39, "33", "9.7"),
    ("Table 3", 9): ("Jerkovich", 22, "32", "13.7"),
}


def test_every_row_of_the_three_tables_is_there_once(lit):
    assert sorted(zip(lit["table"], lit["row"], strict=True)) == sorted(PRINTED)


@pytest.mark.parametrize("key", sorted(PRINTED), ids=[f"{t} row {r}" for t, r in sorted(PRINTED)])
def test_row_holds_what_the_review_prints(lit, key):
    who, n, pr, pfs = PRINTED[key]
    row = lit[(lit["table"] == key[0]) & (lit["row"] == key[1])].iloc[0]
    assert (row["agent"] if key[0] == "Table 1" else row["first_author"]) == who
    assert row["n"] == n
    assert (None if math.isnan(row["pr_pct"]) else row["pr_pct"]) == (None if pr is None else float(pr))
    assert (None if math.isnan(row["pfs_median"]) else row["pfs_median"]) == (None if pfs is None else float(pfs))
    if pfs is not None:
        assert row["pfs_printed"] == pfs and row["pfs_unit"] == "months"


def test_cells_that_are_not_one_number_are_kept_as_printed(lit):
    cell = lit.set_index(["table", "row"])
    assert cell.loc[("Table 1", 2), "pr_printed"] == "63.2; 65 (4 complete response + 165 partial response)"
    assert cell.loc[("Table 1", 9), "pr_printed"] == "90 (I); 70 (II)"
    assert cell.loc[("Table 1", 11), "pfs_printed"] == "VEGFR naive: 18.8; Previous VEGFR: 8.9"
    assert cell.loc[("Table 2", 11), "os_printed"] == "."
    assert (cell.loc[("Table 1", 1), "withdrawal_pct"], cell.loc[("Table 1", 12), "withdrawal_pct"]) == (19, 0)
    assert (cell.loc[("Table 3", 9), "cr_pct"], cell.loc[("Table 3", 9), "prior_tki_pct"]) == (4, 59)
    assert cell.loc[("Table 2", 14), "os_median"] == 12.8


def test_arithmetic_the_cells_allow(lit):
    # SELECT in Table 1: 165 PR of 261 = 63.2 %, 4 CR + 165 PR = 169/261 = 64.75 % printed 65
    assert round(100 * 165 / 261, 1) == 63.2 and round(100 * 169 / 261) == 65
    # Table 2 and 3 percentages are whole counts of n where the review rounds them (a spot sample): Brose PR 12 of
    # 207 (25/207 = 12.08), Benekli SD 43 of 14 (6/14 = 42.86), Kim PR 25 of 98 (?/98: 24/98 = 24.49, 25/98 = 25.5)
    cell = lit.set_index(["table", "row"])
    for (t, r), column in [(("Table 2", 11), "pr_pct"), (("Table 2", 12), "sd_pct")]:
        n, v = cell.loc[(t, r), "n"], cell.loc[(t, r), column]
        assert any(round(100 * k / n) == v for k in range(n + 1)), (t, r)


def test_links_to_studies_and_quoted_studies(lit):
    keys = [study_key(s) for s in lit["study"].dropna()]
    assert set(keys) == {("decision", "sorafenib"), ("luo_2014", "all"), ("benekli", "all"), ("kim", "all"),
                         ("select", "all")}
    zhujiang = yaml.safe_load((ROOT / "resources/studies/zhujiang_2023/published.yaml").read_text(encoding="utf-8"))
    for study, population in set(keys):
        folder = ROOT / "resources" / "studies" / study
        if folder.exists():  # a study folder: the population is one of its file
            doc = yaml.safe_load((folder / "published.yaml").read_text(encoding="utf-8"))
            assert population in doc["populations"]
        elif keys.count((study, population)) == 1:  # another study: a key Ling et al.'s Table 6 also uses
            assert study in {p.get("reference") for p in zhujiang["populations"].values()}
    # a trial printed in two of the review's tables carries one key in both: DECISION (Tables 1 and 2), SELECT
    # (Tables 1 and 3)
    rows = lit.dropna(subset=["study"]).groupby("study")["table"].apply(list).to_dict()
    assert rows["decision:sorafenib"] == ["Table 1", "Table 2"] and rows["select"] == ["Table 1", "Table 3"]


def test_source_and_time_conversion():
    src = literature_source(PATH)
    assert src["label"] == "Pitoia et al. 2022" and set(src["tables"]) == {"Table 1", "Table 2", "Table 3"}
    # 40.1 weeks = 280.7 days = 9.222 months of 30.4375 days
    assert to_months(40.1, "weeks") == pytest.approx(9.2222, abs=1e-4)
    assert to_months(2, "years") == pytest.approx(24.0)


def _write(tmp_path, header, *lines):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([",".join(header), *lines]) + "\n", encoding="utf-8")
    return path


def test_bad_files_are_refused_with_file_line_and_column(tmp_path):
    header = columns()
    good = dict.fromkeys(header, "")
    good.update(table="Table 1", row="1", reference="X", agent="sorafenib", setting="trial", n="10")

    def line(**cells):
        return ",".join({**good, **cells}[c] for c in header)

    with pytest.raises(LiteratureError, match=r"bad\.csv:1: the header must be .*missing: note"):
        read_literature(_write(tmp_path, header[:-1], ""))
    with pytest.raises(LiteratureError) as err:
        read_literature(_write(tmp_path, header, line(n="ten"), line(row="2", pfs_median="9.4"),
                               line(row="3", setting="retrospective"), line(row="3", pr_pct="120")))
    lines = str(err.value).splitlines()
    assert lines[0].endswith("bad.csv:2: column 'n': value 'ten' — not a whole number")
    assert "bad.csv:3: column 'pfs_unit'" in lines[1]  # a time without its unit
    assert "bad.csv:4: column 'setting': value 'retrospective'" in lines[2]
    assert any("bad.csv:5: column 'pr_pct': value '120.0'" in x for x in lines)
    assert lines[-1].endswith("Table 1 row 3 appears more than once")
