"""The audits of the four study folders, each against the other three and the review's literature file, as the
workflow runs them: the findings verified by hand against the documents (the arithmetic in the comments)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tkicohort import audit as A
from tkicohort.literature import literature_source, read_literature

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ("zhujiang_2023", "tehran", "decision", "luo_2014")
LITERATURE = ROOT / "resources" / "studies" / "pitoia_2022" / "studies.csv"


@pytest.fixture(scope="module")
def audits() -> dict[str, pd.DataFrame]:
    docs = {s: A.load_published(ROOT / "resources" / "studies" / s / "published.yaml") for s in STUDIES}
    lit, label = read_literature(LITERATURE), literature_source(LITERATURE)["label"]
    return {s: A.audit_publication(docs[s], [d for k, d in docs.items() if k != s], lit, label) for s in STUDIES}


def finding(frame: pd.DataFrame, *ids: str, check: str | None = None) -> pd.Series:
    """The one automatic finding concerning every id given (and found by ``check``)."""
    auto = frame[frame["origin"] == "automatic"]
    rows = auto[auto["ids"].str.split(";").apply(lambda have: set(ids) <= set(have))]
    if check:
        rows = rows[rows["checks"].str.split(";").apply(lambda c: check in c)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_decision_table1_swaps_pr_and_pfs(audits):
    d = audits["decision"]
    # PR: 12 (NCI, twice), 12.2 (review text), 12 (Table 2, the MKI section), 12.2 (Ling Table 6) against 10.8 in
    # Table 1; the NCI's "no complete response" makes ORR and PR one rate
    pr = finding(d, "rev_t1_pr_pct", check="cross_source")
    assert pr["severity"] == "major" and "zhujiang_2023:t6_decision_orr_pct" in pr["ids"].split(";")
    # median PFS: 10.8 everywhere (and 11 at the MKI section's precision) but 12.2 in Table 1
    pfs = finding(d, "rev_t1_pfs_median", check="cross_source")
    assert pfs["severity"] == "major" and pfs["consistent_alternative"] == "10.8 months"
    assert set(pr["related"].split(";")) >= {"R1"} and "R1" in pfs["related"].split(";")


def test_decision_hfs_and_arms_and_denominators(audits):
    d = audits["decision"]
    # hand-foot skin reaction 76 % (Table 1) vs 73.6 % (Table 2): [75.5, 76.5) vs [73.55, 73.65) → major
    assert finding(d, "rev_t1_ae_hfs_pct", "rev_t2_ae_hfs_pct")["severity"] == "major"
    # 207 + 209 = 416 arms vs 417 enrolled: one short → minor
    arms = finding(d, "nci_study_n", check="parts_add_up_to_population")
    assert (arms["severity"], arms["printed"]) == ("minor", "207 + 209 = 416 vs 417")
    # 41.8 % of 207: 86/207 = 41.55 %, 87/207 = 42.03 %: no whole count, 0.23 from the nearest → major
    assert finding(d, "rev_txt_sd6_pct")["severity"] == "major"
    # the PFS claims of both documents are borne out by p < 0.0001
    assert d[d["ids"].str.contains("rev_txt_pfs_p")].empty


def test_luo_weeks_against_the_reviews_months(audits):
    # 40.1 and 55.0 weeks are 9.22 and 12.65 months of 365.25/12 days; the review's 9.4 and 12.8 are what 30-day
    # months give (9.36, 12.83): one finding for both, minor, linked to the recorded unit conflict
    f = finding(audits["luo_2014"], "abs_pfs_median", "rev_t2_pfs_median", "abs_os_median", "rev_t2_os_median")
    assert f["severity"] == "minor" and "months of 30 days" in f["note"] and f["related"] == "R1"
    # SD 37 % of 8: 3/8 = 37.5 % rounds to 38
    assert finding(audits["luo_2014"], "rev_t2_sd_pct")["severity"] == "minor"


def test_zhujiang_typical_cases_against_their_dates(audits):
    z = audits["zhujiang_2023"]
    # case 2: 06/20/2018 to 03/01/2022 is 1350 days = 44.4 months, the caption says 46; case 3: 08/30/2019 to
    # 12/18/2019 is 110 days = 3.6 months, the caption says 17; case 1 (28 of 40.4 months) fits
    assert finding(z, "fig4_case2_months")["severity"] == "major"
    assert finding(z, "fig4_case3_months")["severity"] == "major"
    assert z[z["ids"].str.contains("fig4_case1_months")].empty


def test_zhujiang_wording_and_table6_against_the_review(audits):
    z = audits["zhujiang_2023"]
    # the Discussion calls the bone-metastasis difference not significant, p = 0.035 in Table 4, text and abstract
    bone = finding(z, "disc_bone_not_significant", check="significance_wording")
    assert bone["severity"] == "major" and "R12" in bone["related"].split(";")
    # Kim et al.: 85 patients and ORR 10.3 % in Table 6; the review's Kim et al. 2018: 98 patients, PR 25 %
    assert finding(z, "t6_kim_n", check="cross_source")["severity"] == "major"
    assert finding(z, "t6_kim_orr_pct", "disc_kim_orr_pct", check="cross_source")["severity"] == "major"
    # years: Kim 2019 in Table 6, 2018 in its reference list and the review; Benekli 2014 and 2014, 2015 in the list
    assert finding(z, "t6_kim_year", "ref_kim_year")["severity"] == "minor"
    assert finding(z, "ref_benekli_year")["severity"] == "minor"
    # Cheng et al. and Benekli et al.: PFS equal to the follow-up printed beside it (17.6, 21.3)
    assert finding(z, "t6_cheng_pfs_median", check="median_at_end_of_followup")["severity"] == "minor"
    assert finding(z, "t6_benekli_pfs_median", check="median_at_end_of_followup")["severity"] == "minor"
    # 11 progressions of 26 reach a median only if ≥ 26 − 22 = 4 were censored before 16.5 months
    events = finding(z, "txt_pd_n", check="events_vs_median")
    assert events["severity"] == "info" and "at least 4 patients" in events["note"]


def test_tehran_median_at_the_end_of_two_years(audits):
    t = audits["tehran"]
    # 5 progressions of 22 sorafenib patients all followed 2 years: S(24) ≥ 17/22 = 0.77, a median of 24 months is
    # impossible, and it equals the end of follow-up: one finding for the three places that print it
    f = finding(t, "txt_resp_pd_sorafenib_n", check="events_vs_median")
    assert f["severity"] == "major" and "median_at_end_of_followup" in f["checks"].split(";")
    assert {"abs_pfs_sorafenib_median", "txt_pfs_sorafenib_median", "t2_pfs_sorafenib_median"} <= set(
        f["ids"].split(";"))
    # visits every 6 months: the control median 22 (no multiple of 3) and the sorafenib minimum 10 fall between
    assert finding(t, "t2_pfs_control_median", check="scan_schedule")["severity"] == "minor"
    assert finding(t, "t2_pfs_sorafenib_min", check="scan_schedule")["severity"] == "minor"
    # the 12 control progressions of 23 can reach a median: S ≥ 11/23 = 0.48
    assert t[t["ids"].str.contains("txt_resp_pd_control_n")].empty


@pytest.mark.parametrize("study", STUDIES)
def test_every_recorded_conflict_is_listed_and_findings_are_numbered(audits, study):
    frame = audits[study]
    conflicts = A.load_published(ROOT / "resources" / "studies" / study / "published.yaml").get("conflicts", [])
    recorded = frame[frame["origin"] == "recorded"]
    assert list(recorded["finding"]) == [f"R{k}" for k in range(1, len(conflicts) + 1)]
    auto = frame[frame["origin"] == "automatic"]
    assert list(auto["finding"]) == [f"A{k}" for k in range(1, len(auto) + 1)]
    ranks = auto["severity"].map({"major": 0, "minor": 1, "info": 2})
    assert ranks.is_monotonic_increasing  # most severe first
