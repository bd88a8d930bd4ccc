"""Property-based tests of the RECIST engine."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from recist_builders import frame, new_lesion, patients, targets
from tkicohort.recist.assessment import classify_visits
from tkicohort.recist.best_overall_response import RANK, derive_best_response

DAYS = [-7, 56, 112, 168, 224]
# Non-nodal target diameters on a 0.1 mm grid, large enough that the absolute rules (5 mm, 10 mm) never bind
# when scaled: every sum is ≥ 50 mm, and per-visit changes are multiples of 10 %.
diam = st.integers(min_value=20, max_value=120).map(lambda x: x / 2)


@st.composite
def cohort(draw):
    n_lesions = draw(st.integers(1, 3))
    base = [draw(st.integers(50, 100)) for _ in range(n_lesions)]
    factors = [draw(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5])) for _ in DAYS[1:]]
    return {f"T{i}": [b] + [round(b * f, 1) for f in factors] for i, b in enumerate(base)}


@settings(max_examples=60, deadline=None)
@given(cohort(), st.sampled_from([2, 4]))
def test_scaling_by_a_power_of_two_keeps_every_response(series, k):
    # With every sum ≥ 50 mm and changes in steps of 10 % of baseline, the 5 mm rule never decides (a +20 % step
    # of a ≥ 25 mm nadir is ≥ 5 mm), so responses are relative only; powers of two keep 0.1 mm values exact.
    original = classify_visits(frame(targets("P", series, DAYS)))
    scaled = classify_visits(frame(targets("P", {k_: [d * k for d in v] for k_, v in series.items()}, DAYS)))
    assert original["overall_response"].tolist() == scaled["overall_response"].tolist()


@settings(max_examples=50, deadline=None)
@given(cohort(), st.sampled_from(DAYS[1:]))
def test_a_new_lesion_always_gives_pd(series, day):
    v = classify_visits(frame(targets("P", series, DAYS) + new_lesion("P", day)))
    assert v.loc[v["day"] == day, "overall_response"].item() == "PD"


@settings(max_examples=60, deadline=None)
@given(cohort())
def test_no_pd_without_growth_over_the_nadir(series):
    v = classify_visits(frame(targets("P", series, DAYS)))
    sums = v["sum_mm"].to_numpy()
    base = sum(x[0] for x in series.values())
    nadir = np.minimum.accumulate(np.concatenate([[base], sums]))[:-1]
    grew = sums >= 1.2 * nadir - 1e-9
    assert not ((v["overall_response"] == "PD").to_numpy() & ~grew).any()
    assert len(v) == len(DAYS) - 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["CR", "PR", "SD", "PD", "NE"]), min_size=1, max_size=6),
       st.lists(st.integers(14, 60), min_size=6, max_size=6))
def test_confirmed_never_better_than_unconfirmed(responses, gaps):
    from recist_builders import visits

    days = list(np.cumsum(gaps[: len(responses)]))
    b = derive_best_response(visits("P", responses, days), patients(["P"])).iloc[0]
    assert RANK[b["bor_confirmed"]] >= RANK[b["bor"]] or b["bor"] == "NE"
