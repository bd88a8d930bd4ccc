"""``only`` selects the cohorts of a run: a name, a comma-separated list (``--config only=a,b``) or a list."""

from __future__ import annotations

import pytest
from tkicohort.config import ConfigProblem, selected_cohorts, selected_studies

CONFIG = {"cohorts": {"example": {}, "zhujiang_2023": {}, "tehran": {}, "mine": {}, "2024": {}}}


@pytest.mark.parametrize(("only", "expected"), [
    (None, ["example", "zhujiang_2023", "tehran", "mine", "2024"]),
    ("mine", ["mine"]),
    ("mine, example", ["example", "mine"]),  # the config's order
    (["tehran", "mine"], ["tehran", "mine"]),
    (2024, ["2024"]),  # --config only=2024 arrives as a number
    ([2024, "mine"], ["mine", "2024"]),
])
def test_only_selects_cohorts_in_config_order(only, expected):
    assert selected_cohorts({**CONFIG, "only": only}) == expected


@pytest.mark.parametrize(("only", "message"), [
    ("mien", "config error at 'only': 'mien' is not a cohort of the config; the cohorts are 2024, example, mine, "
             "tehran, zhujiang_2023"),
    (["a", "b"], "'a', 'b' are not cohorts of the config"),
    (",", "config error at 'only': names no cohort"),
])
def test_only_naming_an_unknown_cohort_is_a_config_error(only, message):
    with pytest.raises(ConfigProblem, match=message):
        selected_cohorts({**CONFIG, "only": only})


def test_only_may_name_studies_audited_without_a_cohort():
    config = {**CONFIG, "studies": {"decision": "resources/studies/decision", "luo_2014": "resources/studies/luo"}}
    assert selected_studies(config) == ["decision", "luo_2014"]  # no only: every study
    assert selected_studies({**config, "only": "mine"}) == []  # one's own cohort alone: no demonstration audits
    chosen = {**config, "only": "decision,mine"}
    assert selected_studies(chosen) == ["decision"] and selected_cohorts(chosen) == ["mine"]
    with pytest.raises(ConfigProblem, match="the studies decision, luo_2014"):
        selected_cohorts({**config, "only": "decisoin"})
