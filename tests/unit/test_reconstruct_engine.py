"""The reconstruction engine's parts on hand-made specs: exact counts in random slots, conditions that are never
executed, samples conditioned on printed summaries, the time courses, and ABC-SMC on a problem with a known
posterior."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from tkicohort.printing import printed, within_printed_range
from tkicohort.reconstruct.abc import Prior, abc_smc
from tkicohort.reconstruct.design import Coded, SpecError, assign_categorical, expand_levels
from tkicohort.reconstruct.expressions import ConditionError, evaluate
from tkicohort.reconstruct.qol import allocate_items
from tkicohort.reconstruct.samples import Printed, condition_on_summaries, order_statistic_draw, summarise
from tkicohort.reconstruct.survival import simulate

COURSES = ["PR"] * 3 + ["SD"] * 4 + ["PD"] * 5 + ["out"] * 2
GROUPS = {"excluded": ["out"]}


def _course(members):
    levels = ["PR", "SD", "PD", "out"]
    codes = np.array([levels.index(c) for c in COURSES], dtype=np.int16)
    return Coded(np.broadcast_to(codes, (members, len(COURSES))).copy(), levels)


# --- design: exact counts, random slots ------------------------------------------------------------------------

def test_counts_are_exact_in_every_member_and_slots_are_random():
    rng = np.random.default_rng(1)
    columns = {"course": _course(500)}
    cov = {"counts": {"PR": {"M": 1, "F": 2}, "SD": {"M": 3, "F": 1}, "PD": {"M": 2, "F": 3}, "excluded": {"F": 2}}}
    sex = assign_categorical("sex", cov, columns, GROUPS, rng)
    male = sex == "M"
    assert (male[:, :3].sum(axis=1) == 1).all() and (male[:, 3:7].sum(axis=1) == 3).all()
    assert (male[:, 7:12].sum(axis=1) == 2).all() and not male[:, 12:].any()
    # every PR slot carries the male level in about a third of the members: no slot order
    assert np.allclose(male[:, :3].mean(axis=0), 1 / 3, atol=0.08)


def test_counts_by_an_earlier_covariate_and_columns_of_a_level():
    rng = np.random.default_rng(2)
    columns = {"course": _course(50)}
    columns["hfs"] = assign_categorical("hfs", {"counts": {"PR": {1: 3}, "SD": {1: 4}, "PD": {1: 4, 0: 1},
                                                         "excluded": {1: 1, 0: 1}}}, columns, GROUPS, rng)
    cov = {"by": ["course", "hfs"], "counts": {"PR/1": {1: 2, 0: 1}, "SD/1": {1: 4}, "PD/1": {1: 1, 0: 3},
                                                 "PD/0": {0: 1}, "excluded/1": {0: 1}, "excluded/0": {0: 1}}}
    mod = assign_categorical("dose_modified", cov, columns, GROUPS, rng)
    assert ((mod == 1) <= (columns["hfs"] == 1)).all()  # modified only with HFS
    assert (mod.sum(axis=1) == 7).all()
    pattern = assign_categorical("metastasis", {"counts": {"PR": {"lung": 3}, "SD": {"bone": 4},
                                                           "PD": {"lung_bone": 5}, "excluded": {"none": 2}}},
                                 columns, GROUPS, rng)
    extra = expand_levels("metastasis", {"columns": {"lung": {"met_lung": 1}, "lung_bone": {"met_lung": 1,
                                                                                           "met_bone": 1},
                                                      "bone": {"met_bone": 1}}}, pattern, rng)
    assert extra["met_lung"].sum(axis=1).tolist() == [8] * 50 and extra["met_bone"].sum(axis=1).tolist() == [9] * 50


def test_counts_that_do_not_add_up_are_refused():
    columns = {"course": _course(3)}
    with pytest.raises(SpecError, match="cell 'PR' lists 4 patients, it has"):
        assign_categorical("sex", {"counts": {"PR": {"M": 4}, "SD": {"M": 4}, "PD": {"M": 5}, "excluded": {"M": 2}}},
                           columns, GROUPS, np.random.default_rng(0))
    with pytest.raises(SpecError, match="fall in no listed cell"):
        assign_categorical("sex", {"counts": {"PR": {"M": 3}}}, columns, GROUPS, np.random.default_rng(0))


# --- conditions ------------------------------------------------------------------------------------------------

def test_conditions_select_patients_without_running_code():
    columns = {"sex": Coded(np.array([[0, 1, 0]], dtype=np.int16), ["M", "F"]), "age": np.array([[50.0, 60, 70]]),
               "dcr": np.array([[1.0, np.nan, 0]])}
    assert evaluate("sex == 'M' and age >= 60", columns).tolist() == [[False, False, True]]
    assert evaluate("sex in ['F'] or dcr == 1", columns).tolist() == [[True, True, False]]
    assert evaluate("not (age + 5 > 60)", columns).tolist() == [[True, False, False]]
    assert evaluate("", columns).all()
    for attack in ("__import__('os').system('id')", "age.__class__", "@age", "age[0] == 1", "open('x')"):
        with pytest.raises(ConditionError):
            evaluate(attack, columns)
    with pytest.raises(ConditionError, match="no column 'weight'"):
        evaluate("weight > 1", columns)


# --- samples conditioned on printed summaries ------------------------------------------------------------------

def test_order_statistic_draw_meets_median_range_and_band_counts():
    rng = np.random.default_rng(3)
    x = order_statistic_draw(stats.norm(58, 15), 31, 400, 1.0, (18, 89), {"median": 58, "range_min": 18,
                                                                         "range_max": 79},
                             [(18, 54, 12), (55, 89, 19)], rng)
    assert (np.median(x, axis=1) == 58).all() and (x.min(axis=1) == 18).all() and (x.max(axis=1) == 79).all()
    assert ((x < 55).sum(axis=1) == 12).all()
    assert (np.diff(x, axis=1) >= 0).all()
    assert len({tuple(r) for r in x}) > 390  # draws, not one sample
    even = order_statistic_draw(stats.norm(10, 3), 10, 50, 1.0, (0, 30), {"median": 9.5}, None, rng)
    assert (np.median(even, axis=1) == 9.5).all()


def test_conditioning_on_mean_sd_and_p_reaches_the_printed_values_and_keeps_them():
    rng = np.random.default_rng(4)
    targets = [{"mean": Printed(67.3, 1), "sd": Printed(7.6, 1)}, {"mean": Printed(63.9, 1), "sd": Printed(9.1, 1)}]
    dists = [stats.norm(67.3, 7.6), stats.norm(63.9, 9.1)]
    label = np.r_[np.zeros(22, int), np.ones(23, int)]
    x0 = np.concatenate([order_statistic_draw(d, k, 30, 1.0, (30, 89), {}, None, rng)
                         for d, k in zip(dists, (22, 23), strict=True)], axis=1)
    x, loss = condition_on_summaries(x0, label, dists, targets, None, 1.0, [(30, 89), (30, 89)], rng)
    assert (loss == 0).all()
    for g, t in enumerate(targets):
        s = summarise(x[:, label == g])
        assert all(printed(m, 1) == "67.3" if g == 0 else printed(m, 1) == "63.9" for m in s["mean"])
        assert all(printed(v, 1) == printed(t["sd"].value, 1) for v in s["sd"])
    assert len({tuple(r) for r in np.sort(x, axis=1)}) == 30  # the chain leaves the members apart


def test_an_infeasible_summary_is_reported_not_hidden():
    rng = np.random.default_rng(5)
    targets = [{"mean": Printed(8.0, 1), "median": Printed(2, 0, True)}]
    x0 = np.array([[1.0, 2, 3]] * 4)
    _, loss = condition_on_summaries(x0, np.zeros(3, int), [stats.norm(5, 2)], targets, None, 1.0, [(1, 9)], rng,
                                     search_steps=500, chain_steps=10)
    assert (loss > 0).all()


def test_qol_items_add_up_to_the_subscale_sum_and_differ():
    rng = np.random.default_rng(6)
    total = rng.integers(12, 49, 300)
    items = allocate_items(total, 12, 4, rng)
    assert (items.sum(axis=1) == total).all() and items.min() >= 1 and items.max() <= 4
    assert np.mean(items.max(axis=1) - items.min(axis=1) <= 1) < 0.5


def test_held_out_rule_at_the_printed_precision():
    assert within_printed_range("0.000", 1e-7, 3e-4, 3)
    assert within_printed_range("24", 23.6, 24.4, 0) and not within_printed_range("24", 24.6, 25.0, 0)
    assert within_printed_range("<0.001", 0.0002, 0.3, 3) and not within_printed_range("<0.001", 0.002, 0.3, 3)
    assert not within_printed_range("1.5", np.nan, np.nan, 1)


# --- time courses ----------------------------------------------------------------------------------------------

def _theta(members, **kw):
    base = {"shape": 1.5, "median_months": 20.0, "unscheduled_detection": 0.3, "post_progression_median": 6.0,
            "post_progression_sigma": 0.6, "death_rate": 0.05, "observation_median": 20.0,
            "observation_sigma": 0.5}
    return {k: np.full(members, float(kw.get(k, v))) for k, v in base.items()}


def test_courses_follow_the_best_response_and_the_protocol():
    rng = np.random.default_rng(7)
    kinds = np.array(["PR"] * 5 + ["SD"] * 5 + ["PD"] * 5 + ["no_post_baseline"] * 2, dtype=object)
    members = 300
    protocol = {"accrual_days": 900, "cutoff_day": 1600, "scan_interval_days": [91, 183]}
    c = simulate(_theta(members), np.zeros((members, len(kinds))), kinds, protocol, {}, rng)
    first = c.scans[..., 0]
    pd_ = kinds == "PD"
    assert (c.pfs_day[:, pd_] == first[:, pd_]).all() and (c.pfs_event[:, pd_] == 1).all()
    dc = np.isin(kinds, ["PR", "SD"])
    assert (c.pfs_day[:, dc] >= first[:, dc]).all()  # evaluable: the first scan lies within follow-up
    found = c.pfs_event[:, dc] == 1
    gaps = np.diff(np.nan_to_num(c.scans, nan=1e9), axis=2)
    assert (gaps[np.isfinite(c.scans[..., 1:])] >= 91).all()
    assert (c.followup_day >= c.pfs_day).all()
    assert ((c.death == 0) | (c.pfs_event == 1)).all()  # deaths after progression
    assert (c.death_day[c.death == 1] == c.followup_day[c.death == 1]).all()
    assert found.mean() > 0.05
    early = kinds == "no_post_baseline"
    # they stop before their first scan, which comes 91–183 days after the first dose
    assert np.isnan(c.scans[:, early]).all() and (c.followup_day[:, early] < 183).all()
    distinct = np.mean([len(np.unique(row)) / len(row) for row in c.followup_day])
    assert distinct > 0.9  # follow-up ends at varied times


def test_final_status_courses_progress_only_with_response_pd():
    rng = np.random.default_rng(8)
    kinds = np.array(["SD"] * 6 + ["PD"] * 6, dtype=object)
    protocol = {"final_visit_day": 731, "final_visit_jitter_days": 14, "scan_interval_days": [176, 190]}
    theta = _theta(100, post_progression_median=1000, death_rate=0.0)
    del theta["observation_median"], theta["observation_sigma"]
    c = simulate(theta, np.zeros((100, 12)), kinds, protocol, {"response_category": "final_status"}, rng)
    assert (c.pfs_event[:, :6] == 0).all() and (c.pfs_event[:, 6:] == 1).all()
    assert (np.abs(c.followup_day - 731) <= 14).all() and (c.death == 0).all()
    assert (c.pfs_day[:, :6] == c.followup_day[:, :6]).all()  # censored at the final scan


# --- ABC-SMC ---------------------------------------------------------------------------------------------------

def test_abc_smc_recovers_a_known_posterior():
    """y ~ N(mu, 1) observed as the mean of 20 draws = 1.0, prior mu ~ N(0, 2): the posterior is normal with
    variance 1 / (1/4 + 20) and mean 20 · 1.0 × that variance."""
    rng = np.random.default_rng(9)
    prior = Prior(["mu"], ["normal"], [(0.0, 2.0)])

    def distance(z, rng_, eps):
        draws = rng.normal(z[:, [0]], 1.0, (len(z), 20))
        return np.abs(draws.mean(axis=1) - 1.0)

    pop, history = abc_smc(prior, distance, rng, particles=2000, max_generations=12)
    var = 1 / (1 / 4 + 20)
    assert np.mean(pop.z[:, 0]) == pytest.approx(20 * var, abs=0.03)
    assert np.std(pop.z[:, 0]) == pytest.approx(np.sqrt(var), rel=0.2)
    assert history[-1]["epsilon"] < 0.05


def test_a_cox_hazard_ratio_measure_is_the_pipelines_model_per_cohort():
    import pandas as pd
    from tkicohort.reconstruct.measures import Measure, evaluate_measures
    from tkicohort.stats.cox import fit_cox

    rng = np.random.default_rng(10)
    arm = Coded(rng.integers(0, 2, (3, 40)).astype(np.int16), ["treatment", "control"])
    columns = {"course": arm, "arm": arm, "os_months": rng.exponential(12, (3, 40)).round(1),
               "os_event": (rng.random((3, 40)) < 0.7).astype(float)}
    ms = [Measure("x", "held_out", "cox_hr", stat, "", "", "os", "arm", "", "treatment")
          for stat in ("hr", "ci_low", "ci_high")]
    got = evaluate_measures(ms, columns)
    for i in range(3):
        frame = pd.DataFrame({"t": columns["os_months"][i], "e": columns["os_event"][i],
                              "x": (arm.codes[i] == 0).astype(float)})
        terms = fit_cox(frame, "t", "e", ["x"]).terms.iloc[0]
        assert got[i].tolist() == pytest.approx([terms["hr"], terms["hr_ci_low"], terms["hr_ci_high"]])


# --- doses without an adverse-event file -------------------------------------------------------------------------

def test_designed_dose_changes_without_adverse_events_fall_in_the_window_before_the_last_contact():
    from tkicohort.reconstruct.events import dose_records

    status = np.array(["reduced", "standard", "reduced", None, "reduced"], dtype=object)
    followup = np.array([400.0, 400.0, 30.0, 400.0, 400.0])
    spec = {"start_mg": 800, "reduced_mg": [400], "change_days": [14, 120], "reason": "adverse events"}
    rows = dose_records(spec, status, {}, followup, np.random.default_rng(3))
    starts = [r for r in rows if r[1] == 0]
    assert [r[0] for r in starts] == [0, 1, 2, 4] and all(r[2] == 800 for r in starts)  # the untreated slot: none
    changes = {r[0]: r for r in rows if r[1] > 0}
    assert sorted(changes) == [0, 2, 4]
    assert all(r[2] == 400 and r[3] == "adverse events" for r in changes.values())
    assert 14 <= changes[0][1] <= 120 and 14 <= changes[4][1] <= 120
    assert changes[2][1] <= 28  # followed for 30 days: the change comes before the last contact
    with pytest.raises(ValueError, match="without an adverse event"):
        dose_records({k: v for k, v in spec.items() if k != "change_days"}, status, {}, followup,
                     np.random.default_rng(3))


def test_duration_of_response_of_simulated_courses_counts_from_the_first_response():
    """dor_event is the PFS event of a responder and missing for everyone else."""
    from tkicohort.reconstruct.cohort import survival_columns
    from tkicohort.reconstruct.survival import Courses

    nan = np.nan
    courses = Courses(scans=np.full((1, 3, 1), nan), pfs_day=np.array([[300.0, 200.0, 100.0]]),
                      pfs_event=np.array([[1, 0, 1]], dtype=np.int8), progression_day=np.array([[300.0, nan, 100.0]]),
                      followup_day=np.array([[400.0, 200.0, 150.0]]), death=np.zeros((1, 3), dtype=np.int8),
                      death_day=np.full((1, 3), nan), window_end=np.full((1, 3), 500.0),
                      response_day=np.array([[56.0, 112.0, nan]]))

    class _Study:
        days_per_month = 30.4375

    columns: dict = {}
    survival_columns(_Study(), courses, columns)
    assert columns["dor_days"][0, :2].tolist() == [244.0, 88.0] and np.isnan(columns["dor_days"][0, 2])
    assert columns["dor_event"][0, :2].tolist() == [1.0, 0.0] and np.isnan(columns["dor_event"][0, 2])
    assert columns["dor_weeks"][0, 0] == pytest.approx(244 / 7)
