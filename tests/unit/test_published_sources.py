"""The files of several documents (resources/studies/decision and luo_2014): what each number says, read off the
NCI summary, the Pitoia et al. 2022 review and Luo et al.'s PubMed record by hand; the arithmetic between them,
including the contradictions the files record; the review's cells agreeing with the literature file that holds the
same table; and the links (sources, claims, references of quoted studies) the audit follows. The bookkeeping shared
with the other files (schema, unique ids, precision, id prefixes) is in tests/unit/test_published.py."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from scipy import stats
from tkicohort.literature import read_literature

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "resources" / "studies"
DOCS = {s: yaml.safe_load((STUDIES / s / "published.yaml").read_text(encoding="utf-8"))
        for s in ("decision", "luo_2014", "zhujiang_2023", "tehran")}
BY_ID = {s: {e["id"]: e for e in d["numbers"]} for s, d in DOCS.items()}


def v(study, id_):
    return BY_ID[study][id_]["value"]


def rounded(x: float, digits: int) -> str:
    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


SPOT = [  # (study, id, value as printed), read off the documents
    ("decision", "nci_study_n", "417"), ("decision", "nci_res_pfs_sorafenib_median", "10.8"),
    ("decision", "nci_res_pfs_placebo_median", "5.8"), ("decision", "nci_res_orr_placebo_pct", "<1"),
    ("decision", "nci_res_sd6_placebo_pct", "33"), ("decision", "nci_res_biomarker_placebo_n", "130"),
    ("decision", "nci_res_sae_sorafenib_pct", "37"), ("decision", "nci_src_publication_date", "2014-04-24"),
    ("decision", "rev_txt_placebo_n", "209"), ("decision", "rev_txt_pfs_hr", "0.587"),
    ("decision", "rev_txt_pfs_ci_high", "0.76"), ("decision", "rev_txt_pfs_p", "<0.0001"),
    ("decision", "rev_txt_sd6_pct", "41.8"), ("decision", "rev_txt_pr_duration_median", "10.2"),
    ("decision", "rev_txt_crossover_pct", "71"), ("decision", "rev_t1_pr_pct", "10.8"),
    ("decision", "rev_t1_pfs_median", "12.2"), ("decision", "rev_t2_ae_hfs_pct", "73.6"),
    ("luo_2014", "abs_n", "8"), ("luo_2014", "abs_pfs_median", "40.1"), ("luo_2014", "abs_os_median", "55.0"),
    ("luo_2014", "abs_dose_reduction_pct", "62.5"), ("luo_2014", "rec_received_date", "2013-06-02"),
    ("luo_2014", "rev_t2_pfs_median", "9.4"), ("luo_2014", "rev_t2_os_median", "12.8"),
    ("luo_2014", "rev_t2_sd_pct", "37"),
]


@pytest.mark.parametrize(("study", "id_", "value"), SPOT, ids=[f"{s}:{i}" for s, i, _ in SPOT])
def test_spot_check_against_the_documents(study, id_, value):
    assert v(study, id_) == value


@pytest.mark.parametrize("study", ["decision", "luo_2014"])
def test_every_number_and_claim_names_a_declared_source(study):
    sources = DOCS[study]["sources"]
    for e in DOCS[study]["numbers"] + DOCS[study].get("claims", []):
        assert e.get("source") in sources, e["id"]


@pytest.mark.parametrize("study", ["decision", "luo_2014", "zhujiang_2023", "tehran"])
def test_claims_speak_of_p_values_of_the_file(study):
    for c in DOCS[study].get("claims", []):
        assert c["ids"] and all(BY_ID[study][i]["statistic"] == "p_value" for i in c["ids"]), c["id"]


def test_quoted_studies_are_linked_by_reference():
    pops = DOCS["zhujiang_2023"]["populations"]
    refs = {name: p.get("reference") for name, p in pops.items() if p.get("external")}
    assert refs == {"lit_decision": "decision:sorafenib", "lit_benekli": "benekli", "lit_massicotte": "massicotte",
                    "lit_kim": "kim", "lit_cheng": "cheng"}
    assert "sorafenib" in DOCS["decision"]["populations"]


def test_decision_arithmetic():
    # mutation status known for 126 + 130 = 256 of 417 = 61.4 % → "61"
    assert rounded(100 * (int(v("decision", "nci_res_biomarker_sorafenib_n"))
                          + int(v("decision", "nci_res_biomarker_placebo_n"))) / 417, 0) == v("decision",
                                                                                         "nci_res_biomarker_pct")
    # clinical benefit 54 % = PR 12.2 % + SD > 6 months 41.8 %
    assert float(v("decision", "rev_txt_pr_pct")) + float(v("decision", "rev_txt_sd6_pct")) == pytest.approx(54.0)
    # the HR lies near the geometric middle of its CI: sqrt(0.45 · 0.76) = 0.585, within the limits' rounding
    lo, hi = (0.445 * 0.755) ** 0.5, (0.455 * 0.765) ** 0.5
    assert lo <= float(v("decision", "rev_txt_pfs_hr")) <= hi
    # the p-value the CI implies (Altman & Bland 2011): SE = (ln 0.76 − ln 0.45) / (2 · 1.96) = 0.1337,
    # z = ln 0.587 / SE = −3.98, p = 6.9e-5: below 0.0001 as printed
    se = (math.log(0.76) - math.log(0.45)) / (2 * 1.959964)
    p = 2 * stats.norm.sf(abs(math.log(0.587) / se))
    assert p == pytest.approx(6.9e-5, rel=0.05) and p < 0.0001


def test_decision_recorded_contradictions_are_real():
    conflicts = {c["kind"] + ":" + ";".join(c["ids"]): c for c in DOCS["decision"]["conflicts"]}
    # the arms add up to one patient fewer than the enrolled
    assert 207 + int(v("decision", "rev_txt_placebo_n")) == int(v("decision", "nci_study_n")) - 1
    assert "arithmetic:rev_txt_placebo_n;nci_study_n" in conflicts
    # no whole count of 207 gives 12.2 % or 41.8 %; 196 gives both (24/196, 82/196)
    for pct in ("12.2", "41.8"):
        assert not any(rounded(100 * k / 207, 1) == pct for k in range(208))
        assert any(rounded(100 * k / 196, 1) == pct for k in range(197))
    # 41.8 % of all patients with 12.2 % responders is 41.8 / (100 − 12.2) = 47.6 % of the non-responders
    assert rounded(41.8 / (100 - 12.2) * 100, 1) == "47.6"
    assert "47.6 %" in conflicts["definition:nci_res_sd6_sorafenib_pct;nci_res_sd6_placebo_pct"]["description"]


def test_luo_arithmetic_and_units():
    # 4/8 = 50.0 %, 5/8 = 62.5 %
    assert rounded(100 * 4 / 8, 1) == v("luo_2014", "abs_pr_pct")
    assert rounded(100 * 5 / 8, 1) == v("luo_2014", "abs_durable_pct") == v("luo_2014", "abs_dose_reduction_pct")
    assert int(v("luo_2014", "abs_histology_ptc_n")) + int(v("luo_2014", "abs_histology_ftc_n")) == 8
    # weeks → months: 40.1·7/30.4375 = 9.22 and 55.0·7/30.4375 = 12.65 (not the review's 9.4 and 12.8); with
    # 30-day months 9.36 → 9.4 and 12.83 → 12.8, the recorded unit conflict
    assert rounded(40.1 * 7 / 30.4375, 1) == "9.2" and rounded(55.0 * 7 / 30.4375, 1) == "12.6"
    assert rounded(40.1 * 7 / 30, 1) == v("luo_2014", "rev_t2_pfs_median")
    assert rounded(55.0 * 7 / 30, 1) == v("luo_2014", "rev_t2_os_median")
    # SD 37 % of 8: 3/8 = 37.5 % rounds to 38 (half up); only truncation gives 37
    assert rounded(100 * 3 / 8, 0) == "38" and int(100 * 3 / 8) == 37


# the review's cells as the two files record them and as the literature file holds them
REVIEW_CELLS = [
    ("decision", "rev_t1_n", ("Table 1", 1), "n"), ("decision", "rev_t1_pr_pct", ("Table 1", 1), "pr_printed"),
    ("decision", "rev_t1_pfs_median", ("Table 1", 1), "pfs_printed"),
    ("decision", "rev_t1_withdrawal_pct", ("Table 1", 1), "withdrawal_pct"),
    ("decision", "rev_t2_n", ("Table 2", 11), "n"), ("decision", "rev_t2_year", ("Table 2", 11), "year"),
    ("decision", "rev_t2_pr_pct", ("Table 2", 11), "pr_printed"), ("decision", "rev_t2_sd_pct", ("Table 2", 11), "sd_pct"),
    ("decision", "rev_t2_pfs_median", ("Table 2", 11), "pfs_printed"),
    ("luo_2014", "rev_t2_n", ("Table 2", 14), "n"), ("luo_2014", "rev_t2_year", ("Table 2", 14), "year"),
    ("luo_2014", "rev_t2_pr_pct", ("Table 2", 14), "pr_printed"), ("luo_2014", "rev_t2_sd_pct", ("Table 2", 14), "sd_pct"),
    ("luo_2014", "rev_t2_pfs_median", ("Table 2", 14), "pfs_printed"),
    ("luo_2014", "rev_t2_os_median", ("Table 2", 14), "os_printed"),
]


def test_review_cells_agree_with_the_literature_file():
    lit = read_literature(STUDIES / "pitoia_2022" / "studies.csv")
    printed = {(r["table"], int(r["row"])): r for r in lit.attrs["printed"]}
    for study, id_, key, column in REVIEW_CELLS:
        assert printed[key][column] == v(study, id_), (study, id_)
