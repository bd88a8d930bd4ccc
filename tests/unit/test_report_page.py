"""Report pages: captions converted without raw HTML or file inclusion, every text from data escaped, links moved
with a cohort's section, the same files giving the same page."""

from __future__ import annotations

import json
from pathlib import Path

from tkicohort.report.cohort import CohortFiles, cohort_page, combined_page
from tkicohort.report.page import caption, csv_table, relocate
from tkicohort.stats.printed import Printed, to_html

REPO = Path(__file__).resolve().parents[2]
PNG = (REPO / "workflow" / "report" / "readme_km_pfs_tehran.png").read_bytes()


def test_captions_take_no_raw_html_and_include_no_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER\n", encoding="utf-8")
    template = tmp_path / "c.rst"
    template.write_text("Cohort **{{ snakemake.wildcards.cohort }}**.\n\n.. raw:: html\n\n   <script>alert(1)</script>\n\n"
                        f".. include:: {secret}\n", encoding="utf-8")
    out = caption(template, cohort="<b>x</b>")
    assert "<script>" not in out and "<b>x</b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out
    assert "<strong>" in out and "SECRET-MARKER" not in out


def test_csv_cells_are_escaped_and_rows_kept():
    table = csv_table('a,b\n"<img src=x onerror=alert(1)>",2\n"say ""hi""",3\n')
    assert "<img" not in table and "&lt;img src=x onerror=alert(1)&gt;" in table and "say &quot;hi&quot;" in table
    assert table.count("<tr>") == 3


def test_relocate_moves_relative_links_only():
    section = '<a href="tables/x.csv">x</a><a href="#mine-tables">t</a><a href="https://example.org/">e</a>'
    assert relocate(section, "mine") == ('<a href="mine/tables/x.csv">x</a><a href="#mine-tables">t</a>'
                                         '<a href="https://example.org/">e</a>')


def cohort_files(tmp_path: Path, title: str) -> CohortFiles:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "ingest_report.json").write_text(json.dumps(
        {"files": {"patients": {"present": True, "rows": 3}}, "warnings": ["<script>w</script>"]}))
    page = to_html(Printed("Baseline <script>", ["Characteristic", "All (N = 3)"], [["<b>x</b>", "1 (33.3)"]]))
    (tmp_path / "baseline.html").write_text(page, encoding="utf-8")
    (tmp_path / "km.png").write_bytes(PNG)
    return CohortFiles(cohort="mine", title=title, ingest_report=tmp_path / "data" / "ingest_report.json",
                       tables={"baseline": tmp_path / "baseline.html"}, figures={"km_pfs": tmp_path / "km.png"},
                       captions=REPO / "workflow" / "report")


def test_cohort_page_escapes_and_is_deterministic(tmp_path):
    files = cohort_files(tmp_path, "Plan <script>alert(1)</script>")
    page = cohort_page(files)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and 'id="mine-table-baseline"' in page
    assert 'src="data:image/png;base64,' in page and 'href="tables/baseline.xlsx"' in page
    assert cohort_page(files) == page


def test_combined_page_holds_each_cohort_with_links_into_its_folder(tmp_path):
    page = cohort_page(cohort_files(tmp_path, "Plan"))
    combined = combined_page({"mine": page}, REPO / "workflow" / "report" / "workflow.rst")
    assert 'href="mine/tables/baseline.csv"' in combined and 'href="mine/report.html"' in combined
    assert 'href="tables/' not in combined and combined.count('<section class="cohort" id="mine">') == 1
    assert "<h1>Cohort analyses</h1>" in combined


def test_combined_page_shows_the_audits_of_studies_without_a_cohort(tmp_path):
    page = cohort_page(cohort_files(tmp_path, "Plan"))
    audit = ("finding_id,severity,origin,check,what\n1,major,automatic,percentages,<b>6.4 %</b> is not 2/31\n"
             "2,minor,recorded,rounding,30.7\n")
    combined = combined_page({"mine": page}, REPO / "workflow" / "report" / "workflow.rst",
                             audits={"trial": audit}, audit_caption=REPO / "workflow" / "report" / "audit.rst")
    assert '<a href="#audit-trial">trial</a>' in combined and '<section class="study" id="audit-trial">' in combined
    assert 'href="trial/audit.html"' in combined and 'href="trial/audit.csv"' in combined
    assert "2 findings: 1 major, 1 minor" in combined and "&lt;b&gt;6.4 %&lt;/b&gt;" in combined
    assert "published about study trial" in combined
    assert combined_page({"mine": page}, REPO / "workflow" / "report" / "workflow.rst").count("audit-") == 0


def test_tables_caption_explains_guarantee_time_and_discrimination_only_for_a_cohort_that_has_them():
    template = REPO / "workflow" / "report" / "tables.rst"
    plain = caption(template, cohort="c", tables=["pfs_by_subgroup"])
    full = caption(template, cohort="c", tables=["pfs_by_subgroup", "pfs_post_baseline", "model_discrimination"])
    assert "Guarantee-time bias" not in plain and "Uno" not in plain
    assert "Guarantee-time bias" in full and "Uno" in full


def test_a_reproduced_cohort_shows_its_audit_findings_and_plausibility(tmp_path):
    files = cohort_files(tmp_path, "Plan")
    (tmp_path / "reproduction.html").write_text("<html><body><p>reproduced</p></body></html>", encoding="utf-8")
    (tmp_path / "reproduction.csv").write_text("id,status\na,match\n", encoding="utf-8")
    (tmp_path / "audit.csv").write_text(
        "finding,origin,severity,note\nA1,automatic,major,<b>x</b>\nR1,recorded,minor,y\n", encoding="utf-8")
    (tmp_path / "plausibility.csv").write_text("statistic,value,status\nmax_events_14d,3,pass\n", encoding="utf-8")
    files.reproduction_html, files.reproduction_csv = tmp_path / "reproduction.html", tmp_path / "reproduction.csv"
    files.audit_csv, files.plausibility_csv = tmp_path / "audit.csv", tmp_path / "plausibility.csv"
    page = cohort_page(files)
    assert "published about study mine" in page  # the audit caption names the study (here the cohort)
    assert "2 findings: 1 major, 1 minor (1 found by the checks, 1 recorded by hand)." in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and 'href="audit.html"' in page
    assert "Plausibility of the reconstructed patients" in page and "max_events_14d" in page
