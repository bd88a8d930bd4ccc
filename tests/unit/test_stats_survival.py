"""Kaplan–Meier, log-rank, Cox, the proportional-hazards test and Firth's penalised Cox against R
(tests/reference/survival/: make_survival_reference.R with survival 3.5-3 on survival::lung, survival::veteran,
survival::heart, the example cohort and the Zhujiang analysis dataset; make_firth_reference.R with coxphf and an
independent build in R), plus properties. Relative tolerance 1e-6 unless a test says otherwise."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from tkicohort.stats.cox import NotEstimable, fit_cox, fit_cox_firth, logrank_test, ph_test
from tkicohort.stats.kaplan_meier import kaplan_meier, median_followup

REF = Path(__file__).parents[1] / "reference" / "survival"
EXAMPLE = Path(__file__).parents[1] / "data" / "example_expected.csv"
RTOL = 1e-6


def _datasets() -> dict[str, pd.DataFrame]:
    ex = pd.read_csv(EXAMPLE)
    vet = pd.read_csv(REF / "veteran.csv")
    for cell in ("smallcell", "adeno", "large"):
        vet[f"ct_{cell}"] = (vet["celltype"] == cell).astype(int)
    vet["trt2"] = (vet["trt"] == 2).astype(int)
    zj = pd.read_csv(REF / "zhujiang.csv")
    zj["pfs_months"], zj["os_months"] = zj["pfs_days"] / 30.4375, zj["os_days"] / 30.4375
    evaluable = zj[zj["evaluable"] == 1]
    return {
        "lung": pd.read_csv(REF / "lung.csv"),
        "veteran": vet,
        "example": pd.DataFrame({"time": ex["pfs_days"], "status": ex["pfs_event"], "hfs": ex["hfs"],
                                 "dose_reduced": (ex["dose_status"] != "standard").astype(int)}),
        "heart": pd.read_csv(REF / "heart.csv", float_precision="round_trip"),
        "zhujiang": evaluable.rename(columns={"pfs_months": "time", "pfs_event": "status"}),
        "zhujiang_pfs": evaluable.rename(columns={"pfs_months": "time", "pfs_event": "status"}),
        "zhujiang_os": zj.rename(columns={"os_months": "time", "os_event": "status"}),
        "zhujiang_os_evaluable": evaluable.rename(columns={"os_months": "time", "os_event": "status"}),
    }


DATA = _datasets()


def _read(name: str) -> pd.DataFrame:
    frame = pd.read_csv(REF / name, keep_default_na=False, na_values=[""], float_precision="round_trip",
                        dtype={"group": str, "level": str})
    if "group" in frame:
        frame["group"] = frame["group"].fillna("")
    return frame


def _subset(row) -> pd.DataFrame:
    data = DATA[row["dataset"]]
    if not row["group"]:
        return data
    return data[data[row["group"]].astype(str) == str(row["level"])]


def _close(got, expected, rtol: float = RTOL) -> bool:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    return bool(np.allclose(got, expected, rtol=rtol, atol=1e-12, equal_nan=True))


KM = _read("km_summary.csv")


@pytest.mark.parametrize("row", KM.to_dict("records"),
                         ids=[f"{r.dataset}-{r.group or 'all'}-{r.level}-{r.conf_type}" for r in KM.itertuples()])
def test_km_summary_matches_r(row):
    sub = _subset(row)
    km = kaplan_meier(sub["time"], sub["status"], row["conf_type"])
    assert (km.n, km.events) == (row["n"], row["events"])
    assert _close(km.median(), [row["median"], row["median_ci_low"], row["median_ci_high"]])
    assert _close(km.restricted_mean(), [row["rmean"], row["rmean_se"]])
    assert _close(km.restricted_mean(row["horizon"]), [row["rmst"], row["rmst_se"]])


def test_median_on_a_flat_half_is_the_midpoint_as_in_r():
    row = KM[(KM.dataset == "veteran") & (KM.group == "trt") & (KM.level == "2")].iloc[0]
    assert row["median"] == 52.5  # R's value; the flat stretch at S = 0.5 runs from day 52 to day 53
    sub = _subset(row)
    assert kaplan_meier(sub["time"], sub["status"]).median()[0] == 52.5


AT = _read("km_at_times.csv")


@pytest.mark.parametrize("key", sorted(AT.groupby(["dataset", "group", "level", "conf_type"]).groups))
def test_km_at_times_matches_r(key):
    ref = AT.groupby(["dataset", "group", "level", "conf_type"]).get_group(key)
    sub = _subset(dict(zip(["dataset", "group", "level"], key[:3], strict=True)))
    got = kaplan_meier(sub["time"], sub["status"], key[3]).at(ref["time"])
    for col in ("surv", "lower", "upper", "n_risk"):
        assert _close(got[col], ref[col]), col


@pytest.mark.parametrize("row", _read("followup.csv").to_dict("records"))
def test_reverse_km_median_followup_matches_r(row):
    sub = _subset(row)
    assert _close(median_followup(sub["time"], sub["status"]), row["median_followup"])


@pytest.mark.parametrize("row", _read("logrank.csv").to_dict("records"))
def test_logrank_matches_r(row):
    data = DATA[row["dataset"]]
    strata = data[row["strata"]] if isinstance(row["strata"], str) else None
    res = logrank_test(data["time"], data["status"], data[row["group"]], strata=strata)
    assert _close([res["chisq"], res["df"], res["p"]], [row["chisq"], row["df"], row["p"]])


COX = _read("cox_coefficients.csv").fillna({"strata": ""})
COX_TESTS = _read("cox_tests.csv").fillna({"strata": ""})
MODELS = list(dict.fromkeys(zip(COX.dataset, COX.covariates, COX.strata, COX.ties, strict=True)))


@pytest.mark.parametrize("model", MODELS, ids=[" ".join(m).strip() for m in MODELS])
def test_cox_matches_r(model):
    # Efron and Breslow ties, strata, and (start, stop] rows (heart); coefficients, Wald CIs and p, the model's
    # log-likelihoods and its likelihood-ratio, Wald and score tests.
    dataset, covariates, strata, ties = model
    ref = COX[(COX.dataset == dataset) & (COX.covariates == covariates) & (COX.strata == strata) & (COX.ties == ties)]
    counting = dataset == "heart"
    res = fit_cox(DATA[dataset], "stop" if counting else "time", "event" if counting else "status",
                  covariates.split(), start="start" if counting else None, strata=strata or None, ties=ties)
    got = res.terms.set_index("term").loc[list(ref["term"])]
    for col in ("coef", "se", "hr", "hr_ci_low", "hr_ci_high", "z", "p"):
        assert _close(got[col], ref[col]), col
    tests = COX_TESTS[(COX_TESTS.dataset == dataset) & (COX_TESTS.covariates == covariates)
                      & (COX_TESTS.strata == strata) & (COX_TESTS.ties == ties)].iloc[0]
    assert (res.n, res.events, res.lr_df) == (tests["n"], tests["events"], tests["lr_df"])
    assert _close([res.loglik, res.loglik_null, res.lr_chisq, res.lr_p, res.wald_chisq, res.wald_p,
                   res.score_chisq, res.score_p],
                  [tests["loglik"], tests["loglik_null"], tests["lr_chisq"], tests["lr_p"], tests["wald_chisq"],
                   tests["wald_p"], tests["score_chisq"], tests["score_p"]])
    assert res.fit.iterations == tests["iterations"]  # the same Newton–Raphson path as R


SEPARATED = pd.DataFrame({"time": [5, 8, 12, 3, 20, 25, 30, 9, 14, 40], "status": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
                          "x": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})


FIRTH = _read("firth.csv")
FIRTH_DATA = {"separated": SEPARATED, "lung": DATA["lung"],
              "zhujiang": DATA["zhujiang"].assign(hfs_no=(DATA["zhujiang"]["hfs"] == 0).astype(int))}
FIRTH_CASES = list(dict.fromkeys(zip(FIRTH.dataset, FIRTH.covariates, FIRTH.ties, FIRTH.method, strict=True)))


@functools.cache
def _firth_fit(dataset: str, covariates: str, ties: str):
    """One fit per data set, model and ties, shared by the coxphf and the independent reference."""
    return fit_cox_firth(FIRTH_DATA[dataset], "time", "status", covariates.split(), ties=ties)


@pytest.mark.parametrize("case", FIRTH_CASES, ids=[" ".join(c) for c in FIRTH_CASES])
def test_firth_matches_coxphf_and_an_independent_build_in_r(case):
    # Estimates, coxphf's SE, profile penalised-likelihood CI limits and the penalised likelihood-ratio test of
    # each coefficient; the penalised log-likelihoods where R states them on our scale. Relative tolerance 1e-9
    # against coxphf (converged to 1e-12), 1e-6 against the independent build (its numerical derivatives leave
    # ~1e-8 in the estimates).
    dataset, covariates, ties, method = case
    rtol = 1e-9 if method == "coxphf" else RTOL
    ref = FIRTH[(FIRTH.dataset == dataset) & (FIRTH.covariates == covariates) & (FIRTH.ties == ties)
                & (FIRTH.method == method)].set_index("term")
    res = _firth_fit(dataset, covariates, ties)
    got = res.terms.set_index("term").loc[ref.index]
    assert _close(got["coef"], ref["coef"], rtol) and _close(got["se"], ref["se"], rtol)
    assert _close(np.log(got["hr_ci_low"]), ref["ci_low"], rtol)
    assert _close(np.log(got["hr_ci_high"]), ref["ci_high"], rtol)
    assert _close(got["chisq"], ref["chisq"], rtol) and _close(got["p"], ref["p"], rtol)
    assert _close(res.lr_chisq, ref["model_lr_chisq"].iloc[0], rtol)
    if method == "independent":
        assert _close([res.loglik, res.loglik_null],
                      [ref["penalized_loglik"].iloc[0], ref["penalized_loglik_null"].iloc[0]])


def test_firth_interval_is_the_profile_not_the_wald_interval():
    # Zhujiang: the one patient without HFS against the 25 with it; the Wald interval from the unpenalised
    # information at the penalised estimate would be 1.68-190.3, the profile interval is 1.61-138.9 (R, above).
    res = fit_cox_firth(FIRTH_DATA["zhujiang"], "time", "status", ["hfs_no"]).terms.iloc[0]
    assert round(res["hr_ci_low"], 2) == 1.61 and round(res["hr_ci_high"], 1) == 138.9
    wald = np.exp(res["coef"] + np.array([-1, 1]) * 1.959963984540054 * res["se"])
    assert (round(wald[0], 2), round(wald[1], 1)) == (1.68, 190.3)


def test_separated_data_are_not_estimable_by_maximum_likelihood():
    with pytest.raises(NotEstimable):
        fit_cox(SEPARATED, "time", "status", ["x"])


@pytest.mark.parametrize("frame, reason", [
    (pd.DataFrame({"time": [1.0], "status": [1], "x": [1]}), "fewer than two patients"),
    (pd.DataFrame({"time": [1.0, 2.0], "status": [0, 0], "x": [0, 1]}), "no events"),
    (pd.DataFrame({"time": [1.0, 2.0], "status": [1, 1], "x": [1, 1]}), "no variation in x"),
])
def test_degenerate_models_say_why(frame, reason):
    with pytest.raises(NotEstimable, match=reason):
        fit_cox(frame, "time", "status", ["x"])


def test_logrank_with_one_group_gives_nan_and_a_reason():
    res = logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert np.isnan(res["p"]) and "fewer than two groups" in res["note"]


def test_hand_computed_curve():
    # times 1, 2+, 3, 3, 4+ : S(1) = 4/5, S(3) = 4/5 * (1 - 2/3) = 4/15; median: first S <= 0.5 is at t = 3.
    km = kaplan_meier([1, 2, 3, 3, 4], [1, 0, 1, 1, 0])
    assert np.allclose(km.surv, [0.8, 0.8, 4 / 15, 4 / 15])
    assert list(km.n_risk) == [5, 4, 3, 1]
    assert km.median()[0] == 3
    # restricted mean to t = 4: 1*1 + 0.8*(3-1) + (4/15)*(4-3) = 2.6 + 4/15
    assert np.isclose(km.restricted_mean()[0], 2.6 + 4 / 15)


survival_data = st.lists(st.tuples(st.integers(1, 60), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(survival_data)
def test_curve_agrees_with_lifelines(records):
    time, event = zip(*records, strict=True)
    km = kaplan_meier(time, event)
    kmf = KaplanMeierFitter().fit(np.array(time, dtype=float), np.array(event, dtype=int))
    ref = kmf.survival_function_.iloc[:, 0]
    assert np.allclose(km.surv, ref.loc[km.time].to_numpy())


@settings(max_examples=80, deadline=None)
@given(survival_data, st.sampled_from([2.0, 7.0, 30.4375]))
def test_rescaling_time_rescales_median_and_mean(records, factor):
    time, event = zip(*records, strict=True)
    base, scaled = kaplan_meier(time, event), kaplan_meier(np.array(time) * factor, event)
    assert np.allclose(scaled.median(), np.array(base.median()) * factor, equal_nan=True)
    assert np.isclose(scaled.restricted_mean()[0], base.restricted_mean()[0] * factor)
    assert np.allclose(scaled.surv, base.surv)


@settings(max_examples=80, deadline=None)
@given(survival_data)
def test_curve_is_a_non_increasing_probability_within_its_band(records):
    time, event = zip(*records, strict=True)
    km = kaplan_meier(time, event)
    assert np.all(np.diff(km.surv) <= 0) and np.all((km.surv >= 0) & (km.surv <= 1))
    ok = ~np.isnan(km.lower)
    assert np.all(km.lower[ok] <= km.surv[ok] + 1e-12) and np.all(km.upper[ok] >= km.surv[ok] - 1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=30))
def test_without_censoring_the_curve_is_the_empirical_survival(times):
    km = kaplan_meier(times, np.ones(len(times)))
    t = np.array(times)
    assert np.allclose(km.surv, [(t > u).mean() for u in km.time])


def test_negating_a_covariate_inverts_the_hazard_ratio():
    lung = DATA["lung"]
    a = fit_cox(lung, "time", "status", ["sex"]).terms.iloc[0]
    b = fit_cox(lung.assign(sex=-lung["sex"]), "time", "status", ["sex"]).terms.iloc[0]
    assert np.isclose(a["hr"], 1 / b["hr"]) and np.isclose(a["p"], b["p"])


PH = _read("ph_test.csv")
PH_MODELS = list(dict.fromkeys(zip(*(PH[c] for c in ("dataset", "formula", "ties", "terms", "transform")),
                                    strict=True)))


@pytest.mark.parametrize("model", PH_MODELS, ids=[" ".join(m[:3] + m[4:]) for m in PH_MODELS])
def test_ph_test_matches_current_cox_zph(model):
    # R's cox.zph(fit, transform, terms = TRUE): per term (cell type: one 3-df test) and GLOBAL; χ², df and p.
    dataset, formula, ties, terms, transform = model
    ref = PH[(PH.dataset == dataset) & (PH.formula == formula) & (PH.ties == ties) & (PH.transform == transform)]
    groups = {name: cols.split() for name, cols in (part.split("=") for part in terms.split(";"))}
    covariates = [c for cols in groups.values() for c in cols]
    strata = formula.split("strata(")[1].rstrip(")") if "strata(" in formula else None
    counting = dataset == "heart"
    got = ph_test(DATA[dataset], "stop" if counting else "time", "event" if counting else "status", covariates,
                  transform, groups, start="start" if counting else None, strata=strata, ties=ties)
    got = got.set_index("term").loc[list(ref["term"])]
    assert list(got["ph_df"]) == list(ref["df"])
    assert _close(got["ph_chisq"], ref["chisq"]) and _close(got["ph_p"], ref["p"])


def test_ph_test_reproduces_the_zhujiang_values_of_current_r():
    # The values the pre-3.0 formula got wrong: sex χ² 0.520 (p 0.471) where it gave 6.445; global p 0.011.
    got = ph_test(DATA["zhujiang"], "time", "status", ["female", "lung_only", "met_bone", "hfs", "tg_response_60"])
    got = got.set_index("term")
    assert round(got.loc["female", "ph_chisq"], 3) == 0.520 and round(got.loc["GLOBAL", "ph_p"], 3) == 0.011


def test_cox_recovers_when_a_full_newton_step_overflows():
    # A full first step overflows exp(xβ) on these 26 patients, yet R's coxph finds the finite maximum.
    data = pd.read_csv(REF / "overshoot_data.csv")
    ref = pd.read_csv(REF / "overshoot_cox.csv")
    res = fit_cox(data, "pfs_months", "pfs_event", list(ref["term"]))
    got = res.terms.set_index("term").loc[ref["term"]]
    np.testing.assert_allclose(got["coef"], ref["coef"], rtol=1e-6)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-6)
    np.testing.assert_allclose(got["p"], ref["p"], rtol=1e-5)


def test_logrank_with_one_group_at_risk_at_the_event_times_is_r_s_zero_df_test():
    # R: survdiff(Surv(t, e) ~ g) with t = 1, 1, 1, 2; e = 0, 0, 0, 1; g = 0, 0, 1, 0 prints χ² = 0 on 0 df, p = 1.
    res = logrank_test([1, 1, 1, 2], [0, 0, 0, 1], [0, 0, 1, 0])
    assert (res["chisq"], res["df"], res["p"]) == (0.0, 0, 1.0) and "one group at risk" in res["note"]


def test_logrank_with_a_singular_variance_uses_its_rank():
    # t = 1, 1, 2, 2; e = 0, 0, 1, 1; g = 0, 0, 0, 1: at day 2 both patients at risk fail, so the only event time
    # adds no variance and R's survdiff stops ("system is exactly singular"). O − E = 0 for each group (1 − 1), so
    # the generalised-inverse statistic is 0 on rank 0.
    res = logrank_test([1, 1, 2, 2], [0, 0, 1, 1], [0, 0, 0, 1])
    assert (res["chisq"], res["df"], res["p"]) == (0.0, 0, 1.0) and "no variance" in res["note"]
