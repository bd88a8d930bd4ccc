"""Plausibility of a cohort: statistics that expose the traces a synthetic reconstruction can leave.

Each statistic is computed from the contract files and the analysis dataset alone, so it applies to any cohort; for
a reconstructed cohort it is compared with its distribution over the reconstruction's ensemble (cohorts drawn from
the fitted model), and a value beyond that distribution's 99th percentile, in the direction that marks an artefact,
fails (:func:`compare`). The statistics and the artefact each one catches:

- ``max_events_14d`` — the most PFS events in any 14-day window (progressions piled on a few days);
- ``post_progression_spread`` — SD in days of last contact − PFS among progressed patients (every patient followed
  for the same time after progression; low is the artefact);
- ``post_progression_mode_share`` — the largest share of progressed patients with the same last contact − PFS;
- ``distinct_last_contact_share`` — distinct last-contact days / patients (follow-up ending on a few days; low);
- ``max_last_contacts_14d`` — the most last contacts in any 14-day window;
- ``distinct_ae_onset_share`` — distinct adverse-event onset days / events (onsets on a weekly grid; low);
- ``longest_age_run`` — the longest run of consecutive integer ages among the distinct ages (ages laid on a grid);
- ``distinct_age_share`` — distinct ages / patients (real ages of 30 patients have ties; high is the artefact);
- ``response_pfs_correlation`` — Spearman correlation of best response (PR/CR 2, SD 1, PD 0) with PFS among
  the evaluable patients (responders doing worse than stable patients; low is the artefact);
- ``modal_best_change_share`` — the largest share of evaluable patients with the same best % change of the target
  sum (many stable patients at exactly 0 %);
- ``max_ties_at_extreme`` — over the numeric baseline columns and the baseline Tg, the most patients sharing a
  column's minimum or maximum (values pushed against a printed bound);
- ``id_order_correlation`` — the largest |Spearman correlation| of patient-id order with a numeric baseline column
  or the follow-up (values that rise with the id);
- ``qol_flat_share`` — over the QoL subscales of three items or more, the largest share of patients whose items all
  lie within one point (items spread evenly from a subscale sum);
- ``constant_columns`` — categorical columns of patients.csv with a single value (every patient "high risk").

Statistics that a cohort cannot give (no adverse events, no QoL) are missing and not compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

# statistic → direction in which a value is an artefact
DIRECTIONS = {
    "max_events_14d": "high", "post_progression_spread": "low", "post_progression_mode_share": "high",
    "distinct_last_contact_share": "low", "max_last_contacts_14d": "high", "distinct_ae_onset_share": "low",
    "longest_age_run": "high", "distinct_age_share": "high", "response_pfs_correlation": "low",
    "modal_best_change_share": "high", "max_ties_at_extreme": "high", "id_order_correlation": "high",
    "qol_flat_share": "high", "constant_columns": "high",
}
BASELINE_NUMERIC = ("age_years", "cumulative_rai_gbq", "cumulative_rai_mci")
CATEGORICAL = ("sex", "histology", "ata_risk", "rai_uptake", "rai_refractory_reason", "prior_therapy",
               "residual_lesions")
QOL_SUBSCALES_MIN_ITEMS = 3


def max_in_window(days: np.ndarray, width: int = 14) -> int:
    """The most values within any window of ``width`` consecutive days."""
    d = np.sort(np.asarray(days, dtype=float)[~np.isnan(np.asarray(days, dtype=float))])
    if len(d) == 0:
        return 0
    ends = np.searchsorted(d, d + width - 1, side="right")
    return int((ends - np.arange(len(d))).max())


def longest_run(values: np.ndarray) -> int:
    """Longest run of consecutive integers among the distinct values."""
    v = np.unique(np.round(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))]))
    if len(v) == 0:
        return 0
    breaks = np.flatnonzero(np.diff(v) != 1)
    edges = np.r_[-1, breaks, len(v) - 1]
    return int(np.diff(edges).max())


def _spearman(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~np.isnan(a) & ~np.isnan(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return np.nan
    return float(stats.spearmanr(a[ok], b[ok]).statistic)


def plausibility_statistics(patients: pd.DataFrame, dataset: pd.DataFrame,
                            adverse_events: pd.DataFrame | None = None, qol: pd.DataFrame | None = None,
                            labs: pd.DataFrame | None = None,
                            qol_subscales: dict[str, list[int]] | None = None) -> dict[str, float]:
    """The statistics of the module docstring for one cohort."""
    out: dict[str, float] = {}
    ev = dataset[dataset["evaluable"] == 1]
    events = ev.loc[ev["pfs_event"] == 1, "pfs_days"]
    out["max_events_14d"] = max_in_window(events.to_numpy())
    p = patients.set_index("patient_id")
    prog = ev[ev["pfs_event"] == 1]
    gap = (prog["patient_id"].map(p["followup_days"]) - prog["pfs_days"]).to_numpy(dtype=float)
    out["post_progression_spread"] = float(np.std(gap, ddof=1)) if len(gap) > 1 else np.nan
    out["post_progression_mode_share"] = (float(pd.Series(gap).value_counts().iloc[0] / len(gap)) if len(gap)
                                          else np.nan)
    fu = patients["followup_days"].to_numpy(dtype=float)
    out["distinct_last_contact_share"] = len(np.unique(fu)) / len(fu)
    out["max_last_contacts_14d"] = max_in_window(fu)
    if adverse_events is not None and len(adverse_events):
        onset = adverse_events["onset_day"].to_numpy(dtype=float)
        out["distinct_ae_onset_share"] = len(np.unique(onset)) / len(onset)
    else:
        out["distinct_ae_onset_share"] = np.nan
    age = patients["age_years"].to_numpy(dtype=float)
    out["longest_age_run"] = longest_run(age)
    out["distinct_age_share"] = len(np.unique(age)) / len(age)
    rank = ev["bor"].map({"CR": 2, "PR": 2, "SD": 1, "NON-CR/NON-PD": 1, "PD": 0})
    out["response_pfs_correlation"] = _spearman(rank, ev["pfs_days"])
    best = ev["best_pct_change"].dropna().round(1)
    out["modal_best_change_share"] = float(best.value_counts().iloc[0] / len(best)) if len(best) else np.nan
    numeric = [patients[c].to_numpy(dtype=float) for c in BASELINE_NUMERIC if c in patients]
    if labs is not None and len(labs):
        tg = labs[(labs["analyte"] == "tg") & (labs["day"] <= 0)].sort_values("day").drop_duplicates(
            "patient_id", keep="last")["value"].to_numpy(dtype=float)
        numeric.append(tg)
    ties = [max(int(np.sum(x == np.nanmax(x))), int(np.sum(x == np.nanmin(x)))) for x in numeric
            if np.isfinite(x).any()]
    out["max_ties_at_extreme"] = max(ties) if ties else np.nan
    order = np.argsort(np.argsort(patients["patient_id"].to_numpy(dtype=str)))
    corr = [abs(_spearman(order, x)) for x in [*numeric[: len(numeric)], fu]]
    corr = [c for c in corr if not np.isnan(c)]
    out["id_order_correlation"] = max(corr) if corr else np.nan
    out["qol_flat_share"] = _qol_flat_share(qol, qol_subscales)
    cats = [c for c in CATEGORICAL if c in patients]
    out["constant_columns"] = int(sum(patients[c].nunique(dropna=True) == 1 for c in cats))
    return out


def _qol_flat_share(qol: pd.DataFrame | None, subscales: dict[str, list[int]] | None) -> float:
    if qol is None or not len(qol) or not subscales:
        return np.nan
    last = qol.sort_values("day").drop_duplicates("patient_id", keep="last")
    shares = []
    for items in subscales.values():
        cols = [f"q{i}" for i in items if f"q{i}" in last]
        if len(cols) < QOL_SUBSCALES_MIN_ITEMS or len(cols) == len([c for c in last if c.startswith("q")]):
            continue
        x = last[cols].to_numpy(dtype=float)
        shares.append(float(np.mean(np.nanmax(x, axis=1) - np.nanmin(x, axis=1) <= 1)))
    return max(shares) if shares else np.nan


def compare(observed: dict[str, float], ensemble: pd.DataFrame, quantile: float = 0.99) -> pd.DataFrame:
    """Each statistic of a cohort beside its ensemble distribution (``ensemble``: one row per member, one column
    per statistic). Columns: statistic, direction, value, ensemble_median, limit (the 99th percentile in the
    artefact direction, or the 1st), percentile (share of members at or below the value, ×100), status (pass /
    fail / not_compared)."""
    rows = []
    for name, direction in DIRECTIONS.items():
        value = observed.get(name, np.nan)
        dist = ensemble[name].dropna().to_numpy(dtype=float) if name in ensemble else np.array([])
        if np.isnan(value) or len(dist) == 0:
            rows.append({"statistic": name, "direction": direction, "value": value, "ensemble_median": np.nan,
                         "limit": np.nan, "percentile": np.nan, "status": "not_compared"})
            continue
        limit = float(np.quantile(dist, quantile if direction == "high" else 1 - quantile))
        beyond = value > limit if direction == "high" else value < limit
        percentile = 100 * (np.mean(dist < value) + 0.5 * np.mean(dist == value))
        rows.append({"statistic": name, "direction": direction, "value": value,
                     "ensemble_median": float(np.median(dist)), "limit": limit, "percentile": percentile,
                     "status": "fail" if beyond else "pass"})
    return pd.DataFrame(rows)
