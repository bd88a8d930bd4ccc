"""The reconstructed Tehran cohort, read back through the pipeline's own ingestion, RECIST, derivation and tables,
against the published numbers (resources/published/tehran.yaml); the sample search on hand-checked cases."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import run_recist
from tkicohort.reconstruct.reconstruction import build_tehran, published_numbers
from tkicohort.reconstruct.summary_fit import SampleSpec, Target, fit_two_samples, summaries
from tkicohort.reconstruct.tehran_files import spread
from tkicohort.stats.tables import TableInputs, make_table

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "resources" / "cohorts" / "tehran"
PUBLISHED = published_numbers(REPO / "resources" / "published" / "tehran.yaml")
PLAN = load_yaml(REPO / "config" / "plans" / "tehran.yaml")
ARMS = ("sorafenib", "control")
MCI_PER_GBQ = 1 / 0.037
# Printed numbers the reconstruction cannot meet, with the reason (see resources/cohorts/tehran/README.md).
INFEASIBLE = {
    "t1_age_p": "no t-test gives 0.280 from the printed means and SDs",
    "t3_financial_control_max": "a single item scored 1-4 cannot reach 8",
}


@pytest.fixture(scope="module")
def inputs():
    tables = ingest_cohort(COHORT).tables
    _, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], PLAN["recist"])
    dataset = build_analysis_dataset(tables["patients"], best, PLAN, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    return TableInputs(dataset, adverse_events=tables["adverse_events"], qol=tables["qol"])


@pytest.fixture(scope="module")
def table(inputs):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = make_table(name, inputs, PLAN)
        return cache[name]
    return get


def printed(value: float, key: str) -> bool:
    entry = PUBLISHED[key]
    return f"{value:.{entry['precision']}f}" == f"{float(entry['value']):.{entry['precision']}f}"


def test_arms_and_counts_of_table1(table):
    base = table("baseline")
    for arm in ARMS:
        for variable, level, key in (("sex", "M", "t1_sex_male"), ("sex", "F", "t1_sex_female"),
                                     ("ata_risk", "intermediate", "t1_risk_intermediate"),
                                     ("ata_risk", "high", "t1_risk_high"), ("rai_courses", "<3", "t1_rai_courses_lt3"),
                                     ("rai_courses", "3-6", "t1_rai_courses_3to6"),
                                     ("rai_courses", ">6", "t1_rai_courses_gt6")):
            row = base[(base.variable == variable) & (base.level == level) & (base.arm == arm)].iloc[0]
            assert row["n"] == int(PUBLISHED[f"{key}_{arm}_n"]["value"]), (variable, level, arm)
            if f"{key}_{arm}_pct" in PUBLISHED:
                assert printed(row["pct"], f"{key}_{arm}_pct")
    p = base.drop_duplicates("variable").set_index("variable")["p"]
    assert printed(p["ata_risk"], "t1_risk_p") and printed(p["rai_courses"], "t1_rai_courses_p")
    assert not printed(p["sex"], "t1_sex_p")  # recorded as not reproducible by any standard test


def test_metastasis_patterns_of_the_results_text(inputs):
    ds = inputs.dataset
    for arm in ARMS:
        g = ds[ds.arm == arm]
        lung_only, both, bone_only = g["lung_only"].sum(), g["lung_and_bone"].sum(), g["bone_only"].sum()
        assert both == int(PUBLISHED[f"txt_met_lung_bone_{arm}_n"]["value"])
        assert bone_only == int(PUBLISHED[f"txt_met_bone_only_{arm}_n"]["value"])
        assert lung_only == int(PUBLISHED[f"txt_met_lung_{arm}_n"]["value"])  # the text's "lung" row is lung only
    control = ds[ds.arm == "control"]
    assert control["met_lymph_node"].sum() == int(PUBLISHED["txt_met_lymph_node_control_n"]["value"])


@pytest.mark.parametrize(("variable", "stem", "scale"), [
    ("cumulative_rai_gbq", "t1_cum_rai", MCI_PER_GBQ), ("tg_baseline", "t1_tg", 1.0), ("age_years", "t1_age", 1.0)])
def test_continuous_baseline_summaries_print_as_published(table, variable, stem, scale):
    base = table("baseline")
    for arm in ARMS:
        row = base[(base.variable == variable) & (base.arm == arm)].iloc[0]
        for stat, col in (("mean", "mean"), ("sd", "sd"), ("median", "median"), ("min", "min"), ("max", "max")):
            key = f"{stem}_{arm}_{stat}"
            if key in PUBLISHED:
                assert printed(row[col] * scale, key), (key, row[col] * scale)
    p = base[base.variable == variable]["p"].iloc[0]
    assert printed(p, f"{stem}_p") != (f"{stem}_p" in INFEASIBLE)


def test_response_and_clinical_benefit_by_arm(table):
    t = table("response_by_arm")
    for arm in ARMS:
        g = t[t.arm == arm].set_index("item")
        for code in ("PR", "SD", "PD"):
            key = f"txt_resp_{code.lower()}_{arm}"
            assert g.loc[code, "n"] == int(PUBLISHED[f"{key}_n"]["value"]) and printed(g.loc[code, "pct"],
                                                                                        f"{key}_pct")
        assert g.loc["CR+PR+SD", "n"] == int(PUBLISHED[f"t2_cbr_{arm}_n"]["value"])
        assert printed(g.loc["CR+PR+SD", "pct"], f"t2_cbr_{arm}_pct")
    assert "CR" not in set(t["item"])
    assert printed(t[t.section == "best overall response"]["p"].iloc[0], "txt_resp_p")
    assert printed(t[t.section == "clinical benefit"]["p"].iloc[0], "txt_cbr_p")


def test_pfs_times_and_their_mann_whitney_test(table):
    t = table("pfs_by_arm").set_index("level")
    for arm in ARMS:
        for stat in ("median", "min", "max"):
            assert printed(t.loc[arm, f"times_{stat}"], f"t2_pfs_{arm}_{stat}")
    assert printed(t["times_p"].iloc[0], "t2_pfs_p")
    assert t.loc["control", "median"] == pytest.approx(t.loc["control", "times_median"])  # KM median = 22 too
    assert np.isnan(t.loc["sorafenib", "median"])  # 5 events in 22: the KM median is not reached
    assert t["logrank_p"].iloc[0] < 0.05  # the same verdict as the printed p = 0.020


def test_qol_raw_subscales(table):
    q = table("qol")
    stems = {"raw_physical_function": "physical", "raw_role_function": "role", "raw_symptom_scale": "symptom",
             "raw_cognitive_function": "cognitive", "raw_emotional_function": "emotional",
             "raw_social_function": "social", "raw_financial_function": "financial",
             "raw_global_function": "global", "raw_sum_of_scores": "sum"}
    misses = []
    for scale, stem in stems.items():
        rows = q[q.scale == scale].set_index("arm")
        for arm in ARMS:
            for stat in ("median", "min", "max"):
                key = f"t3_{stem}_{arm}_{stat}"
                if not printed(rows.loc[arm, stat], key):
                    misses.append(key)
        if not printed(rows["p"].iloc[0], f"t3_{stem}_p"):
            misses.append(f"t3_{stem}_p")
            # a miss is the nearest reachable value: within 0.01 and the same verdict at 0.05
            assert abs(rows["p"].iloc[0] - float(PUBLISHED[f"t3_{stem}_p"]["value"])) < 0.01
    assert set(misses) - set(KNOWN_QOL_MISSES) == set(), misses
    assert "t3_financial_control_max" in misses


# Printed QoL targets the committed reconstruction does not meet at three decimals (the nearest reachable value).
# Small-range subscales take few distinct p-values; social: a median of 7.5 with a range of 6-8 is not compatible
# with p = 0.114 against a control median of 6.
KNOWN_QOL_MISSES = {"t3_financial_control_max", "t3_role_p", "t3_cognitive_p", "t3_financial_p",
                    "t3_social_sorafenib_median"}


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(1, 7), st.data())
def test_spread_items_add_up_within_range(n_items, item_max, data):
    total = data.draw(st.integers(n_items, n_items * item_max))
    items = spread(total, n_items, item_max)
    assert items.sum() == total and items.min() >= 1 and items.max() <= item_max
    assert items.max() - items.min() <= 1


def test_sample_search_meets_a_feasible_set_of_summaries():
    # 7 values in 1..9 with mean 5.0, median 5, range 1-9: e.g. 1, 4, 5, 5, 5, 6, 9 (sum 35); SD printed 0 decimals.
    spec = SampleSpec(7, 1, 9, 1, Target(5.0, 1), Target(2.0, 0), Target(5), Target(1), Target(9))
    a, b, loss = fit_two_samples(spec, spec, None, lambda x, y: np.nan, seed=3, iterations=3000)
    for x in (a, b):
        s = summaries(x)
        assert loss == 0 and f"{s['mean']:.1f}" == "5.0" and s["median"] == 5 and (s["minimum"], s["maximum"]) == (1, 9)
        assert f"{s['sd']:.0f}" == "2"


def test_sample_search_reports_an_infeasible_target():
    # mean 8.0 of 3 values in 1..9 with median 2 needs 2 + x + y = 24, x, y ≤ 9: impossible (max 20).
    spec = SampleSpec(3, 1, 9, 1, mean=Target(8.0, 1), median=Target(2))
    _, _, loss = fit_two_samples(spec, spec, None, lambda x, y: np.nan, seed=1, iterations=2000)
    assert loss > 0


def test_generator_is_deterministic_and_reproduces_the_committed_files(tmp_path):
    report = build_tehran(REPO / "resources" / "published" / "tehran.yaml", tmp_path, iterations=15000)
    for name in ("patients", "tumor_measurements", "labs", "doses", "qol"):
        assert filecmp.cmp(tmp_path / f"{name}.csv", COHORT / f"{name}.csv", shallow=False), name
    assert report["met"].sum() >= 90


def test_committed_files_are_the_contract_files_of_the_design():
    names = sorted(p.name for p in COHORT.glob("*.csv"))
    assert names == ["doses.csv", "labs.csv", "patients.csv", "qol.csv", "tumor_measurements.csv"]
    patients = pd.read_csv(COHORT / "patients.csv")
    assert patients["arm"].value_counts().to_dict() == {"control": 23, "sorafenib": 22}
