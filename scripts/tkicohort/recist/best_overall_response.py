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
- **first_response_day**: the first assessment of a confirmed CR or PR (a PR confirmed by a later CR counts: the
  response starts when CR or PR criteria are first met, RECIST 1.1 §4.5); **first_response_day_unconfirmed**: the
  first counted assessment with CR or PR, confirmed or not; **pd_day**: first PD; **last_assessment_day**: the last
  counted assessment that is not NE (the censoring day for PFS).
- The days on which a response is known (for analyses that must not look ahead): the unconfirmed objective response
  on **first_response_day_unconfirmed**; **confirmed_response_day**, the day of the first assessment that confirms a
  CR or PR (a confirmed response is known only once it is confirmed, not on the day it was first seen: dating it
  from the first CR/PR would credit the responder with the weeks it had to stay progression-free to be confirmed);
  **control_day**, the first counted assessment that gives disease control unconfirmed (CR or PR on any day, SD or
  NON-CR/NON-PD from the SD minimum on); and **confirmed_control_day**, the same with confirmed responses (a CR or PR
  known on its confirmation day, an unconfirmed one counting as SD from the SD minimum on).
- **Evaluable**: at least one measurable target lesion at baseline (when measurements are the source) and at least one
  counted post-baseline assessment that is not NE; a non-empty ``excluded_reason`` in patients.csv always makes the
  patient non-evaluable with that reason. Non-evaluable patients have BOR NE.

Everything is vectorised on arrays sorted by (patient, day): cumulative sums for the first PD and the NE counts, one
binary search per response for its confirming assessment and one for the first later assessment that would break it
(patient and day packed into one int64, so a search never crosses into another patient unnoticed), and per-patient
minima and maxima as ``reduceat`` over each patient's run of assessments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..packing import pack
from . import arrays as ar
from .assessment import OVERALL_LABELS, Visits

RANK = {label: code for code, label in enumerate(OVERALL_LABELS) if code}  # CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6
LABEL = {v: k for k, v in RANK.items()}
BEST_RESPONSE_COLUMNS = ["patient_id", "bor", "bor_confirmed", "best_pct_change", "first_response_day",
                         "first_response_day_unconfirmed", "pd_day", "last_assessment_day", "evaluable",
                         "not_evaluable_reason", "confirmed_response_day", "control_day", "confirmed_control_day"]
