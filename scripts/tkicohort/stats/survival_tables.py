"""Survival tables over the analysis dataset: PFS by subgroup (Zhujiang Table 4), overall PFS, multivariable Cox.

Conventions (each also in the plan or the docs):
- time in the plan's unit (``pfs_months`` = days / 30.4375 by default); event 1 = progression or death;
- KM median and its CI by R's rule, band transform from the plan (``tests.km_ci``: log-log by default);
- ``km_mean``: the KM mean restricted to the largest observed time of that level (SPSS's "mean survival time");
- ``rmst``: the KM area up to the plan's horizon (``tests.rmst_horizon_months``), the last S carried forward when a
  level's follow-up ends earlier (R's ``rmean = τ``);
- log-rank across the levels of a subgroup, the same χ² and p on each of its rows; beside it the permutation
  log-rank p (``logrank_p_exact``: exact or Monte Carlo, said in ``logrank_p_method``, with the Monte Carlo standard
  error in ``logrank_p_exact_se``; ``stats/permutation_logrank.py``, as R's ``coin::logrank_test``);
- a subgroup whose variable is known only during follow-up is flagged (``post_baseline`` = 1, and its note points to
  the ``pfs_post_baseline`` table, where the landmark and time-dependent analyses are);
- univariable Cox per subgroup with the first listed level as reference (hr = 1 on its row); a level with no patients,
  a single patient or no events (or a reference without events) has no finite HR: it is dropped from the model and
  its row says why; with ``tests.cox_firth`` such a level gets a Firth-penalised HR against the reference instead
  (profile penalised-likelihood CI, penalised likelihood-ratio p; ``stats/firth.py``);
- multivariable Cox on complete cases with events per variable; proportional hazards by R's current ``cox.zph``
  (survival ≥ 3.0): the score test for adding g(t)·x, g = 1 − KM, one test per variable (a factor with k levels is
  one test with k − 1 df, on each of its rows) and the global test (``stats/cox_zph.py``); with ``tests.cox_firth``
  the Firth-penalised fit beside it (``firth_*`` columns, profile penalised-likelihood CIs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cox import NotEstimable, fit_cox, fit_cox_firth, logrank_test
from .kaplan_meier import kaplan_meier, median_followup
from .permutation_logrank import permutation_logrank
from .response import adjust_per_subgroup, subgroup_levels

PFS_COLUMNS = ["subgroup", "level", "n", "events", "median", "median_ci_low", "median_ci_high", "km_mean", "rmst",
               "logrank_chisq", "logrank_p", "logrank_p_exact", "logrank_p_method", "hr", "hr_ci_low", "hr_ci_high",
               "hr_p", "post_baseline", "note"]
POST_BASELINE_NOTE = ("post-baseline variable (known only during follow-up; the naive comparison favours the level "
                      "reached later): landmark and time-dependent analyses in the post-baseline table (pfs_post_baseline, "
                      "os_post_baseline)")


def km_row(time: pd.Series, event: pd.Series, conf_type: str, horizon: float | None) -> dict:
    """n, events, median (CI), restricted means of one group."""
    if len(time) == 0:
        return {"n": 0, "events": 0}
    km = kaplan_meier(time, event, conf_type)
    median, low, high = km.median()
    km_mean, km_mean_se = km.restricted_mean()
    rmst, rmst_se = km.restricted_mean(horizon) if horizon is not None else (np.nan, np.nan)
    return {"n": km.n, "events": km.events, "median": median, "median_ci_low": low, "median_ci_high": high,
            "km_mean": km_mean, "km_mean_se": km_mean_se, "rmst": rmst, "rmst_se": rmst_se}


def level_codes(values: pd.Series, levels: list) -> np.ndarray:
    """Index of each value in ``levels`` (−1 when absent or missing), with the equality of ``values == level``;
    one hash pass over the rows instead of one comparison per level (string columns at a million rows)."""
    codes, uniques = pd.factorize(values)
    lookup = np.array([next((j for j, lev in enumerate(levels) if u == lev), -1) for u in uniques] + [-1])
    return lookup[codes]


def _estimability(n: int, events: int, ref_events: int) -> str:
    if n == 0:
        return "no patients in this level"
    if n == 1:
        return "single patient in this level"
    if events == 0:
        return "no events in this level: HR not estimable (monotone likelihood)"
    if ref_events == 0:
        return "no events in the reference level: HR not estimable (monotone likelihood)"
    return ""


def hazard_ratios_vs_reference(frame, var, levels, time, event, counts, firth, level=None) -> dict:
    """Univariable Cox model of ``var`` (first level = reference): per level hr, CI, Wald p, LR p, method, note;
    ``counts``: level → (patients, events); ``level``: the rows' ``level_codes`` when the caller has them. See the
    module docstring for levels without a finite HR."""
    ref = levels[0]
    out = {lev: {"note": ""} for lev in levels}
    out[ref] = {"hr": 1.0, "note": "reference level"}
    notes = {lev: _estimability(*counts[lev], counts[ref][1]) for lev in levels[1:]}
    usable = [lev for lev in levels[1:] if not notes[lev]]
    dummies = {lev: f"{var}=={lev}" for lev in usable}
    if usable:
        level = level_codes(frame[var], levels) if level is None else level
        keep = np.isin(level, [levels.index(lev) for lev in [ref, *usable]])
        data = frame.loc[keep, [time, event]].copy()
        for lev, col in dummies.items():
            data[col] = (level[keep] == levels.index(lev)).astype(float)
        try:
            res = fit_cox(data, time, event, list(dummies.values()))
            terms = res.terms.set_index("term")
            for lev, col in dummies.items():
                t = terms.loc[col]
                out[lev] = {"hr": t["hr"], "hr_ci_low": t["hr_ci_low"], "hr_ci_high": t["hr_ci_high"],
                            "hr_p": t["p"], "hr_p_lr": res.lr_p, "hr_method": "cox_efron", "note": ""}
        except NotEstimable as err:
            notes.update({lev: f"HR not estimable: {err}" for lev in usable})
    for lev, note in notes.items():
        if not note:
            continue
        out[lev] = {"note": note}
        if firth and counts[lev][0] >= 1 and counts[lev][0] + counts[ref][0] >= 2:
            pair = frame[frame[var].isin([ref, lev])]
            data = pd.DataFrame({time: pair[time], event: pair[event], "x": (pair[var] == lev).astype(float)})
            try:
                t = fit_cox_firth(data, time, event, ["x"]).terms.iloc[0]
                out[lev] = {"hr": t["hr"], "hr_ci_low": t["hr_ci_low"], "hr_ci_high": t["hr_ci_high"],
                            "hr_p": t["p"], "hr_method": "cox_firth",
                            "note": f"{note}; Firth-penalised HR (profile-likelihood CI, penalised "
                                    "likelihood-ratio p)"}
            except (NotEstimable, np.linalg.LinAlgError):
                pass
    return out


def pfs_by_subgroup(dataset: pd.DataFrame, subgroups: list[dict], time: str = "pfs_months",
                    event: str = "pfs_event", conf_type: str = "log-log", rmst_horizon: float | None = None,
                    firth: bool = False, permutation: dict | None = None,
                    post_baseline: set[str] | frozenset = frozenset()) -> pd.DataFrame:
    """One row per subgroup level (columns ``PFS_COLUMNS`` first, then labels, SEs, df, Holm and BH p).
    ``permutation``: options of :func:`permutation_logrank` (n_resample, seed); ``post_baseline``: the subgroup
    variables known only during follow-up."""
    rows = []
    for sg in subgroups:
        var = sg["variable"]
        frame, levels = subgroup_levels(dataset, sg)
        level = level_codes(frame[var], levels)
        keep = (level >= 0) & frame[time].notna().to_numpy() & frame[event].notna().to_numpy()
        frame, level = frame.loc[keep, [var, time, event]], level[keep]
        labels = sg.get("labels") or {}
        lr = logrank_test(frame[time], frame[event], level)
        perm = permutation_logrank(frame[time], frame[event], level, **(permutation or {}))
        groups = {lev: frame[level == j] for j, lev in enumerate(levels)}
        counts = {lev: (len(g), int(g[event].sum())) for lev, g in groups.items()}
        cox = hazard_ratios_vs_reference(frame, var, levels, time, event, counts, firth, level)
        for lev in levels:
            g = groups[lev]
            row = {"subgroup": sg.get("label", var), "variable": var, "level": lev,
                   "label": labels.get(lev, str(lev)), **km_row(g[time], g[event], conf_type, rmst_horizon),
                   "logrank_chisq": lr["chisq"], "logrank_df": lr["df"], "logrank_p": lr["p"],
                   "logrank_p_exact": perm["p"], "logrank_p_method": perm["method"],
                   "logrank_p_exact_se": perm["se"], "post_baseline": int(var in post_baseline), **cox[lev]}
            notes = [row.get("note"), f"log-rank: {lr['note']}" if lr["note"] else "",
                     f"permutation log-rank {perm['note']}" if perm["note"] and not lr["note"] else "",
                     POST_BASELINE_NOTE if var in post_baseline else ""]
            row["note"] = "; ".join(x for x in notes if x)
            rows.append(row)
    table = pd.DataFrame(rows)
    for col in PFS_COLUMNS + ["hr_p_lr", "hr_method", "km_mean_se", "rmst_se"]:
        if col not in table:
            table[col] = np.nan
    table["note"] = table["note"].fillna("")
    table["hr_method"] = table["hr_method"].fillna("")
    table["logrank_p_holm"] = adjust_per_subgroup(table, "logrank_p", "holm")
    table["logrank_p_bh"] = adjust_per_subgroup(table, "logrank_p", "fdr_bh")
    rest = [c for c in table.columns if c not in PFS_COLUMNS]
    return table[PFS_COLUMNS + rest]


def overall_survival_summary(dataset: pd.DataFrame, time: str, event: str, conf_type: str = "log-log",
                             landmarks=(6, 12, 24), rmst_horizon: float | None = None,
                             endpoint: str = "pfs", per_month: float = 1.0) -> pd.DataFrame:
    """Tidy rows (endpoint, statistic, value, ci_low, ci_high): n, events, median (CI), S at landmarks (CI),
    median follow-up by reverse KM, KM mean, RMST. ``landmarks`` and ``rmst_horizon`` are in months (they name the
    rows: ``survival_at_6``, ``rmst_24``); ``per_month``: units of ``time`` per month (1 when it is in months)."""
    data = dataset[[time, event]].dropna()
    km = kaplan_meier(data[time], data[event], conf_type)
    rows = [("n", km.n, np.nan, np.nan), ("events", km.events, np.nan, np.nan),
            ("median", *km.median())]
    at = km.at([months * per_month for months in landmarks])
    rows += [(f"survival_at_{months:g}", s, lo, hi) for months, s, lo, hi in
             zip(landmarks, at["surv"], at["lower"], at["upper"], strict=True)]
    rows.append(("median_followup_reverse_km", median_followup(data[time], data[event]), np.nan, np.nan))
    mean, se = km.restricted_mean()
    rows.append(("km_mean", mean, mean - 1.959963984540054 * se, mean + 1.959963984540054 * se))
    if rmst_horizon is not None:
        rmst, se = km.restricted_mean(rmst_horizon * per_month)
        rows.append((f"rmst_{rmst_horizon:g}", rmst, rmst - 1.959963984540054 * se,
                     rmst + 1.959963984540054 * se))
    out = pd.DataFrame(rows, columns=["statistic", "value", "ci_low", "ci_high"])
    out.insert(0, "endpoint", endpoint)
    return out


def design_matrix(dataset: pd.DataFrame, variables: list[dict]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric columns for a Cox model: binary 0/1 and numeric variables as they are, other categorical variables
    as indicators of each non-reference level (the first plan level). Returns the matrix and term → variable."""
    columns, owner = {}, {}
    for spec in variables:
        var = spec["variable"]
        values = dataset[var]
        levels = spec.get("levels") or sorted(values.dropna().unique().tolist())
        if pd.api.types.is_numeric_dtype(values) and (len(levels) <= 2 and set(levels) <= {0, 1}
                                                      or not spec.get("levels")):
            columns[var], owner[var] = values.astype(float), var
            continue
        for lev in levels[1:]:
            name = f"{var}=={lev}"
            columns[name] = (values == lev).astype(float).where(values.notna())
            owner[name] = var
    return pd.DataFrame(columns, index=dataset.index), owner


