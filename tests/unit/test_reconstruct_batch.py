"""The batch statistics of the reconstruction (tkicohort.reconstruct.batch) against the pipeline's own estimators,
one cohort at a time, on random cohorts with ties, censoring, empty groups and masked patients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tkicohort.reconstruct import batch
from tkicohort.stats.baseline import mann_whitney
from tkicohort.stats.cox import logrank_test
from tkicohort.stats.kaplan_meier import kaplan_meier

cohorts = st.lists(st.tuples(st.integers(1, 30), st.booleans(), st.booleans(), st.booleans()), min_size=3,
                   max_size=25)


def _arrays(records):
    time, event, group, mask = (np.array(x, dtype=float) for x in zip(*records, strict=True))
    return time, event, group, mask.astype(bool)


@settings(max_examples=80, deadline=None)
@given(st.lists(cohorts, min_size=1, max_size=4))
def test_kaplan_meier_mean_median_and_band_agree_with_the_pipeline(rows):
    width = max(len(r) for r in rows)
    padded = [r + [(1, False, False, False)] * (width - len(r)) for r in rows]  # padding masked out
    time, event, _, mask = (np.stack(x) for x in zip(*(_arrays(r) for r in padded), strict=True))
    means = batch.restricted_mean(time, event, mask)
    many = batch.restricted_means(time, event, np.stack([mask, mask & (time > 5)]))
    median, low, high = batch.median_with_ci(time, event, mask)
    for i in range(len(rows)):
        m = mask[i]
        if not m.any():
            assert np.isnan(means[i])
            continue
        km = kaplan_meier(time[i][m], event[i][m])
        assert means[i] == pytest.approx(km.restricted_mean()[0])
        assert many[i, 0] == pytest.approx(means[i])
        expected = km.median()
        for got, want in zip((median[i], low[i], high[i]), expected, strict=True):
            assert np.isclose(got, want, equal_nan=True), (got, want)
        sub = m & (time[i] > 5)
        if sub.any():
            assert many[i, 1] == pytest.approx(kaplan_meier(time[i][sub], event[i][sub]).restricted_mean()[0])


@settings(max_examples=80, deadline=None)
@given(cohorts)
@example(records=[(1, False, False, False), (1, True, False, True), (1, True, True, True)])  # a zero variance
def test_logrank_p_agrees_with_the_pipeline(records):
    time, event, group, mask = _arrays(records)
    got = batch.logrank_p(time[None], event[None], group[None], mask[None])[0]
    try:
        ref = logrank_test(time[mask], event[mask], group[mask])["p"] if mask.any() else np.nan
    except np.linalg.LinAlgError:  # a zero variance: no test exists, as in R (the test below)
        ref = 1.0  # the batch's stated convention
    assert np.isclose(got, ref, equal_nan=True)


def test_logrank_p_is_one_where_the_log_rank_variance_is_zero():
    """Two patients, one per group, with events on the same day: the variance is zero, R's survdiff stops
    ("system is exactly singular", survival 3.5-3); the pipeline's log-rank gives χ² 0 on 0 df, p = 1, and so
    does the batch."""
    time, event, group = np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.array([0.0, 1.0])
    assert logrank_test(time, event, group)["p"] == 1.0
    assert batch.logrank_p(time[None], event[None], group[None], np.ones((1, 2), bool))[0] == 1.0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.booleans()), min_size=3, max_size=30))
def test_mann_whitney_agrees_with_the_pipeline(records):
    values, group, mask = (np.array(x, dtype=float) for x in zip(*records, strict=True))
    mask = mask.astype(bool)
    got = batch.mann_whitney_p(values[None], group[None], mask[None])[0]
    a, b = values[mask & (group == 1)], values[mask & (group == 0)]
    ref = mann_whitney(a, b)["p"] if len(a) and len(b) else np.nan
    assert np.isclose(got, ref, equal_nan=True)


def test_mann_whitney_without_ties_uses_the_exact_distribution():
    a, b = np.array([1.0, 2, 3, 7]), np.array([4.0, 5, 6, 8, 9])
    got = batch.mann_whitney_p(np.r_[a, b][None], np.r_[np.ones(4), np.zeros(5)][None], np.ones((1, 9), bool))[0]
    assert got == pytest.approx(mann_whitney(a, b)["p"]) and mann_whitney(a, b)["method"] == "exact"


def test_masked_summary():
    x = np.array([[1.0, 2, 3, 10], [4, 4, 4, 4]])
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    assert batch.masked_summary(x, mask, "median").tolist() == [2.0, 4.0]
    assert batch.masked_summary(x, mask, "range_max").tolist() == [3.0, 4.0]
    assert batch.masked_summary(x, mask, "sd")[0] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.booleans()), min_size=4, max_size=40))
def test_the_grid_mann_whitney_equals_the_general_one(records):
    from tkicohort.reconstruct.samples import grid_mann_whitney_p

    index, group = (np.array(x) for x in zip(*records, strict=True))
    group = group.astype(int)
    got = grid_mann_whitney_p(index[None], group, 16)[0]
    want = batch.mann_whitney_p(index[None].astype(float), group[None], np.ones((1, len(index)), bool))[0]
    assert np.isclose(got, want, equal_nan=True) or (np.isnan(want) and got == 1.0)
