"""Treatment effect within subgroups of a two-arm study, and the treatment × subgroup interaction test.

The standard subgroup analysis of a trial (e.g. the forest plots of CONSORT-style reports):

- **Within each level** of a subgroup: a Cox model (Efron ties) of the endpoint on the treatment indicator alone,
  fitted to that level's patients; hr = hazard ratio of the treatment arm against the reference arm, Wald 95 % CI and
  Wald p (R: ``coxph(Surv(t, e) ~ arm, subset = level)``). A level where one arm has no patients, or where an arm has
  no events, has no finite HR: the row says why (and with ``tests.cox_firth`` shows a Firth-penalised HR instead, as
  the subgroup tables do).
- **Interaction** (one p per subgroup, repeated on its rows): likelihood-ratio test of the model with treatment,
  subgroup and treatment × subgroup terms against the model without the interaction terms, on the same patients
  (R: ``anova(coxph(Surv(t, e) ~ arm + subgroup), coxph(Surv(t, e) ~ arm * subgroup))``); df = number of
  interaction terms. As in R, a term that is a linear combination of earlier ones (a level with patients in one arm
  only) is left out and does not count towards the df. Levels are the plan's, in its order (the first is the
  reference of the subgroup terms; the choice does not change the test); patients with a missing subgroup value are
  not in either model. When a model has no finite maximum-likelihood estimate the test is not computed and the note
  says why.

Counts: n_reference, n_treatment (patients per arm in the level), events_reference, events_treatment.
Beside the HR, the permutation log-rank test of treatment against reference within the level
(``logrank_p_exact``, ``logrank_p_method``, ``logrank_p_exact_se``; ``stats/permutation_logrank.py``), and
``post_baseline`` = 1 for a subgroup known only after treatment starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .cox import NotEstimable, fit_cox
from .permutation_logrank import permutation_logrank
from .response import subgroup_levels
from .survival_tables import hazard_ratios_vs_reference

COLUMNS = ["subgroup", "level", "n_reference", "n_treatment", "events_reference", "events_treatment", "hr",
           "hr_ci_low", "hr_ci_high", "hr_p", "interaction_p", "note"]


def _arm_words(note: str) -> str:
    """The subgroup tables' notes speak of levels; here the levels compared are the arms."""
    return note.replace("the reference level", "the reference arm").replace("this level", "the treatment arm")


def _independent_columns(matrix: pd.DataFrame) -> list[str]:
    """Columns in order, leaving out each one that is a linear combination of those kept before it (and of the
    constant, which a Cox model absorbs) — R's handling of aliased terms. Ranks are taken of the small cross-product
    matrix of [1, columns] (one pass over the patients), not of the patient-by-column matrix."""
    z = np.column_stack([np.ones(len(matrix)), matrix.to_numpy(float)])
    gram = z.T @ z
    kept = [0]
    for j in range(1, gram.shape[0]):
        trial = kept + [j]
        if np.linalg.matrix_rank(gram[np.ix_(trial, trial)]) == len(trial):
            kept.append(j)
    return [matrix.columns[j - 1] for j in kept[1:]]


def interaction_test(frame: pd.DataFrame, treated: pd.Series, var: str, levels: list, time: str,
                     event: str) -> dict:
    """LR test of treatment × ``var`` (see the module docstring): chisq, df, p, note."""
    present = [lev for lev in levels if (frame[var] == lev).any()]
    if len(present) < 2:
        return {"chisq": np.nan, "df": 0, "p": np.nan, "note": "fewer than two levels with patients: no interaction test"}
    design = pd.DataFrame({"treatment": treated.astype(float)}, index=frame.index)
    main = {f"{var}=={lev}": (frame[var] == lev).astype(float) for lev in present[1:]}
    design = design.assign(**main)
    design = design.assign(**{f"treatment:{name}": design["treatment"] * col for name, col in main.items()})
    kept = _independent_columns(design)
    reduced = [c for c in kept if not c.startswith("treatment:")]
    interaction = [c for c in kept if c.startswith("treatment:")]
    if not interaction:
        return {"chisq": np.nan, "df": 0, "p": np.nan,
                "note": "no level other than the first has patients in both arms: no interaction test"}
    data = pd.concat([frame[[time, event]], design[kept]], axis=1)
    try:
        full = fit_cox(data, time, event, kept)
        base = fit_cox(data, time, event, reduced)
    except NotEstimable as err:
        return {"chisq": np.nan, "df": len(interaction), "p": np.nan,
                "note": f"interaction test not estimable: {err}"}
    stat = max(2 * (full.loglik - base.loglik), 0.0)
    return {"chisq": stat, "df": len(interaction), "p": float(chi2.sf(stat, len(interaction))), "note": ""}


def treatment_by_subgroup(dataset: pd.DataFrame, subgroups: list[dict], arm: str, arms: list, time: str,
                          event: str, firth: bool = False, permutation: dict | None = None,
                          post_baseline: set[str] | frozenset = frozenset()) -> pd.DataFrame:
    """One row per subgroup level (columns :data:`COLUMNS` first, then variable, label, hr_method,
    interaction_chisq, interaction_df, the permutation log-rank columns and post_baseline). ``arms`` = [reference,
    treatment]; ``permutation``: options of :func:`permutation_logrank`."""
    reference, treatment = arms
    rows = []
    for sg in subgroups:
        var = sg["variable"]
        frame, levels = subgroup_levels(dataset, sg)
        frame = frame[frame[var].isin(levels) & frame[arm].isin(arms) & frame[time].notna() & frame[event].notna()]
        labels = sg.get("labels") or {}
        inter = interaction_test(frame, frame[arm] == treatment, var, levels, time, event)
        for lev in levels:
            g = frame[frame[var] == lev]
            counts = {a: (int((g[arm] == a).sum()), int(g.loc[g[arm] == a, event].sum())) for a in arms}
            hr = hazard_ratios_vs_reference(g, arm, arms, time, event, counts, firth)[treatment]
            perm = permutation_logrank(g[time], g[event], g[arm], **(permutation or {}))
            notes = [_arm_words(hr.get("note", "")), inter["note"]]
            if counts[reference][0] == 0:
                notes[0] = "no patients in the reference arm"
            rows.append({
                "subgroup": sg.get("label", var), "level": lev, "n_reference": counts[reference][0],
                "n_treatment": counts[treatment][0], "events_reference": counts[reference][1],
                "events_treatment": counts[treatment][1], "hr": hr.get("hr", np.nan),
                "hr_ci_low": hr.get("hr_ci_low", np.nan), "hr_ci_high": hr.get("hr_ci_high", np.nan),
                "hr_p": hr.get("hr_p", np.nan), "interaction_p": inter["p"], "note": "; ".join(n for n in notes if n),
                "variable": var, "label": labels.get(lev, str(lev)), "hr_method": hr.get("hr_method", ""),
                "interaction_chisq": inter["chisq"], "interaction_df": inter["df"],
                "logrank_p_exact": perm["p"], "logrank_p_method": perm["method"], "logrank_p_exact_se": perm["se"],
                "post_baseline": int(var in post_baseline)})
    return pd.DataFrame(rows, columns=[*COLUMNS, "variable", "label", "hr_method", "interaction_chisq",
                                       "interaction_df", "logrank_p_exact", "logrank_p_method",
                                       "logrank_p_exact_se", "post_baseline"])
