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
  below as :data:`OVERALL_RESPONSE` and applied as a lookup table on integer response codes.
- **Measurable at baseline** (for evaluability): a non-nodal target ≥ 10 mm, or a nodal target ≥ 15 mm short axis.

How: every string column becomes integer codes (:mod:`.arrays`), rows are ordered by one packed int64 key (patient,
day, lesion), and the per-lesion, per-assessment and per-patient rules are vectorised operations on runs of equal keys
(sums and counts, a running minimum for the nadir, binary searches for lookups). Nothing loops over patients or rows,
and the string labels are built once, for the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..packing import pack
from . import arrays as ar

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

# Integer codes of the responses: the position in these tuples (NA = 0 = empty in the output). Overall codes are the
# ranks used for the best overall response (CR best = 1 … NE = 6).
TARGET_LABELS = (NA, "CR", "PR", "SD", "NE", "PD")
NONTARGET_LABELS = (NA, "CR", "NON-CR/NON-PD", "NE", "PD")
OVERALL_LABELS = (NA, "CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
_T = {k: i for i, k in enumerate(TARGET_LABELS)}
_N = {k: i for i, k in enumerate(NONTARGET_LABELS)}
_O = {k: i for i, k in enumerate(OVERALL_LABELS)}
_OVERALL_TABLE = np.zeros((len(TARGET_LABELS), len(NONTARGET_LABELS)), dtype=np.int8)
for (_t, _n), _o in OVERALL_RESPONSE.items():
    _OVERALL_TABLE[_T[_t], _N[_n]] = _O[_o]
assert (_OVERALL_TABLE > 0).all(), "every (target, non-target) combination is in the RECIST table"


def _output_labels(labels: tuple[str, ...]) -> np.ndarray:
    """Labels as an object array indexed by code, NA (code 0) as a missing value."""
    out = np.array(labels, dtype=object)
    out[0] = np.nan
    return out


@dataclass
class Visits:
    """Per-assessment responses as arrays, one entry per (patient, day > 0), sorted by patient id and day."""

    ids: np.ndarray  # object: patient id of each patient code, sorted
    patient: np.ndarray  # int32 patient code of each assessment
    day: np.ndarray  # int64
    sum_mm: np.ndarray  # float64, NaN unless every target lesion was evaluated
    pct_from_baseline: np.ndarray
    pct_from_nadir: np.ndarray
    target: np.ndarray  # int8 code into TARGET_LABELS
    nontarget: np.ndarray  # int8 code into NONTARGET_LABELS
    new_lesion: np.ndarray  # int8 0/1
    overall: np.ndarray  # int8 code into OVERALL_LABELS
    has_target: np.ndarray  # per patient code: at least one target lesion at baseline
    measurable: np.ndarray  # per patient code: a measurable target lesion at baseline

    def frame(self) -> pd.DataFrame:
        """The visit table of the output contract."""
        return pd.DataFrame({
            "patient_id": self.ids[self.patient], "day": self.day, "sum_mm": self.sum_mm,
            "pct_from_baseline": self.pct_from_baseline, "pct_from_nadir": self.pct_from_nadir,
            "target_response": _output_labels(TARGET_LABELS)[self.target],
            "nontarget_response": _output_labels(NONTARGET_LABELS)[self.nontarget],
            "new_lesion": self.new_lesion, "overall_response": np.array(OVERALL_LABELS, dtype=object)[self.overall],
        }, columns=VISIT_COLUMNS)

    def measurable_frame(self) -> pd.DataFrame:
        """patient_id → has_measurable_target, for the patients with a target lesion at baseline."""
        codes = np.flatnonzero(self.has_target)
        return pd.DataFrame({"patient_id": self.ids[codes],
                             "has_measurable_target": self.measurable[codes].astype(bool)})


@dataclass
class _Rows:
    """The measurement rows of one lesion type as codes, sorted by (patient, day, lesion)."""

    patient: np.ndarray  # int32
    day: np.ndarray  # 0-based dense day
    lesion: np.ndarray  # lesion code
    key: np.ndarray  # packed (patient, day, lesion)
    rows: np.ndarray  # positions in the measurement table


def _rows(select: np.ndarray, patient: np.ndarray, dday: np.ndarray, n_days: int, lesion: np.ndarray,
          n_patients: int, n_lesions: int) -> _Rows:
    rows = np.flatnonzero(select)
    p, d, les = patient[rows], dday[rows], lesion[rows]
    key = pack([p, d, les], [n_patients, n_days, n_lesions])
    order = ar.sort_order(key)
    if order is not None:
        rows, p, d, les, key = rows[order], p[order], d[order], les[order], key[order]
    return _Rows(p, d, les, key, rows)


def _hundredths(mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diameters in integer hundredths of a millimetre (0 where blank), so thresholds compare exactly; and blanks."""
    blank = np.isnan(mm)
    return np.where(blank, 0.0, np.rint(mm * 100)).astype(np.int64), blank


def _per_visit(visit_pos: np.ndarray, n_visits: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Count (or sum of integer ``weights``, exact below 2**53) of rows per assessment."""
    return np.bincount(visit_pos, weights=weights, minlength=n_visits)


def classify(measurements: pd.DataFrame) -> Visits:
    """Per-assessment RECIST 1.1 classification as arrays (see the module docstring for the rules)."""
    m = measurements
    patient, ids = ar.patient_codes(m["patient_id"])
    n_patients = len(ids)
    dday, n_days, day_values = ar.dense_days(m["day"].to_numpy(dtype=np.int64))
    base_window = day_values <= 0  # per dense day
    type_codes, type_levels = ar.codes(m["lesion_type"])
    lesion_codes, lesion_levels = ar.codes(m["lesion_id"])
    status_codes, status_levels = ar.codes(m["status"])
    type_of = {t: ar.level_mask(type_levels, [t])[type_codes] for t in ("target", "non_target", "new")}

    # Assessments: every distinct (patient, day > 0), sorted.
    post_rows = ~base_window[dday]
    post = np.flatnonzero(post_rows)
    visit_key = pack([patient[post], dday[post]], [n_patients, n_days])
    if ar.sort_order(visit_key) is None:
        first = ar.run_starts(visit_key)
        visit_key = visit_key[first]
    else:
        visit_key, first = np.unique(visit_key, return_index=True)
    n_visits = len(visit_key)
    v_patient = patient[post[first]]
    v_day = day_values[dday[post[first]]]
    del post, first

    # ---- target lesions: fragments T1/a, T1/b summed into T1 per (patient, lesion, day) ----
    parent, parent_levels = pd.factorize(pd.Series(lesion_levels, dtype=object).str.split("/", n=1).str[0])
    parent = np.append(parent.astype(np.int32), -1)  # lesion code −1 (missing) stays missing
    n_parents = len(parent_levels) + 1
    t = _rows(type_of["target"], patient, dday, n_days, parent[lesion_codes] + 1, n_patients, n_parents)
    d, blank = _hundredths(m["diameter_mm"].to_numpy(dtype=float)[t.rows])
    nodal = m["nodal"].to_numpy(dtype=np.float64, na_value=np.nan)[t.rows]
    nodal = np.where(nodal == 1, 1, 0).astype(np.int8)
    starts = ar.run_starts(t.key)
    if len(starts) < len(t.key):  # split lesions (or repeated rows): one value per lesion and day
        d = np.add.reduceat(d, starts) if len(d) else d
        blank = np.logical_or.reduceat(blank, starts) if len(blank) else blank
        nodal = np.maximum.reduceat(nodal, starts) if len(nodal) else nodal
        d[blank] = 0  # a blank fragment makes the whole lesion not evaluated
        lp, ld, ll = t.patient[starts], t.day[starts], t.lesion[starts]
    else:
        lp, ld, ll = t.patient, t.day, t.lesion

    # Baseline of each target lesion: its last value on or before day 0; a blank one is not a target lesion.
    in_base = base_window[ld]
    bp, bl, bd, bday, bblank, bnodal = (a[in_base] for a in (lp, ll, d, ld, blank, nodal))
    lesion_key = pack([bp, bl], [n_patients, n_parents])
    order = ar.sort_order(pack([lesion_key, bday], [n_patients * n_parents, n_days]))
    if order is not None:
        bp, bl, bd, bblank, bnodal, lesion_key = (bp[order], bl[order], bd[order], bblank[order], bnodal[order],
                                                  lesion_key[order])
    last = ar.run_ends(lesion_key)
    last = last[~bblank[last]]
    base_key, base_patient, base_d, base_nodal = lesion_key[last], bp[last], bd[last], bnodal[last]
    n_base = np.bincount(base_patient, minlength=n_patients)
    base_sum = np.zeros(n_patients, dtype=np.int64)
    pstarts = ar.run_starts(base_patient)
    if len(pstarts):
        base_sum[base_patient[pstarts]] = np.add.reduceat(base_d, pstarts)
    ok = np.where(base_nodal == 1, base_d >= 1500, base_d >= 1000)
    measurable = np.zeros(n_patients, dtype=bool)
    if len(pstarts):
        measurable[base_patient[pstarts]] = np.logical_or.reduceat(ok, pstarts)
    has_target = n_base > 0

    # Every baseline target lesion at every assessment: sums and counts over the rows that exist; a lesion without
    # a row, or with a blank diameter, is not evaluated.
    after = ~in_base
    lp, ld, ll, d, blank = lp[after], ld[after], ll[after], d[after], blank[after]
    hit, where = ar.lookup(pack([lp, ll], [n_patients, n_parents]), base_key)
    lp, ld, d, blank, lnodal = lp[hit], ld[hit], d[hit], blank[hit], base_nodal[where[hit]]
    pos = ar.positions(pack([lp, ld], [n_patients, n_days]), visit_key)
    evaluated = ~blank
    cr_lesion = np.where(lnodal == 1, d < 1000, d == 0) & evaluated
    measured = _per_visit(pos, n_visits, d.astype(np.float64)).astype(np.int64)
    n_evaluated = _per_visit(pos, n_visits, evaluated.astype(np.float64)).astype(np.int64)
    n_cr = _per_visit(pos, n_visits, cr_lesion.astype(np.float64)).astype(np.int64)

    tv = np.flatnonzero(has_target[v_patient])  # assessments of patients with target disease
    s = measured[tv]
    b = base_sum[v_patient[tv]]
    nb = n_base[v_patient[tv]]
    complete = n_evaluated[tv] == nb
    # Nadir before each assessment: the baseline sum and every earlier complete assessment's sum.
    none = int(max(s.max(initial=0), b.max(initial=0))) + 1  # 'no earlier complete assessment'
    running = ar.segment_cummin(np.where(complete, s, none), v_patient[tv])
    previous = np.empty_like(running)
    if len(previous):
        previous[0] = none
        previous[1:] = running[:-1]
        previous[ar.run_starts(v_patient[tv])] = none
    nadir = np.minimum(previous, b)
    is_pd = (100 * s >= 120 * nadir) & (s - nadir >= 500)
    is_cr = (n_cr[tv] == nb) & complete
    is_pr = 100 * s <= 70 * b
    t_code = np.zeros(n_visits, dtype=np.int8)
    t_code[tv] = np.select([is_pd, ~complete, is_cr, is_pr], [_T["PD"], _T["NE"], _T["CR"], _T["PR"]],
                           default=_T["SD"])
    sum_mm = np.full(n_visits, np.nan)
    pct_base = np.full(n_visits, np.nan)
    pct_nadir = np.full(n_visits, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sum_mm[tv] = np.where(complete, s / 100.0, np.nan)
        pct_base[tv] = np.where(complete & (b > 0), 100.0 * (s - b) / b, np.nan)
        pct_nadir[tv] = np.where(complete & (nadir > 0), 100.0 * (s - nadir) / nadir, np.nan)

    # ---- non-target lesions (lesion ids as given) ----
    nt = _rows(type_of["non_target"], patient, dday, n_days, lesion_codes + 1, n_patients, len(lesion_levels) + 1)
    in_base = base_window[nt.day]
    nt_lesion_key = pack([nt.patient, nt.lesion], [n_patients, len(lesion_levels) + 1])
    nt_base, first = np.unique(nt_lesion_key[in_base], return_index=True)
    n_nt_base = np.bincount(nt.patient[in_base][first], minlength=n_patients)
    after = ~in_base
    nstatus = status_codes[nt.rows[after]]
    pos = ar.positions(pack([nt.patient[after], nt.day[after]], [n_patients, n_days]), visit_key)
    progression_level = ar.level_mask(status_levels, ["progression"])
    absent_level = ar.level_mask(status_levels, ["absent"])
    n_progression = _per_visit(pos[progression_level[nstatus]], n_visits)
    hit, _ = ar.lookup(nt_lesion_key[after], nt_base)
    first = np.ones(len(hit), dtype=bool)  # first row of its (patient, day, lesion): counts the lesion once
    if len(first):
        k = nt.key[after]
        first[1:] = k[1:] != k[:-1]
    n_seen = _per_visit(pos[hit & first], n_visits)
    n_blank = _per_visit(pos[hit & (nstatus < 0)], n_visits)
    n_not_absent = _per_visit(pos[hit & ~absent_level[nstatus]], n_visits)
    has_nt = n_nt_base[v_patient] > 0
    missing = (n_seen < n_nt_base[v_patient]) | (n_blank > 0)
    n_code = np.select([~has_nt, n_progression > 0, missing, n_not_absent == 0],
                       [_N[NA], _N["PD"], _N["NE"], _N["CR"]], default=_N["NON-CR/NON-PD"]).astype(np.int8)

    # ---- new lesions ----
    new_rows = np.flatnonzero(type_of["new"] & post_rows)
    seen = ar.level_mask(status_levels, ["present", "progression"])[status_codes[new_rows]] | \
        (m["diameter_mm"].to_numpy(dtype=float)[new_rows] > 0)
    new_rows = new_rows[seen]
    new_lesion = np.zeros(n_visits, dtype=np.int8)
    hit, where = ar.lookup(pack([patient[new_rows], dday[new_rows]], [n_patients, n_days]), visit_key)
    new_lesion[where[hit]] = 1

    overall = np.where(new_lesion == 1, _O["PD"], _OVERALL_TABLE[t_code, n_code]).astype(np.int8)
    return Visits(ids, v_patient, v_day, sum_mm, pct_base, pct_nadir, t_code, n_code, new_lesion, overall,
                  has_target, measurable)


def classify_visits(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per-assessment RECIST 1.1 classification (see the module docstring for the rules)."""
    return classify(measurements).frame()


def measurable_at_baseline(measurements: pd.DataFrame) -> pd.DataFrame:
    """patient_id → has_measurable_target: a non-nodal target ≥ 10 mm or a nodal target ≥ 15 mm at baseline."""
    return classify(measurements).measurable_frame()


def overall_response(target: pd.Series, nontarget: pd.Series, new_lesion: pd.Series) -> np.ndarray:
    """Apply :data:`OVERALL_RESPONSE` (RECIST 1.1 Tables 1 and 2); a new lesion is PD whatever the rest."""
    lookup = pd.Series(OVERALL_RESPONSE)
    keys = pd.MultiIndex.from_arrays([target.fillna(NA).to_numpy(), nontarget.fillna(NA).to_numpy()])
    looked = lookup.reindex(keys).to_numpy()
    if pd.isna(looked).any():  # pragma: no cover - every combination is in the table
        raise ValueError("response combination missing from the RECIST table")
    return np.where(new_lesion.to_numpy() == 1, "PD", looked)


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
