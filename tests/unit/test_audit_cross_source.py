"""Cross-source checks (what several documents print about one study), findings that span files, and the audit's
HTML page: small hand-made files and literature rows, the expected values worked out in the comments."""

from __future__ import annotations

import csv
from pathlib import Path

from tkicohort import audit as A
from tkicohort.audit.html import audit_page
from tkicohort.literature import columns, read_literature


def num(id_, statistic, value, population="all", table="Results", **extra):
    precision = 0 if statistic == "date" else len(value.lstrip("<>").partition(".")[2])
    return {"id": id_, "table": table, "row": extra.pop("row", id_), "column": "", "statistic": statistic,
            "value": value, "precision": precision, "population": population, **extra}


SOURCES = {"nci": {"label": "Summary", "citation": "c", "kind": "summary", "prefix": "nci_"},
           "rev": {"label": "Review", "citation": "c", "kind": "review", "prefix": "rev_"}}


def trial(*numbers, conflicts=()):
    """A two-arm trial described by a summary and a review."""
    pops = {"randomised": {"n": 417, "description": "d", "parts": ["sorafenib", "placebo"]},
            "sorafenib": {"n": 207, "description": "d", "within": "randomised"},
            "placebo": {"n": 210, "description": "d", "within": "randomised"}}
    return {"study": "trial", "label": "Trial", "populations": pops, "sources": SOURCES, "numbers": list(numbers),
            "conflicts": list(conflicts)}


def cohort(*numbers, reference="trial:sorafenib"):
    """A cohort paper whose Table 6 quotes the trial's sorafenib arm and a study 'kim'."""
    pops = {"all": {"n": 26, "description": "d"},
            "lit_trial": {"n": 207, "description": "d", "external": True, "reference": reference},
            "lit_kim": {"n": 85, "description": "d", "external": True, "reference": "kim"}}
    return {"study": "cohort", "label": "Cohort paper", "populations": pops, "numbers": list(numbers)}


def literature(tmp_path: Path, *rows: dict):
    """A literature file of the given rows (every other cell empty, the required ones filled in)."""
    path = tmp_path / "studies.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns())
        writer.writeheader()
        for k, r in enumerate(rows, 1):
            writer.writerow({"table": "Table 2", "row": k, "agent": "sorafenib", "setting": "trial",
                             "reference": f"Study {k}", **r})
    return read_literature(path)


def cross(published, others=(), lit=None):
    pub = A.Publication.from_dict(published)
    return A.check_cross_source(pub, [A.Publication.from_dict(o) for o in others], lit, "Review table")


def bad(rows):
    return [r for r in rows if r["severity"] != "ok"]


def test_two_documents_of_one_file_disagreeing():
    # median PFS of the sorafenib arm: 10.8 in the summary and in the review's text, 12.2 in the review's Table 1
    doc = trial(num("nci_res_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median", source="nci"),
                num("rev_txt_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median",
                    source="rev"),
                num("rev_t1_pfs", "median", "12.2", "sorafenib", table="Table 1", unit="months",
                    quantity="pfs_median", source="rev"))
    r = bad(cross(doc))
    assert len(r) == 1 and r[0]["severity"] == "major" and r[0]["_culprits"] == {"rev_t1_pfs"}
    assert "Summary — Results | nci_res_pfs" in r[0]["location"] and "Review — Table 1 | rev_t1_pfs" in r[0]["location"]
    # the review alone prints it twice, differently: the same-quantity check of one document sees that part too,
    # and the two rows become one finding with the three places
    findings = A.audit_publication(doc)
    assert len(findings) == 1
    assert set(findings.iloc[0]["checks"].split(";")) == {"same_quantity_printed_alike", "cross_source"}
    assert findings.iloc[0]["locations"].count("\n") == 2


def test_a_quoting_paper_and_a_literature_table_about_another_study(tmp_path):
    # Table 6 of the cohort paper quotes 'kim' with 85 patients and ORR 10.3 %; the review's table: 98 and PR 25 %
    lit = literature(tmp_path, {"n": "98", "pr_pct": "25", "pr_printed": "25", "year": "2018", "study": "kim"})
    doc = cohort(num("t6_kim_n", "count_total", "85", "lit_kim", table="Table 6", quantity="n"),
                 num("t6_kim_orr", "percent", "10.3", "lit_kim", table="Table 6", quantity="orr_pct"),
                 num("t6_kim_year", "year", "2019", "lit_kim", table="Table 6", quantity="year"))
    rows = bad(cross(doc, lit=lit))
    by_note = {r["note"].split(":")[0]: r for r in rows}
    # 85 vs 98: two values, no majority → both blamed, 12.5 beyond rounding → major
    assert by_note["kim, patients"]["severity"] == "major"
    assert by_note["kim, patients"]["_culprits"] == {"t6_kim_n", "Review table:Table 2:1:n"}
    # an ORR (CR + PR) of 10.3 % [10.25, 10.35) is below a PR of 25 % [24.5, 25.5): impossible → major
    assert by_note["kim, objective response rate ≥ partial response rate"]["severity"] == "major"
    # 2019 vs 2018 → minor
    assert by_note["kim, year"]["severity"] == "minor"


