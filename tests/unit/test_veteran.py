"""The veteran cohort (R's survival::veteran converted to the data contract): a two-arm, survival-only trial. Its
overall-survival tables, built by the pipeline's stages from the cohort files, agree with R to 1e-6
(tests/reference/veteran/make_veteran_reference.R, which reads survival::veteran itself)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.cohort_files import cohort_data
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.recist.stage import NO_TUMOUR_DATA, run_recist
from tkicohort.stats.tables import TableInputs, make_table, tables_for, title_for

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "resources" / "cohorts" / "veteran"
PLAN = load_yaml(REPO / "config" / "plans" / "veteran.yaml")
REF = REPO / "tests" / "reference" / "veteran"
TOL = 1e-6


def close(got, expected) -> bool:
    """Equal to 1e-6, relative to the size of the value when it is above 1."""
    got, expected = np.asarray(got, float), np.asarray(expected, float)
    return bool(np.all(np.abs(got - expected) <= TOL * np.maximum(1.0, np.abs(expected))))


@pytest.fixture(scope="module")
def flags():
    return cohort_data(COHORT)


@pytest.fixture(scope="module")
def dataset(flags):
    t = ingest_cohort(COHORT).tables
    _, best = run_recist(t["patients"], t["tumor_measurements"], t["responses"], PLAN.get("recist", {}),
                         tumour_data=flags["tumour_data"])
    return build_analysis_dataset(t["patients"], best, PLAN, labs=t["labs"], adverse_events=t["adverse_events"],
                                  doses=t["doses"])


@pytest.fixture(scope="module")
def tables(dataset, flags):
    inputs = TableInputs(dataset, tumour_data=flags["tumour_data"])
    return {name: make_table(name, inputs, PLAN) for name in tables_for(PLAN, **flags)}


def test_survival_only_cohort_gets_no_pfs_and_no_response_tables(flags, dataset, tables):
    assert flags == {"has_qol": False, "tumour_data": False, "adverse_events": False}
    assert list(tables) == ["baseline", "pfs_overall", "os_by_arm", "os_by_subgroup_and_arm"]
    assert len(dataset) == 137 and dataset["pfs_days"].isna().all() and dataset["pfs_event"].isna().all()
    assert (dataset["evaluable"] == 0).all() and (dataset["not_evaluable_reason"] == NO_TUMOUR_DATA).all()
    assert set(tables["pfs_overall"]["endpoint"]) == {"os"}
    assert "no progression-free survival" in title_for("pfs_overall", PLAN, tumour_data=False)
    assert "sex" not in dataset  # the contract's sex column is optional


def test_kaplan_meier_by_arm_agrees_with_r(tables):
    ref = pd.read_csv(REF / "km_by_arm.csv").set_index("arm")
    overall = tables["pfs_overall"].set_index(["arm", "statistic"])
    by_arm = tables["os_by_arm"].set_index("level")
    for arm in ("standard", "test"):
        r = ref.loc[arm]
        for stat, col in (("n", "n"), ("events", "events"), ("median", "median"), ("km_mean", "km_mean"),
                          ("rmst_12", "rmst_12"), ("survival_at_6", "surv_6"), ("survival_at_12", "surv_12")):
            assert close(overall.loc[(arm, stat), "value"], r[col]), (arm, stat)
        assert close(overall.loc[(arm, "median"), ["ci_low", "ci_high"]], r[["median_ci_low", "median_ci_high"]])
        assert close(overall.loc[(arm, "survival_at_6"), ["ci_low", "ci_high"]], r[["surv_6_low", "surv_6_high"]])
        assert close(overall.loc[(arm, "survival_at_12"), ["ci_low", "ci_high"]], r[["surv_12_low", "surv_12_high"]])
        row = by_arm.loc[arm]
        assert close(row[["n", "events", "median", "median_ci_low", "median_ci_high", "km_mean", "km_mean_se",
                          "rmst", "rmst_se"]],
                     r[["n", "events", "median", "median_ci_low", "median_ci_high", "km_mean", "km_mean_se",
                        "rmst_12", "rmst_12_se"]]), arm


def test_log_rank_and_cox_of_the_arms_agree_with_r(tables):
    ref = pd.read_csv(REF / "arm.csv").iloc[0]
    test_arm = tables["os_by_arm"].set_index("level").loc["test"]
    assert close(test_arm[["logrank_chisq", "logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p"]],
                 ref[["logrank_chisq", "logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p"]])
    assert tables["os_by_arm"].set_index("level").loc["standard", "note"] == "reference level"


def test_treatment_effect_per_subgroup_and_interaction_agree_with_r(tables):
    ref = pd.read_csv(REF / "subgroup_by_arm.csv", dtype={"level": str})
    got = tables["os_by_subgroup_and_arm"].assign(level=lambda t: t["level"].astype(str))
    merged = ref.merge(got, on=["variable", "level"], suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref) == 10
    for col in ("n_reference", "n_treatment", "events_reference", "events_treatment"):
        assert (merged[col] == merged[f"{col}_r"]).all(), col
    for col in ("hr", "hr_ci_low", "hr_ci_high", "hr_p", "interaction_chisq", "interaction_p"):
        assert close(merged[col], merged[f"{col}_r"]), col
    assert (merged["interaction_df"] == merged["interaction_df_r"]).all()
    assert (merged["note"] == "").all()