def multivariable_cox(dataset: pd.DataFrame, variables: list[dict], time: str = "pfs_months",
                      event: str = "pfs_event", conf_level: float = 0.95,
                      firth: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Cox model of all ``variables`` together on complete cases, with events per variable and the
    proportional-hazards test of R's current ``cox.zph`` per variable and globally. Returns the term table and
    warnings (EPV < 10, non-estimable model). With ``firth`` the Firth-penalised model is fitted too and shown
    beside (``firth_*`` columns); when the maximum-likelihood fit diverges (separation) its columns show the Firth
    estimates instead, said in the warnings and in ``method``, and the PH test is not computed (it needs the ML
    fit)."""
    matrix, owner = design_matrix(dataset, variables)
    data = pd.concat([dataset[[time, event]], matrix], axis=1).dropna()
    terms = list(matrix.columns)
    warnings = []
    events = int(data[event].sum())
    epv = events / len(terms) if terms else np.nan
    if epv < 10:
        warnings.append(f"{events} events for {len(terms)} parameters: {epv:.1f} events per variable (< 10); "
                        "estimates may be unstable and biased away from 1")
    res = penalised = None
    try:
        res = fit_cox(data, time, event, terms, conf_level)
    except NotEstimable as err:
        ml_error = err
    if firth:
        try:
            penalised = fit_cox_firth(data, time, event, terms, conf_level)
        except NotEstimable as err:
            firth_error = err
    if res is None:
        if penalised is None:
            reason = f"{ml_error}; Firth: {firth_error}" if firth else str(ml_error)
            warnings.append(f"multivariable model not estimable: {reason}")
            return pd.DataFrame({"term": terms, "variable": [owner[t] for t in terms],
                                 "note": str(firth_error if firth else ml_error)}), warnings
        warnings.append(f"maximum likelihood not estimable ({ml_error}); Firth-penalised estimates shown")
    elif firth and penalised is None:
        warnings.append(f"Firth-penalised model not estimable: {firth_error}")
    fitted = res if res is not None else penalised
    table = fitted.terms.drop(columns="chisq", errors="ignore")
    table.insert(1, "variable", [owner[t] for t in table["term"]])
    if res is None:
        for col in ("ph_chisq", "ph_df", "ph_p", "ph_global_chisq", "ph_global_df", "ph_global_p"):
            table[col] = np.nan
    else:
        by_variable = {}
        for term in terms:
            by_variable.setdefault(owner[term], []).append(term)
        ph = res.ph_test(by_variable).set_index("term")
        for col in ("ph_chisq", "ph_df", "ph_p"):
            table[col] = table["variable"].map(ph[col])
            table[col.replace("ph_", "ph_global_")] = ph.loc["GLOBAL", col]
    if penalised is not None:
        firth_terms = penalised.terms.set_index("term").loc[table["term"]]
        for col in ("coef", "hr", "hr_ci_low", "hr_ci_high", "p"):
            table[f"firth_{col}"] = firth_terms[col].to_numpy()
        table["firth_lr_chisq"], table["firth_lr_p"] = penalised.lr_chisq, penalised.lr_p
    table["method"] = "firth" if res is None else "cox_efron"
    table["n"], table["events"], table["epv"] = fitted.n, fitted.events, epv
    table["model_lr_chisq"], table["model_lr_df"], table["model_lr_p"] = fitted.lr_chisq, fitted.lr_df, fitted.lr_p
    table["note"] = ""
    return table, warnings


def select_by_univariable_p(univariable: pd.DataFrame, threshold: float | None) -> list[str]:
    """Variables whose univariable (log-rank) p is below ``threshold`` (all when None)."""
    first = univariable.drop_duplicates("variable")
    if threshold is None:
        return list(first["variable"])
    return list(first.loc[first["logrank_p"] < threshold, "variable"])
