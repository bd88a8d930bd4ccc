"""RECIST 1.1 response at each assessment (Eisenhauer et al., Eur J Cancer 2009;45:228-247).

Rules, as implemented:

- **Baseline** of a lesion: its last measurement on or before day 0. Target lesions are the ``target`` lesions with a
  baseline diameter; the baseline sum is the sum of those diameters (long axis for non-nodal, short axis for nodal
  lesions: the data hold the right axis). Fragments of a split lesion (``T1/a``, ``T1/b``) are summed into ``T1``.
- **Assessment**: every distinct day > 0 with any measurement row of the patient.
- **Target response**: CR when every non-nodal target is 0 and every nodal target < 10 mm (so the sum need not be 0);
  PR when the sum is ≥ 30 % below baseline; PD when the sum is ≥ 20 % above the nadir (the smallest sum so far,
  baseline included, over fully evaluated assessments) and ≥ 5 mm above it (a nadir of 0 followed by a reappearance
  of ≥ 5 mm is PD); SD otherwise. Precedence PD > CR > PR > SD. When a target lesion was not evaluated (no row, or a
  blank diameter) the response is NE, unless the measured lesions alone already make PD. An NE assessment does not
  update the nadir.
- **Exact thresholds**: diameters become integer hundredths of a millimetre, and the rules are integer comparisons
  (PR: 100·sum ≤ 70·baseline; PD: 100·sum ≥ 120·nadir and sum − nadir ≥ 500), so −30.0 % is PR and +20.0 % is PD.
- **Non-target response**: PD when any non-target lesion shows unequivocal progression; else NE when a baseline
  non-target lesion was not evaluated; else CR when all are absent; else NON-CR/NON-PD. Empty (not applicable) when
  the patient had no non-target lesion at baseline.
- **New lesion**: a ``new`` lesion recorded ``present`` or ``progression`` (or with a diameter > 0). An equivocal new
  lesion is entered only once confirmed (RECIST 1.1 §4.3.2), so a recorded new lesion is PD at that assessment.
- **Overall response**: RECIST Table 1 (target disease at baseline) and Table 2 (non-target disease only), encoded
  below as :data:`OVERALL_RESPONSE` and applied by a join.
- **Measurable at baseline** (for evaluability): a non-nodal target ≥ 10 mm, or a nodal target ≥ 15 mm short axis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VISIT_COLUMNS = ["patient_id", "day", "sum_mm", "pct_from_baseline", "pct_from_nadir", "target_response",
                 "nontarget_response", "new_lesion", "overall_response"]

NA = "n/a"  # no lesion of that kind at baseline (empty in the output)
_NON_PD = ("CR", "NON-CR/NON-PD", "NE", NA)

#: RECIST 1.1 Tables 1 and 2 without new lesions, (target, non-target) → overall; any new lesion → PD.
OVERALL_RESPONSE: dict[tuple[str, str], str] = {
    # Table 1: target disease at baseline
    ("CR", "CR"): "CR", ("CR", NA): "CR", ("CR", "NON-CR/NON-PD"): "PR", ("CR", "NE"): "PR",
    **{("PR", nt): "PR" for nt in _NON_PD},
    **{("SD", nt): "SD" for nt in _NON_PD},
    **{("NE", nt): "NE" for nt in _NON_PD},
    **{("PD", nt): "PD" for nt in (*_NON_PD, "PD")},
    **{(t, "PD"): "PD" for t in ("CR", "PR", "SD", "NE")},
    # Table 2: non-target disease only
    (NA, "CR"): "CR", (NA, "NON-CR/NON-PD"): "NON-CR/NON-PD", (NA, "NE"): "NE", (NA, "PD"): "PD",
    # no disease recorded at baseline at all: not evaluable
    (NA, NA): "NE",
}


def _hundredths(mm: pd.Series) -> pd.Series:
    """Diameters in integer hundredths of a millimetre (nullable), so thresholds compare exactly."""
    return pd.Series(np.rint(mm.to_numpy(dtype=float) * 100), index=mm.index).astype("Int64")


def _parent(lesion_id: pd.Series) -> pd.Series:
    return lesion_id.str.split("/", n=1).str[0]


def assessment_days(measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per patient and post-baseline assessment day (day > 0), sorted."""
    post = measurements.loc[measurements["day"] > 0, ["patient_id", "day"]]
    return post.drop_duplicates().sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)