def test_no_complete_response_makes_orr_and_pr_one_quantity(tmp_path):
    # the summary prints no CR among all randomised patients: its ORR of 12 % and the review's PR of 10.8 % are
    # the same rate, and 10.8 [10.75, 10.85) is not 12 [11.5, 12.5) → a finding; without the CR row they are only
    # ordered (ORR ≥ PR holds: 12.5 > 10.75) and nothing is found
    base = [num("nci_res_orr", "percent", "12", "sorafenib", quantity="orr_pct", source="nci"),
            num("rev_t1_pr", "percent", "10.8", "sorafenib", table="Table 1", quantity="pr_pct", source="rev")]
    cr = num("nci_res_cr_n", "n", "0", "randomised", quantity="cr_n", source="nci")
    assert bad(cross(trial(*base, cr)))[0]["note"].startswith("trial (sorafenib), objective response rate")
    assert bad(cross(trial(*base))) == []


def test_another_studys_disagreement_belongs_to_its_own_audit():
    # the trial's two documents disagree (10.8 vs 12.2); the cohort paper quotes 10.8 like the majority: the cohort's
    # audit does not report it, the trial's does, with the cohort paper's place among the locations
    t = trial(num("nci_res_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median", source="nci"),
              num("rev_txt_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median", source="rev"),
              num("rev_t1_pfs", "median", "12.2", "sorafenib", table="Table 1", unit="months", quantity="pfs_median",
                  source="rev"))
    c = cohort(num("t6_trial_pfs", "median", "10.8", "lit_trial", table="Table 6", unit="months",
                   quantity="pfs_median"))
    assert bad(cross(c, [t])) == []
    r = bad(cross(t, [c]))
    assert len(r) == 1 and "Cohort paper — Table 6 | t6_trial_pfs" in r[0]["location"]
    assert "cohort:t6_trial_pfs" in r[0]["ids"].split(";")
    # when the cohort paper is the odd one out, its audit reports it
    c = cohort(num("t6_trial_pfs", "median", "9.1", "lit_trial", table="Table 6", unit="months",
                   quantity="pfs_median"))
    t = trial(num("nci_res_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median", source="nci"),
              num("rev_txt_pfs", "median", "10.8", "sorafenib", unit="months", quantity="pfs_median", source="rev"))
    assert bad(cross(c, [t]))[0]["_culprits"] == {"t6_trial_pfs"}


def test_units_converted_with_another_convention_are_one_finding():
    # Luo-like: 40.1 and 55.0 weeks in the paper, 9.4 and 12.8 months in a review: both agree only with 30-day
    # months (40.1 w = 9.36 mo, 55.0 w = 12.83 mo; with 30.4375-day months 9.22 and 12.65) → one finding
    doc = {"study": "luo", "populations": {"all": {"n": 8, "description": "d"}}, "sources": SOURCES, "numbers": [
        num("nci_pfs", "median", "40.1", unit="weeks", quantity="pfs_median", source="nci"),
        num("nci_os", "median", "55.0", unit="weeks", quantity="os_median", source="nci"),
        num("rev_t2_pfs", "median", "9.4", table="Table 2", unit="months", quantity="pfs_median", source="rev"),
        num("rev_t2_os", "median", "12.8", table="Table 2", unit="months", quantity="os_median", source="rev")]}
    findings = A.audit_publication(doc)
    assert len(findings) == 1 and findings.iloc[0]["severity"] == "minor"
    assert set(findings.iloc[0]["ids"].split(";")) == {"nci_pfs", "nci_os", "rev_t2_pfs", "rev_t2_os"}
    assert "months of 30 days" in findings.iloc[0]["note"]


def test_a_publication_date_gives_its_year(tmp_path):
    lit = literature(tmp_path, {"n": "207", "year": "2013", "study": "trial:sorafenib"})
    doc = cohort(num("t6_trial_year", "year", "2014", "lit_trial", table="Table 6", quantity="year"))
    t = trial(num("nci_src_date", "date", "2014-04-24", "randomised", quantity="publication_date", source="nci"))
    # the trial's file is read: the literature row about it is left to that file, so only 2014 and 2014 meet
    assert bad(cross(doc, [t], lit)) == []
    # without the trial's file, the literature row speaks for it: 2014 vs 2013 → minor
    assert [r["severity"] for r in bad(cross(doc, [], lit))] == ["minor"]


def test_audit_page_escapes_and_links(tmp_path):
    doc = {"study": "x", "label": "X <b>", "populations": {"all": {"n": 26, "description": "d"}}, "numbers": [
        num("t2_sd_n", "n", "8", row="<script>alert(1)</script>"), num("t2_sd_pct", "percent", "30.7"),
        num("txt_k_n", "n", "3")],
        "conflicts": [{"kind": "rounding", "ids": ["t2_sd_pct"], "description": "8/26 printed 30.7 & more"},
                      {"kind": "label", "ids": ["txt_k_n"], "description": "seen only in the text"}]}
    result = A.audit(doc)
    page = audit_page(result.label, result.documents, result.findings, result.checks, A.CHECK_DESCRIPTIONS)
    assert "<script>" not in page and "&lt;script&gt;" in page and "X &lt;b&gt;" in page
    assert 'id="A1"' in page and 'href="#R1"' in page and 'href="#A1"' in page
    assert "not visible from the printed numbers alone" in page  # R2
    assert "printed 30.7 &amp; more" in page
