"""Best overall response (RECIST 1.1 §4.4), unconfirmed and confirmed, and evaluability.

Rules, as implemented (plan parameters in brackets):

- Only assessments up to and including the first PD count.
- **Unconfirmed BOR**: the best counted response in the order CR > PR > SD > NON-CR/NON-PD > PD > NE, where SD and
  NON-CR/NON-PD count only at day ≥ [min_sd_days = 42] from day 0. An earlier SD with nothing better after it gives PD
  when a PD follows, and NE otherwise.
- **Confirmed BOR**: a CR is confirmed by a later CR, a PR by a later CR or PR, at least [confirmation_days = 28] days
  after it; the confirming assessment is the first acceptable one from that day on; at most [max_ne_between = 1] NE
  assessments may lie between the two, and any other response between them (SD, PD, NON-CR/NON-PD; for a CR, also a
  PR) breaks the confirmation. A CR followed by a PR is a confirmed PR. An unconfirmed CR or PR counts as SD when it
  meets the SD minimum (otherwise the BOR falls to PD if a PD is counted, else NE).
- **best_pct_change**: the smallest percentage change from baseline among counted, fully evaluated assessments
  (the waterfall value: the largest shrinkage, or the smallest growth when every change is positive).
- **first_response_day**: the first assessment that is part of the confirmed CR or PR; **pd_day**: first PD;
  **last_assessment_day**: the last counted assessment that is not NE (the censoring day for PFS).
- **Evaluable**: at least one measurable target lesion at baseline (when measurements are the source) and at least one
  counted post-baseline assessment that is not NE; a non-empty ``excluded_reason`` in patients.csv always makes the
  patient non-evaluable with that reason. Non-evaluable patients have BOR NE.

Everything is vectorised: cumulative sums within patients, and ``merge_asof`` to find each response's confirming
assessment and the first assessment that would break it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANK = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}
LABEL = {v: k for k, v in RANK.items()}
BEST_RESPONSE_COLUMNS = ["patient_id", "bor", "bor_confirmed", "best_pct_change", "first_response_day", "pd_day",
                         "last_assessment_day", "evaluable", "not_evaluable_reason"]


def counted_assessments(visits: pd.DataFrame) -> pd.DataFrame:
    """The assessments up to and including each patient's first PD, sorted by patient and day."""
    v = visits.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    is_pd = (v["overall_response"] == "PD").astype(np.int64)
    pd_before = is_pd.groupby(v["patient_id"], sort=False).cumsum() - is_pd
    return v[pd_before.to_numpy() == 0].reset_index(drop=True)


def _duration_rank(response: pd.Series, day: pd.Series, min_sd_days: int) -> np.ndarray:
    """Rank of each assessment where SD-like responses need the minimum duration (else they rank as NE)."""
    rank = response.map(RANK).to_numpy(dtype=np.int64)
    stable_like = np.isin(rank, (RANK["SD"], RANK["NON-CR/NON-PD"]))
    return np.where(stable_like & (day.to_numpy() < min_sd_days), RANK["NE"], rank)


def _confirmed(v: pd.DataFrame, level: str, confirmation_days: int, max_ne_between: int) -> np.ndarray:
    """For each assessment: is it a ``level`` response (CR, or CR/PR for PR) confirmed as described above?"""
    acceptable = {"CR": ("CR",), "PR": ("CR", "PR")}[level]
    resp = v["overall_response"]
    ok = resp.isin(acceptable).to_numpy()
    ne = (resp == "NE").to_numpy()
    bad = ~ok & ~ne
    ne_cum = pd.Series(ne.astype(np.int64)).groupby(v["patient_id"].to_numpy(), sort=False).cumsum().to_numpy()
    left = pd.DataFrame({"row": np.arange(len(v)), "patient_id": v["patient_id"].to_numpy(),
                         "day": v["day"].to_numpy(dtype=np.int64), "ne_cum": ne_cum})
    left = left[ok]
    left["due"] = left["day"] + confirmation_days
    confirm = left.sort_values("due").pipe(
        pd.merge_asof,
        pd.DataFrame({"patient_id": v["patient_id"][ok].to_numpy(), "due": v["day"][ok].to_numpy(dtype=np.int64),
                      "confirm_day": v["day"][ok].to_numpy(dtype=np.int64), "confirm_ne_cum": ne_cum[ok]})
        .sort_values("due"),
        on="due", by="patient_id", direction="forward")
    breaker = left.sort_values("day").pipe(
        pd.merge_asof,
        pd.DataFrame({"patient_id": v["patient_id"][bad].to_numpy(), "day": v["day"][bad].to_numpy(dtype=np.int64),
                      "break_day": v["day"][bad].to_numpy(dtype=np.int64)}).sort_values("day"),
        on="day", by="patient_id", direction="forward", allow_exact_matches=False)
    merged = confirm.set_index("row")[["day", "confirm_day", "confirm_ne_cum", "ne_cum"]].join(
        breaker.set_index("row")["break_day"])
    found = merged["confirm_day"].notna() & (merged["confirm_day"] > merged["day"])
    unbroken = merged["break_day"].isna() | (merged["confirm_day"] < merged["break_day"])
    few_ne = (merged["confirm_ne_cum"] - merged["ne_cum"]) <= max_ne_between
    out = np.zeros(len(v), dtype=bool)
    good = (found & unbroken & few_ne).fillna(False)
    out[merged.index.to_numpy()[good.to_numpy(dtype=bool)]] = True
    return out