KNOWN_DAY_COLUMNS = ("confirmed_response_day", "control_day", "confirmed_control_day")
_CR, _PR, _SD, _NONCRPD, _PD, _NE = (RANK[k] for k in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"))


def _confirmed(patient: np.ndarray, day: np.ndarray, key: np.ndarray, span: int, resp: np.ndarray,
               acceptable: tuple[int, ...], confirmation_days: int,
               max_ne_between: int) -> tuple[np.ndarray, np.ndarray]:
    """For each assessment, sorted by ``key`` = patient · span + (day − first day): is it a response in
    ``acceptable`` confirmed as described in the module docstring, and the day of its confirming assessment (NaN
    when it is not confirmed)?"""
    ok = np.isin(resp, acceptable)
    ne = resp == _NE
    ne_cum = np.cumsum(ne)
    i = np.flatnonzero(ok)
    out = np.zeros(len(resp), dtype=bool)
    confirmed_on = np.full(len(resp), np.nan)
    if len(i) == 0:
        return out, confirmed_on
    # The confirming assessment: the first acceptable one at day ≥ day + confirmation_days, same patient.
    due = np.maximum(key[i] + confirmation_days, patient[i].astype(np.int64) * span)  # never below the patient
    j = i[np.minimum(np.searchsorted(key[i], due), len(i) - 1)]
    found = (patient[j] == patient[i]) & (day[j] >= day[i] + confirmation_days) & (day[j] > day[i])
    # The first later assessment that is neither acceptable nor NE breaks the confirmation if it comes before.
    bad = np.flatnonzero(~ok & ~ne)
    if len(bad):
        k = bad[np.minimum(np.searchsorted(key[bad], key[i], side="right"), len(bad) - 1)]
        broken = (patient[k] == patient[i]) & (day[k] > day[i]) & (day[k] <= day[j])
    else:
        broken = np.zeros(len(i), dtype=bool)
    few_ne = (ne_cum[j] - ne_cum[i]) <= max_ne_between
    out[i] = found & ~broken & few_ne
    confirmed_on[i] = np.where(out[i], day[j], np.nan)
    return out, confirmed_on


def _reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return ufunc.reduceat(values, starts) if len(values) else values[:0]


def _per_patient(patient: np.ndarray, day: np.ndarray, resp: np.ndarray, pct: np.ndarray, n_patients: int,
                 min_sd_days: int, confirmation_days: int, max_ne_between: int) -> dict[str, np.ndarray]:
    """Per patient code (float, NaN without a counted assessment): r_u and r_c (best unconfirmed and confirmed rank),
    best_pct_change, pd_day, last_assessment_day, first_response_day, first_response_day_unconfirmed. Rows sorted
    by patient, then day."""
    # Counted: up to and including each patient's first PD.
    starts = ar.run_starts(patient)
    is_pd = (resp == _PD).astype(np.int64)
    before = np.cumsum(is_pd) - is_pd
    before -= np.repeat(before[starts], np.diff(np.append(starts, len(patient))))
    keep = before == 0
    patient, day, resp, pct = patient[keep], day[keep], resp[keep], pct[keep]
    d0 = int(day.min()) if len(day) else 0
    span = (int(day.max()) - d0 + 1) if len(day) else 1
    if n_patients * span >= 2**62:  # pragma: no cover - days span billions of years
        raise ValueError("assessment days span too wide a range")
    key = patient.astype(np.int64) * span + (day - d0)

    stable_like = (resp == _SD) | (resp == _NONCRPD)
    early = day < min_sd_days
    rank_unconfirmed = np.where(stable_like & early, _NE, resp)
    confirmed_cr, _ = _confirmed(patient, day, key, span, resp, (_CR,), confirmation_days, max_ne_between)
    confirmed_pr, pr_on = _confirmed(patient, day, key, span, resp, (_CR, _PR), confirmation_days, max_ne_between)
    demoted = np.where((resp == _CR) | (resp == _PR), _SD, resp)
    demoted = np.where((demoted == _SD) & early, _NE, demoted)
    rank_confirmed = np.select([confirmed_cr, confirmed_pr], [_CR, _PR], default=demoted)
    rank_confirmed = np.where(resp == _NONCRPD, rank_unconfirmed, rank_confirmed)

    starts = ar.run_starts(patient)
    who = patient[starts]
    dayf = day.astype(np.float64)
    best_confirmed = _reduce(np.minimum, rank_confirmed, starts)
    confirmed_response = (rank_confirmed == _CR) | (rank_confirmed == _PR)
    any_response = (resp == _CR) | (resp == _PR)
    columns = {
        "r_u": _reduce(np.minimum, rank_unconfirmed, starts),
        "r_c": best_confirmed,
        "best_pct_change": _reduce(np.fmin, pct, starts),
        "pd_day": _reduce(np.fmin, np.where(resp == _PD, dayf, np.nan), starts),
        "last_assessment_day": _reduce(np.fmax, np.where(resp != _NE, dayf, np.nan), starts),
        "first_response_day": _reduce(np.fmin, np.where(confirmed_response, dayf, np.nan), starts),
        "first_response_day_unconfirmed": _reduce(np.fmin, np.where(any_response, dayf, np.nan), starts),
        **_known_days(dayf, rank_unconfirmed, rank_confirmed, pr_on, starts),
    }
    out = {}
    for name, values in columns.items():
        full = np.full(n_patients, np.nan)
        full[who] = values
        out[name] = full
    return out


def _known_days(dayf, rank_unconfirmed, rank_confirmed, confirmed_on, starts) -> dict:
    """Per patient: the days on which the objective response and disease control became known (module docstring);
    ``confirmed_on``: the confirming day of each confirmed CR or PR (NaN otherwise)."""
    responded = (rank_unconfirmed == _CR) | (rank_unconfirmed == _PR)
    controlled = responded | (rank_unconfirmed == _SD) | (rank_unconfirmed == _NONCRPD)
    confirmed_day = confirmed_on
    stable = (rank_confirmed == _SD) | (rank_confirmed == _NONCRPD)
    return {
        "confirmed_response_day": _reduce(np.fmin, confirmed_day, starts),
        "control_day": _reduce(np.fmin, np.where(controlled, dayf, np.nan), starts),
        "confirmed_control_day": _reduce(np.fmin, np.fmin(np.where(stable, dayf, np.nan), confirmed_day), starts),
    }


def _align(ids: np.ndarray, out_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``ids`` of each of ``out_ids`` (0 where absent), and whether it is there."""
    if len(out_ids) == len(ids) and bool((out_ids == ids).all()):
        return np.arange(len(ids)), np.ones(len(ids), dtype=bool)
    row = pd.Index(ids).get_indexer(out_ids)
    present = row >= 0
    return np.where(present, row, 0), present


def _assemble(ids: np.ndarray, per: dict[str, np.ndarray], patients: pd.DataFrame,
              measurable: tuple[np.ndarray, np.ndarray] | None) -> pd.DataFrame:
    """The best-response table of the patients of ``patients``; ``per`` is indexed by the patient codes of ``ids``;
    ``measurable`` (None when measurements are not the source) is (patient ids, has a measurable target)."""
    out_ids = patients["patient_id"]
    if not (out_ids.is_monotonic_increasing and out_ids.is_unique):
        out_ids = out_ids.drop_duplicates().sort_values(kind="stable")
    out_ids = out_ids.to_numpy(dtype=object)
    row, present = _align(ids, out_ids)

    def take(values: np.ndarray) -> np.ndarray:
        return np.where(present, values[row], np.nan) if len(values) else np.full(len(row), np.nan)

    r_u, r_c = take(per["r_u"]), take(per["r_c"])
    last = take(per["last_assessment_day"])
    labels = np.array(["NE", *OVERALL_LABELS[1:]], dtype=object)  # rank 0 = no counted assessment → NE
    bor = labels[np.nan_to_num(r_u, nan=0).astype(np.int64)]
    bor_confirmed = labels[np.nan_to_num(r_c, nan=0).astype(np.int64)]

    reason = np.full(len(row), None, dtype=object)
    reason[np.isnan(last)] = "no evaluable post-baseline assessment"
    if measurable is not None:
        m_ids, m_flag = measurable
        m_row, m_present = _align(m_ids, out_ids)
        has = m_present & (m_flag[m_row] if len(m_flag) else False)
        reason[~has] = "no measurable disease at baseline"
    if "excluded_reason" in patients.columns:
        given = pd.Series(out_ids).map(patients.drop_duplicates("patient_id").set_index("patient_id")["excluded_reason"])
        reason = given.where(given.notna() & (given.astype(str).str.strip() != ""), pd.Series(reason)).to_numpy()
    evaluable = pd.isna(reason).astype(np.int8)
    bor[evaluable == 0] = "NE"
    bor_confirmed[evaluable == 0] = "NE"
    return pd.DataFrame({
        "patient_id": out_ids, "bor": bor, "bor_confirmed": bor_confirmed,
        "best_pct_change": take(per["best_pct_change"]), "first_response_day": take(per["first_response_day"]),
        "first_response_day_unconfirmed": take(per["first_response_day_unconfirmed"]),
        "pd_day": take(per["pd_day"]), "last_assessment_day": last, "evaluable": evaluable,
        "not_evaluable_reason": reason, **{name: take(per[name]) for name in KNOWN_DAY_COLUMNS},
    }, columns=BEST_RESPONSE_COLUMNS)


def best_response_of_visits(visits: Visits, patients: pd.DataFrame, *, min_sd_days: int = 42,
                            confirmation_days: int = 28, max_ne_between: int = 1) -> pd.DataFrame:
    """:func:`derive_best_response` of classified measurements (arrays, evaluability from measurable disease)."""
    per = _per_patient(visits.patient, visits.day, visits.overall.astype(np.int64), visits.pct_from_baseline,
                       len(visits.ids), min_sd_days, confirmation_days, max_ne_between)
    return _assemble(visits.ids, per, patients, (visits.ids, visits.measurable))


def derive_best_response(visits: pd.DataFrame, patients: pd.DataFrame, *, min_sd_days: int = 42,
                         confirmation_days: int = 28, max_ne_between: int = 1,
                         measurable: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient of ``patients`` (see the module docstring for the rules)."""
    patient, ids = ar.patient_codes(visits["patient_id"])
    day = visits["day"].to_numpy(dtype=np.int64)
    resp_codes, resp_levels = ar.codes(visits["overall_response"])
    if (resp_codes < 0).any() or not pd.Series(resp_levels, dtype=object).isin(list(RANK)).all():
        raise ValueError(f"overall_response must be one of {', '.join(RANK)}")
    resp = np.array([RANK[r] for r in resp_levels], dtype=np.int64)[resp_codes]
    pct = visits["pct_from_baseline"].to_numpy(dtype=float)
    dday, n_days, _ = ar.dense_days(day)
    order = ar.sort_order(pack([patient, dday], [len(ids), n_days]))
    if order is not None:
        patient, day, resp, pct = patient[order], day[order], resp[order], pct[order]
    per = _per_patient(patient, day, resp, pct, len(ids), min_sd_days, confirmation_days, max_ne_between)
    if measurable is not None:
        m = measurable.drop_duplicates("patient_id")
        flags = m["has_measurable_target"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        measurable = (m["patient_id"].to_numpy(dtype=object), flags)
    return _assemble(ids, per, patients, measurable)
