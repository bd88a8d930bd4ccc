"""Survival tables over the analysis dataset: PFS by subgroup (Zhujiang Table 4), overall PFS, multivariable Cox.

Conventions (each also in the plan or the docs):
- time in the plan's unit (``pfs_months`` = days / 30.4375 by default); event 1 = progression or death;
- KM median and its CI by R's rule, band transform from the plan (``tests.km_ci``: log-log by default);
- ``km_mean``: the KM mean restricted to the largest observed time of that level (SPSS's "mean survival time");
- ``rmst``: the KM area up to the plan's horizon (``tests.rmst_horizon_months``), the last S carried forward when a
  level's follow-up ends earlier (R's ``rmean = τ``);
- log-rank across the levels of a subgroup, the same χ² and p on each of its rows;
- univariable Cox per subgroup with the first listed level as reference (hr = 1 on its row); a level with no patients,
  a single patient or no events (or a reference without events) has no finite HR: it is dropped from the model and
  its row says why; with ``tests.cox_firth`` such a level gets a Firth-penalised HR against the reference instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cox import NotEstimable, fit_cox, fit_cox_firth, logrank_test, ph_test
from .kaplan_meier import kaplan_meier, median_followup
from .response import adjust_per_subgroup, subgroup_levels

PFS_COLUMNS = ["subgroup", "level", "n", "events", "median", "median_ci_low", "median_ci_high", "km_mean", "rmst",
               "logrank_chisq", "logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p", "note"]


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


def hazard_ratios_vs_reference(frame, var, levels, time, event, counts, firth) -> dict:
    """Univariable Cox model of ``var`` (first level = reference): per level hr, CI, Wald p, LR p, method, note;
    ``counts``: level → (patients, events). See the module docstring for levels without a finite HR."""
    ref = levels[0]
    out = {lev: {"note": ""} for lev in levels}
    out[ref] = {"hr": 1.0, "note": "reference level"}
    notes = {lev: _estimability(*counts[lev], counts[ref][1]) for lev in levels[1:]}
    usable = [lev for lev in levels[1:] if not notes[lev]]
    dummies = {lev: f"{var}=={lev}" for lev in usable}
    if usable:
        keep = frame[var].isin([ref, *usable])
        data = frame.loc[keep, [time, event]].copy()
        for lev, col in dummies.items():
            data[col] = (frame.loc[keep, var] == lev).astype(float)
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
                            "note": f"{note}; Firth-penalised HR (penalised likelihood-ratio p)"}
            except (NotEstimable, np.linalg.LinAlgError):
                pass
    return out


def pfs_by_subgroup(dataset: pd.DataFrame, subgroups: list[dict], time: str = "pfs_months",
                    event: str = "pfs_event", conf_type: str = "log-log", rmst_horizon: float | None = None,
                    firth: bool = False) -> pd.DataFrame:
    """One row per subgroup level (columns ``PFS_COLUMNS`` first, then labels, SEs, df, Holm and BH p)."""
    rows = []
    for sg in subgroups:
        var = sg["variable"]
        frame, levels = subgroup_levels(dataset, sg)
        frame = frame[frame[var].isin(levels) & frame[time].notna() & frame[event].notna()]
        labels = sg.get("labels") or {}
        lr = logrank_test(frame[time], frame[event], frame[var])
        groups = {lev: frame[frame[var] == lev] for lev in levels}
        counts = {lev: (len(g), int(g[event].sum())) for lev, g in groups.items()}
        cox = hazard_ratios_vs_reference(frame, var, levels, time, event, counts, firth)
        for lev in levels:
            g = groups[lev]
            row = {"subgroup": sg.get("label", var), "variable": var, "level": lev,
                   "label": labels.get(lev, str(lev)), **km_row(g[time], g[event], conf_type, rmst_horizon),
                   "logrank_chisq": lr["chisq"], "logrank_df": lr["df"], "logrank_p": lr["p"],
                   **cox[lev]}
            if lr["note"]:
                row["note"] = "; ".join(x for x in (row.get("note"), f"log-rank: {lr['note']}") if x)
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
                             endpoint: str = "pfs") -> pd.DataFrame:
    """Tidy rows (endpoint, statistic, value, ci_low, ci_high): n, events, median (CI), S at landmarks (CI),
    median follow-up by reverse KM, KM mean, RMST."""
    data = dataset[[time, event]].dropna()
    km = kaplan_meier(data[time], data[event], conf_type)
    rows = [("n", km.n, np.nan, np.nan), ("events", km.events, np.nan, np.nan),
            ("median", *km.median())]
    at = km.at(list(landmarks))
    rows += [(f"survival_at_{t:g}", s, lo, hi) for t, s, lo, hi in
             zip(at["time"], at["surv"], at["lower"], at["upper"], strict=True)]
    rows.append(("median_followup_reverse_km", median_followup(data[time], data[event]), np.nan, np.nan))
    mean, se = km.restricted_mean()
    rows.append(("km_mean", mean, mean - 1.959963984540054 * se, mean + 1.959963984540054 * se))
    if rmst_horizon is not None:
        rmst, se = km.restricted_mean(rmst_horizon)
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
    """Cox model of all ``variables`` together on complete cases, with events per variable and the Schoenfeld
    proportional-hazards test per term. Returns the term table and warnings (EPV < 10, non-estimable model).
    With ``firth``, a model whose maximum-likelihood fit diverges (separation) is fitted with Firth's penalty
    instead, said in the warnings and in ``method``; the PH test is then not computed (it needs the ML fit)."""
    matrix, owner = design_matrix(dataset, variables)
    data = pd.concat([dataset[[time, event]], matrix], axis=1).dropna()
    terms = list(matrix.columns)
    warnings = []
    events = int(data[event].sum())
    epv = events / len(terms) if terms else np.nan
    if epv < 10:
        warnings.append(f"{events} events for {len(terms)} parameters: {epv:.1f} events per variable (< 10); "
                        "estimates may be unstable and biased away from 1")
    try:
        res = fit_cox(data, time, event, terms, conf_level)
    except NotEstimable as err:
        if not firth:
            warnings.append(f"multivariable model not estimable: {err}")
            return pd.DataFrame({"term": terms, "variable": [owner[t] for t in terms], "note": str(err)}), warnings
        try:
            res = fit_cox_firth(data, time, event, terms, conf_level)
        except NotEstimable as err_firth:
            warnings.append(f"multivariable model not estimable: {err}; Firth: {err_firth}")
            return pd.DataFrame({"term": terms, "variable": [owner[t] for t in terms],
                                 "note": str(err_firth)}), warnings
        warnings.append(f"maximum likelihood not estimable ({err}); Firth-penalised estimates shown")
    table = res.terms.copy()
    table.insert(1, "variable", [owner[t] for t in table["term"]])
    if res.method == "firth":
        table["ph_chisq"], table["ph_p"], table["ph_global_p"] = np.nan, np.nan, np.nan
    else:
        ph = ph_test(data, time, event, terms)
        table = table.merge(ph[ph["term"] != "GLOBAL"], on="term", how="left")
        table["ph_global_p"] = float(ph.loc[ph["term"] == "GLOBAL", "ph_p"].iloc[0])
    table["method"] = res.method
    table["n"], table["events"], table["epv"] = res.n, res.events, epv
    table["model_lr_chisq"], table["model_lr_df"], table["model_lr_p"] = res.lr_chisq, res.lr_df, res.lr_p
    table["note"] = ""
    return table, warnings


def select_by_univariable_p(univariable: pd.DataFrame, threshold: float | None) -> list[str]:
    """Variables whose univariable (log-rank) p is below ``threshold`` (all when None)."""
    first = univariable.drop_duplicates("variable")
    if threshold is None:
        return list(first["variable"])
    return list(first.loc[first["logrank_p"] < threshold, "variable"])
