"""Log-rank test and Cox proportional-hazards models for the tables, with the conventions stated.

- **Log-rank**: k-sample test with the hypergeometric variance, optionally stratified, equal to R's ``survdiff``
  (``stats/logrank.py``); χ² with k − 1 df.
- **Cox**: the numpy engine of ``stats/coxph.py`` (R's ``coxph``: Efron ties by default, Breslow on request, strata,
  (start, stop] rows, Newton–Raphson with R's step halving and stopping rule). Wald CIs exp(coef ± z·se), Wald p
  per term; the model's likelihood-ratio, Wald and score tests.
- **Not estimable**: fewer than two patients, no events, a constant covariate, collinear covariates (singular
  information), no convergence in R's 20 iterations, or convergence to |coef| > 15 (HR beyond 3·10⁶: monotone
  likelihood, e.g. no events in one level) is reported as not estimable with the reason, not as a number.
- **Proportional hazards**: R's current ``cox.zph`` score test per term and global (``stats/cox_zph.py``).
- **Firth** (optional): penalised likelihood of Heinze & Schemper with profile penalised-likelihood CIs and the
  penalised likelihood-ratio p of each coefficient, as R's ``coxphf`` (``stats/firth.py``; Efron ties like the
  other models, where coxphf uses Breslow's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from . import coxph
from .cox_zph import cox_zph
from .firth import fit_firth
from .logrank import logrank

MAX_ABS_COEF = 15.0


class NotEstimable(Exception):
    """A hazard ratio that has no finite maximum-likelihood estimate; the message is the reason."""


def logrank_test(time, event, group, strata=None) -> dict:
    """k-sample log-rank test: chisq, df, p (NaN with a reason when fewer than two groups have patients)."""
    res = logrank(time, event, group, strata)
    k = int((res.n > 0).sum())
    if k < 2:
        return {"chisq": np.nan, "df": np.nan, "p": np.nan, "note": "fewer than two groups with patients"}
    if res.observed.sum() == 0:
        return {"chisq": np.nan, "df": k - 1, "p": np.nan, "note": "no events"}
    in_test = int((res.expected > 0).sum())
    if in_test < 2:
        note = "only one group at risk at the event times (R: χ² 0 on 0 df, p = 1)"
    elif res.df == 0:  # zero variance (stats/logrank.py): R's survdiff stops here
        note = ("the event times add no variance (all patients at risk failed together; R's survdiff stops): "
                "χ² 0 on 0 df, p = 1")
    elif res.df < in_test - 1:  # singular variance: generalised inverse on its rank
        note = f"singular variance: χ² by the generalised inverse on its rank ({res.df} df)"
    else:
        note = ""
    return {"chisq": res.chisq, "df": res.df, "p": res.p, "note": note}


@dataclass
class CoxResult:
    """A fitted Cox model: one row per coefficient, and the model-level figures."""

    terms: pd.DataFrame
    n: int
    events: int
    loglik: float
    loglik_null: float
    lr_chisq: float
    lr_df: int
    lr_p: float
    method: str = "efron"
    notes: list[str] = field(default_factory=list)
    wald_chisq: float = np.nan
    wald_p: float = np.nan
    score_chisq: float = np.nan
    score_p: float = np.nan
    fit: coxph.CoxFit | None = field(default=None, repr=False)

    def ph_test(self, terms: dict[str, list[str]] | None = None, transform: str = "km") -> pd.DataFrame:
        """R's ``cox.zph(fit, transform, terms = TRUE)`` for this fit: term, ph_chisq, ph_df, ph_p, and GLOBAL.
        ``terms`` maps a term to its coefficient names (default: one term per coefficient)."""
        if self.fit is None:
            raise ValueError("the proportional-hazards test needs a maximum-likelihood fit")
        names = list(self.terms["term"])
        terms = terms or {name: [name] for name in names}
        table = cox_zph(self.fit, {t: [names.index(c) for c in cols] for t, cols in terms.items()}, transform)
        return table.rename(columns={"chisq": "ph_chisq", "df": "ph_df", "p": "ph_p"})


def fit_cox(frame: pd.DataFrame, duration: str, event: str, covariates: list[str], conf_level: float = 0.95, *,
            start: str | None = None, strata: str | None = None, ties: str = "efron") -> CoxResult:
    """Maximum-likelihood Cox model on the complete cases of ``covariates`` (numeric columns); ``start`` names the
    entry-time column of (start, stop] rows, ``strata`` a column whose levels get their own baseline hazard."""
    data = _complete(frame, duration, event, covariates, start, strata)
    _check_model_data(data, covariates)
    try:
        fit = coxph.fit(data["time"], data["event"], data["x"], start=data["start"], strata=data["strata"],
                        ties=ties)
    except coxph.SingularInformation as err:
        raise NotEstimable(f"collinear covariates ({err})") from err
    if not fit.converged:
        raise NotEstimable(f"Cox model did not converge in {fit.iterations} iterations: monotone likelihood or "
                           "separation suspected")
    if not np.all(np.isfinite(fit.coef)) or (np.abs(fit.coef) > MAX_ABS_COEF).any():
        raise NotEstimable("monotone likelihood: the hazard ratio diverges (an event-free or separated group)")
    z = norm.ppf(1 - (1 - conf_level) / 2)
    se = fit.se
    terms = pd.DataFrame({"term": covariates, "coef": fit.coef, "se": se, "hr": np.exp(fit.coef),
                          "hr_ci_low": np.exp(fit.coef - z * se), "hr_ci_high": np.exp(fit.coef + z * se),
                          "z": fit.coef / se, "p": 2 * norm.sf(np.abs(fit.coef / se))})
    df = fit.df
    return CoxResult(terms, fit.n, fit.events, fit.loglik, fit.loglik_init, fit.lr_chisq, df,
                     float(chi2.sf(fit.lr_chisq, df)), method=ties, wald_chisq=fit.wald_chisq,
                     wald_p=float(chi2.sf(fit.wald_chisq, df)), score_chisq=fit.score_chisq,
                     score_p=float(chi2.sf(fit.score_chisq, df)), fit=fit)


def fit_cox_firth(frame: pd.DataFrame, duration: str, event: str, covariates: list[str], conf_level: float = 0.95,
                  *, start: str | None = None, strata: str | None = None, ties: str = "efron") -> CoxResult:
    """Firth-penalised Cox model (see ``stats/firth.py``): profile penalised-likelihood CIs and penalised
    likelihood-ratio p per coefficient (no Wald z); ``se`` is coxphf's, from the unpenalised information at the
    penalised estimate. The model's test is the penalised likelihood ratio against β = 0."""
    data = _complete(frame, duration, event, covariates, start, strata)
    _check_model_data(data, covariates)
    try:
        res = fit_firth(data["time"], data["event"], data["x"], start=data["start"], strata=data["strata"],
                        ties=ties, conf_level=conf_level)
    except (coxph.SingularInformation, np.linalg.LinAlgError) as err:
        raise NotEstimable(f"Firth-penalised model not estimable ({err})") from err
    terms = pd.DataFrame({"term": covariates, "coef": res.coef, "se": res.se, "hr": np.exp(res.coef),
                          "hr_ci_low": np.exp(res.ci_low), "hr_ci_high": np.exp(res.ci_high), "z": np.nan,
                          "p": res.p, "chisq": res.chisq})
    return CoxResult(terms, res.n, res.events, res.penalized_loglik, res.penalized_loglik_null, res.lr_chisq,
                     len(covariates), res.lr_p, method="firth")