def derive_best_response(visits: pd.DataFrame, patients: pd.DataFrame, *, min_sd_days: int = 42,
                         confirmation_days: int = 28, max_ne_between: int = 1,
                         measurable: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient of ``patients`` (see the module docstring for the rules)."""
    v = counted_assessments(visits)
    pid = v["patient_id"]
    rank_unconfirmed = _duration_rank(v["overall_response"], v["day"], min_sd_days)

    confirmed_cr = _confirmed(v, "CR", confirmation_days, max_ne_between)
    confirmed_pr = _confirmed(v, "PR", confirmation_days, max_ne_between)
    is_response = v["overall_response"].isin(["CR", "PR"]).to_numpy()
    demoted = np.where(is_response, RANK["SD"], v["overall_response"].map(RANK).to_numpy(dtype=np.int64))
    demoted = np.where((demoted == RANK["SD"]) & (v["day"].to_numpy() < min_sd_days), RANK["NE"], demoted)
    rank_confirmed = np.select([confirmed_cr, confirmed_pr], [RANK["CR"], RANK["PR"]], default=demoted)
    rank_confirmed = np.where(
        (v["overall_response"] == "NON-CR/NON-PD").to_numpy(), rank_unconfirmed, rank_confirmed)

    per = pd.DataFrame({
        "patient_id": pid, "r_u": rank_unconfirmed, "r_c": rank_confirmed,
        "pct": v["pct_from_baseline"].to_numpy(dtype=float),
        "pd_day": np.where(v["overall_response"] == "PD", v["day"], np.nan),
        "adequate_day": np.where(v["overall_response"] != "NE", v["day"], np.nan),
    })
    agg = per.groupby("patient_id", sort=True).agg(
        r_u=("r_u", "min"), r_c=("r_c", "min"), best_pct_change=("pct", "min"), pd_day=("pd_day", "min"),
        last_assessment_day=("adequate_day", "max"))
    best_level = agg["r_c"].reindex(pid).to_numpy()
    part_of_response = (rank_confirmed == best_level) & np.isin(rank_confirmed, (RANK["CR"], RANK["PR"]))
    first_response = pd.Series(np.where(part_of_response, v["day"], np.nan)).groupby(pid.to_numpy()).min()

    out = patients[["patient_id"]].drop_duplicates().sort_values("patient_id", kind="stable").reset_index(drop=True)
    out = out.merge(agg, left_on="patient_id", right_index=True, how="left")
    out["first_response_day"] = out["patient_id"].map(first_response)
    out["bor"] = out["r_u"].map(LABEL).fillna("NE")
    out["bor_confirmed"] = out["r_c"].map(LABEL).fillna("NE")

    reason = pd.Series(None, index=out.index, dtype=object)
    reason[out["last_assessment_day"].isna()] = "no evaluable post-baseline assessment"
    if measurable is not None:
        has = out["patient_id"].map(measurable.set_index("patient_id")["has_measurable_target"])
        reason[~has.astype("boolean").fillna(False).to_numpy(dtype=bool)] = "no measurable disease at baseline"
    if "excluded_reason" in patients.columns:
        given = out["patient_id"].map(patients.drop_duplicates("patient_id").set_index("patient_id")["excluded_reason"])
        reason = given.where(given.notna() & (given.astype(str).str.strip() != ""), reason)
    out["evaluable"] = reason.isna().astype("int8")
    out["not_evaluable_reason"] = reason
    out.loc[out["evaluable"] == 0, ["bor", "bor_confirmed"]] = "NE"
    return out[BEST_RESPONSE_COLUMNS]