def target_lesion_diameters(measurements: pd.DataFrame) -> pd.DataFrame:
    """Target diameters per (patient, lesion, day) in hundredths of a mm, split fragments summed (a blank
    fragment makes the lesion not evaluated)."""
    t = measurements.loc[measurements["lesion_type"] == "target", ["patient_id", "day", "lesion_id", "nodal",
                                                                   "diameter_mm"]]
    t = t.assign(lesion=_parent(t["lesion_id"]), d=_hundredths(t["diameter_mm"]))
    if not t["lesion_id"].str.contains("/", regex=False).any():
        out = t.set_index(["patient_id", "lesion", "day"])[["nodal", "d"]]
    else:
        g = t.assign(blank=t["d"].isna()).groupby(["patient_id", "lesion", "day"], sort=False)
        out = g.agg(nodal=("nodal", "max"), d=("d", "sum"), blank=("blank", "any"))
        out["d"] = out["d"].mask(out.pop("blank"))
    return out.reset_index()


def baseline_targets(diameters: pd.DataFrame) -> pd.DataFrame:
    """Each target lesion's baseline: its last measurement on or before day 0 (lesions with a blank baseline
    diameter are not target lesions)."""
    base = diameters[diameters["day"] <= 0].sort_values(["patient_id", "lesion", "day"], kind="stable")
    base = base.drop_duplicates(["patient_id", "lesion"], keep="last")
    return base[base["d"].notna()][["patient_id", "lesion", "nodal", "d"]].rename(columns={"d": "d_base"})


def measurable_at_baseline(measurements: pd.DataFrame) -> pd.DataFrame:
    """patient_id → has_measurable_target: a non-nodal target ≥ 10 mm or a nodal target ≥ 15 mm at baseline."""
    base = baseline_targets(target_lesion_diameters(measurements))
    ok = np.where(base["nodal"] == 1, base["d_base"] >= 1500, base["d_base"] >= 1000)
    return (base.assign(ok=ok.astype(bool)).groupby("patient_id", sort=True)["ok"].any()
            .rename("has_measurable_target").reset_index())