def ph_test(frame: pd.DataFrame, duration: str, event: str, covariates: list[str], transform: str = "km",
            terms: dict[str, list[str]] | None = None, **model) -> pd.DataFrame:
    """Fit the Cox model and test proportional hazards per term and globally (``CoxResult.ph_test``)."""
    return fit_cox(frame, duration, event, covariates, **model).ph_test(terms, transform)


def _complete(frame, duration, event, covariates, start, strata) -> dict:
    """The complete cases as arrays: time, event, x (n × p), start and strata (None when not given)."""
    numeric = [duration, event, *covariates] + ([start] if start is not None else [])
    values = np.column_stack([frame[c].to_numpy(dtype=float) for c in numeric])
    keep = ~np.isnan(values).any(axis=1)
    groups = None
    if strata is not None:
        groups = frame[strata].to_numpy()
        keep &= frame[strata].notna().to_numpy()
        groups = groups[keep]
    if not keep.all():
        values = values[keep]
    p = len(covariates)
    return {"time": values[:, 0], "event": values[:, 1], "x": values[:, 2:2 + p],
            "start": values[:, 2 + p] if start is not None else None, "strata": groups}


def _check_model_data(data: dict, covariates: list[str]) -> None:
    if len(data["time"]) < 2:
        raise NotEstimable("fewer than two patients")
    if data["event"].sum() == 0:
        raise NotEstimable("no events")
    x = data["x"]
    constant = [c for j, c in enumerate(covariates) if (x[:, j] == x[0, j]).all()]
    if constant:
        raise NotEstimable(f"no variation in {', '.join(constant)}")
