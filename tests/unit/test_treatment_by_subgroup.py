"""Treatment effect within subgroup levels and the treatment × subgroup interaction test: R's survival::lung with an
aliased interaction term (tests/reference/subgroup_by_arm/), and hand-made levels without a finite HR. The veteran
cohort's values are checked in test_veteran.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from tkicohort.stats.treatment_by_subgroup import COLUMNS, treatment_by_subgroup

REF = Path(__file__).resolve().parents[1] / "reference" / "subgroup_by_arm"


def lung() -> pd.DataFrame:
    d = pd.read_csv(REF / "lung_ecog_data.csv")
    return d.assign(arm=d["sex"].map({1: "reference", 2: "treatment"}))


def test_lung_by_ecog_agrees_with_r_including_the_aliased_interaction_term():
    ref = pd.read_csv(REF / "lung_ecog.csv")
    table = treatment_by_subgroup(lung(), [{"variable": "ph_ecog", "levels": [0, 1, 2, 3]}], "arm",
                                  ["reference", "treatment"], "time", "status")
    assert list(table.columns[:len(COLUMNS)]) == COLUMNS
    assert table["level"].tolist() == ref["level"].tolist()
    for col in ("n_reference", "n_treatment", "events_reference", "events_treatment", "interaction_df"):
        assert table[col].tolist() == ref[col].tolist(), col
    for col in ("hr", "hr_ci_low", "hr_ci_high", "hr_p", "interaction_chisq", "interaction_p"):
        np.testing.assert_allclose(table[col], ref[col], rtol=1e-6, equal_nan=True, err_msg=col)
    assert ref["aliased_terms"].iloc[0] == 1 and table["interaction_df"].iloc[0] == 2  # 3 levels + 1 aliased
    ecog3 = table.set_index("level").loc[3]
    assert np.isnan(ecog3["hr"]) and ecog3["note"] == "no patients in the treatment arm"


def trial() -> pd.DataFrame:
    """Two arms of 6; level "x" has no event in the reference arm, level "z" has no patients."""
    return pd.DataFrame({
        "arm": ["ref"] * 6 + ["trt"] * 6,
        "g": ["w", "w", "w", "x", "x", "x"] * 2,
        "t": [5.0, 8, 12, 7, 9, 11, 4, 6, 10, 3, 5, 8],
        "e": [1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0]})


def test_levels_without_a_finite_hazard_ratio_say_why():
    table = treatment_by_subgroup(trial(), [{"variable": "g", "levels": ["w", "x", "z"]}], "arm", ["ref", "trt"],
                                  "t", "e").set_index("level")
    assert np.isfinite(table.loc["w", "hr"]) and table.loc["w", "note"].startswith("interaction test not estimable")
    assert np.isnan(table.loc["x", "hr"])
    assert "no events in the reference arm" in table.loc["x", "note"]
    assert (table.loc["z", ["n_reference", "n_treatment"]] == 0).all()
    assert table.loc["z", "note"].startswith("no patients in the reference arm")
    # the interaction model diverges (no reference-arm event in level x): no test, and the note says why
    assert table["interaction_p"].isna().all()


def test_firth_gives_the_level_a_penalised_hazard_ratio():
    table = treatment_by_subgroup(trial(), [{"variable": "g", "levels": ["w", "x"]}], "arm", ["ref", "trt"],
                                  "t", "e", firth=True).set_index("level")
    assert np.isfinite(table.loc["x", "hr"]) and table.loc["x", "hr_method"] == "cox_firth"
    assert table.loc["x", "hr"] > 1  # three treatment-arm events against none in the reference arm


def test_one_level_with_patients_has_no_interaction_test():
    data = trial()
    table = treatment_by_subgroup(data[data["g"] == "w"], [{"variable": "g", "levels": ["w", "x"]}], "arm",
                                  ["ref", "trt"], "t", "e")
    assert table["interaction_p"].isna().all()
    assert table["note"].str.contains("fewer than two levels with patients").all()


def test_subgroup_population_and_missing_values_are_respected():
    data = lung()
    table = treatment_by_subgroup(data, [{"variable": "ph_ecog", "levels": [0, 1], "population": "time > 100"}],
                                  "arm", ["reference", "treatment"], "time", "status")
    kept = data[(data["time"] > 100) & data["ph_ecog"].isin([0, 1])]
    assert table["n_reference"].sum() + table["n_treatment"].sum() == len(kept)
    assert table["interaction_df"].iloc[0] == 1