def target_response(measurements: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Target sum, percentages and target response per assessment (patients with target disease only)."""
    diam = target_lesion_diameters(measurements)
    base = baseline_targets(diam)
    base_sum = base.groupby("patient_id", sort=False)["d_base"].sum().rename("base").astype("int64")
    # Every baseline target lesion at every assessment; a missing row or blank diameter = not evaluated.
    grid = visits.merge(base[["patient_id", "lesion", "nodal"]], on="patient_id", how="inner")
    grid = grid.merge(diam[["patient_id", "lesion", "day", "d"]], on=["patient_id", "lesion", "day"], how="left")
    d = grid["d"]
    evaluated = d.notna()
    d0 = d.fillna(0).astype("int64")
    cr_lesion = np.where(grid["nodal"] == 1, d0 < 1000, d0 == 0) & evaluated
    grid = grid.assign(d0=d0, missing=~evaluated, cr_lesion=cr_lesion)
    per = grid.groupby(["patient_id", "day"], sort=True).agg(
        measured=("d0", "sum"), n_missing=("missing", "sum"), all_cr=("cr_lesion", "all")).reset_index()
    per = per.merge(base_sum, left_on="patient_id", right_index=True, how="left")
    complete = per["n_missing"].to_numpy() == 0

    # Nadir before each assessment: the baseline sum and every earlier complete assessment's sum.
    big = 2**52  # 'no earlier complete assessment': exact in float64, so it survives the NaN-filling shift
    complete_sum = pd.Series(np.where(complete, per["measured"], big), index=per.index)
    running = complete_sum.groupby(per["patient_id"], sort=False).cummin()
    previous = running.groupby(per["patient_id"], sort=False).shift(1).fillna(big).astype("int64")
    nadir = np.minimum(previous.to_numpy(), per["base"].to_numpy())
    s = per["measured"].to_numpy(dtype=np.int64)
    b = per["base"].to_numpy(dtype=np.int64)
    is_pd = (100 * s >= 120 * nadir) & (s - nadir >= 500)
    is_cr = per["all_cr"].to_numpy() & complete
    is_pr = 100 * s <= 70 * b
    response = np.select([is_pd, ~complete, is_cr, is_pr], ["PD", "NE", "CR", "PR"], default="SD")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_base = np.where(complete & (b > 0), 100.0 * (s - b) / b, np.nan)
        pct_nadir = np.where(complete & (nadir > 0), 100.0 * (s - nadir) / nadir, np.nan)
    return pd.DataFrame({
        "patient_id": per["patient_id"], "day": per["day"],
        "sum_mm": np.where(complete, s / 100.0, np.nan),
        "pct_from_baseline": pct_base, "pct_from_nadir": pct_nadir, "target_response": response,
    })


def nontarget_response(measurements: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Non-target response per assessment (patients with non-target disease at baseline only)."""
    nt = measurements.loc[measurements["lesion_type"] == "non_target", ["patient_id", "day", "lesion_id", "status"]]
    base = nt.loc[nt["day"] <= 0, ["patient_id", "lesion_id"]].drop_duplicates()
    grid = visits.merge(base, on="patient_id", how="inner")
    grid = grid.merge(nt[nt["day"] > 0], on=["patient_id", "day", "lesion_id"], how="left")
    status = grid["status"]
    per = pd.DataFrame({
        "patient_id": grid["patient_id"], "day": grid["day"],
        "progression": (status == "progression").to_numpy(),
        "missing": status.isna().to_numpy(),
        "absent": (status == "absent").to_numpy(),
    }).groupby(["patient_id", "day"], sort=True).agg(
        progression=("progression", "any"), missing=("missing", "any"), absent=("absent", "all")).reset_index()
    # Progression of a non-target lesion recorded without a baseline row still counts (unequivocal progression).
    extra = nt[(nt["day"] > 0) & (nt["status"] == "progression")][["patient_id", "day"]].drop_duplicates()
    per = per.merge(extra.assign(extra_pd=True), on=["patient_id", "day"], how="left")
    progression = per["progression"].to_numpy() | per["extra_pd"].notna().to_numpy()
    response = np.select([progression, per["missing"].to_numpy(), per["absent"].to_numpy()],
                         ["PD", "NE", "CR"], default="NON-CR/NON-PD")
    return pd.DataFrame({"patient_id": per["patient_id"], "day": per["day"], "nontarget_response": response})


def new_lesions(measurements: pd.DataFrame) -> pd.DataFrame:
    """(patient, day) pairs with a new lesion recorded."""
    new = measurements[(measurements["lesion_type"] == "new") & (measurements["day"] > 0)]
    seen = new["status"].isin(["present", "progression"]) | (new["diameter_mm"] > 0)
    return new.loc[seen, ["patient_id", "day"]].drop_duplicates().assign(new_lesion=1)


def overall_response(target: pd.Series, nontarget: pd.Series, new_lesion: pd.Series) -> np.ndarray:
    """Apply :data:`OVERALL_RESPONSE` (RECIST 1.1 Tables 1 and 2); a new lesion is PD whatever the rest."""
    lookup = pd.Series(OVERALL_RESPONSE)
    keys = pd.MultiIndex.from_arrays([target.fillna(NA).to_numpy(), nontarget.fillna(NA).to_numpy()])
    looked = lookup.reindex(keys).to_numpy()
    if pd.isna(looked).any():  # pragma: no cover - every combination is in the table
        raise ValueError("response combination missing from the RECIST table")
    return np.where(new_lesion.to_numpy() == 1, "PD", looked)


def classify_visits(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per-assessment RECIST 1.1 classification (see the module docstring for the rules)."""
    visits = assessment_days(measurements)
    out = visits.merge(target_response(measurements, visits), on=["patient_id", "day"], how="left")
    out = out.merge(nontarget_response(measurements, visits), on=["patient_id", "day"], how="left")
    out = out.merge(new_lesions(measurements), on=["patient_id", "day"], how="left")
    out["new_lesion"] = out["new_lesion"].fillna(0).astype("int8")
    out["overall_response"] = overall_response(out["target_response"], out["nontarget_response"], out["new_lesion"])
    out = out.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    return out[VISIT_COLUMNS]


def visits_from_responses(responses: pd.DataFrame) -> pd.DataFrame:
    """The visit table from investigator-assessed overall responses (measurement columns empty)."""
    r = responses[responses["day"] > 0].sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({"patient_id": r["patient_id"], "day": r["day"]})
    for col in ("sum_mm", "pct_from_baseline", "pct_from_nadir"):
        out[col] = np.nan
    out["target_response"] = None
    out["nontarget_response"] = None
    out["new_lesion"] = pd.array([pd.NA] * len(r), dtype="Int8")
    out["overall_response"] = r["overall_response"].to_numpy()
    return out[VISIT_COLUMNS]
