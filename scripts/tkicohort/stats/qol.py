"""EORTC QLQ-C30 version 3.0: scale scores, summary score and raw-sum subscales.

Rules of the EORTC QLQ-C30 Scoring Manual (Fayers et al., 3rd edition, EORTC 2001), as applied here:

- Items q1–q28 are answered on a 4-point scale (1 "not at all" … 4 "very much"), items q29–q30 on a 7-point scale
  (1 "very poor" … 7 "excellent"). The *range* of an item is its largest minus its smallest possible response:
  3 for q1–q28, 6 for q29–q30.
- Version 3.0 has 15 scales (:data:`QLQ_C30_SCALES`): global health status/QoL (QL2, items 29–30), five functional
  scales (PF2 1–5, RF2 6–7, EF 21–24, CF 20 and 25, SF 26–27) and nine symptom scales or single items (FA 10, 12, 18;
  NV 14–15; PA 9 and 19; DY 8; SL 11; AP 13; CO 16; DI 17; FI 28). The "2" of PF2, RF2 and QL2 marks the version-3.0
  definitions (PF2 uses all five physical items on the 4-point scale, RF2 both role items).
- Raw score: RS = mean of the scale's items.
- Linear transformation to 0–100:
  functional scales S = (1 − (RS − 1) / range) × 100 (higher = better functioning);
  symptom scales and global health status S = ((RS − 1) / range) × 100 (symptom: higher = more symptoms;
  QL2: higher = better health status).
- Missing items: when at least half of a scale's items are answered, the missing ones are taken to equal the mean of
  the answered ones, which is the same as RS = mean of the answered items. With fewer than half answered the scale
  is missing. So a 2-item scale needs 1 answer, a 3-item scale 2, a 4-item scale 2, a 5-item scale 3; a single-item
  scale is missing when its item is. No other imputation is done.

QLQ-C30 summary score (Giesinger et al., J Clin Epidemiol 2016;69:79–88): the mean of 13 of the 15 scale scores —
PF2, RF2, EF, CF, SF as they are and FA, NV, PA, DY, SL, AP, CO, DI reversed as 100 − S. QL2 and FI are not part of
it. Missing data: following the EORTC's scoring note for the summary score, it is computed only when all 13 component
scale scores are available (each of them under the half rule above); otherwise it is missing.

Exact arithmetic: every score is a rational number, and two questionnaires whose scores are equal on paper must get
equal floating-point scores, or a rank test (Mann–Whitney) sees a difference in the 16th digit where there is a tie.
So scores are computed in integers: a scale score as an integer count of 1/180 points (180 is the least common
multiple of every possible number of answered items times the item range, so the count is exact), the summary score
as an integer count of 1/(13 · 180) points, and each is divided once at the end. A single division of exact integers
is correctly rounded, so equal rationals always give the same float.

Raw-sum subscales (:func:`raw_sum_subscales`): some publications report plain sums of item responses instead of the
manual's 0–100 scores. A sum is missing when any of its items is missing (no imputation, because a sum over fewer
items is on a different scale). Items keep their own direction: for q1–q28 a higher sum means more problems, for
q29–q30 a higher sum means better health.

:data:`TEHRAN_RAW_SUBSCALES` reproduces the layout of the Tehran low-dose sorafenib study's QoL table (Table 3: eight
subscales plus "Sum of the scores", each with a stated maximum, reported as median (range) of raw sums). The paper
does not list the items of each subscale; they are taken to be the manual's item groups, which reproduce its
maxima: physical 5 items (max 20), role 2 (8), symptom = the 12 items of the eight symptom scales, items 8–19
(48), cognitive 2 (8), emotional 4, social 2 (8), financial = item 28 (4), global = items 29–30 (14), and the sum of
all 30 items (126). Two of the table's figures contradict each other: the emotional maximum is printed as 14 while
four items give 16 (the printed total 126 only adds up with 16, and a reported emotional value of 15 exceeds 14);
and a reported financial range reaches 8 while a single item cannot exceed 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Number of items of the QLQ-C30.
N_ITEMS = 30
#: Largest allowed response of each item (the smallest is always 1).
ITEM_MAX: dict[int, int] = {i: (4 if i <= 28 else 7) for i in range(1, N_ITEMS + 1)}
#: Identifier columns carried from the input to the output when present.
ID_COLUMNS = ("patient_id", "day")
KINDS = ("global", "functional", "symptom")


@dataclass(frozen=True)
class Scale:
    """One QLQ-C30 scale: manual abbreviation, label, kind, item numbers and item range."""

    name: str
    label: str
    kind: str
    items: tuple[int, ...]
    item_range: int

    @property
    def column(self) -> str:
        """Output column name (lower-case abbreviation)."""
        return self.name.lower()


QLQ_C30_SCALES: tuple[Scale, ...] = (
    Scale("QL2", "Global health status/QoL", "global", (29, 30), 6),
    Scale("PF2", "Physical functioning", "functional", (1, 2, 3, 4, 5), 3),
    Scale("RF2", "Role functioning", "functional", (6, 7), 3),
    Scale("EF", "Emotional functioning", "functional", (21, 22, 23, 24), 3),
    Scale("CF", "Cognitive functioning", "functional", (20, 25), 3),
    Scale("SF", "Social functioning", "functional", (26, 27), 3),
    Scale("FA", "Fatigue", "symptom", (10, 12, 18), 3),
    Scale("NV", "Nausea and vomiting", "symptom", (14, 15), 3),
    Scale("PA", "Pain", "symptom", (9, 19), 3),
    Scale("DY", "Dyspnoea", "symptom", (8,), 3),
    Scale("SL", "Insomnia", "symptom", (11,), 3),
    Scale("AP", "Appetite loss", "symptom", (13,), 3),
    Scale("CO", "Constipation", "symptom", (16,), 3),
    Scale("DI", "Diarrhoea", "symptom", (17,), 3),
    Scale("FI", "Financial difficulties", "symptom", (28,), 3),
)

#: Scales of the summary score (Giesinger et al. 2016); symptom scales enter as 100 − S.
SUMMARY_SCALES: tuple[str, ...] = ("PF2", "RF2", "EF", "CF", "SF", "FA", "NV", "PA", "DY", "SL", "AP", "CO", "DI")
SUMMARY_COLUMN = "summary_score"

#: Layout of the Tehran study's QoL table (raw sums; see the module docstring for the item assumption).
TEHRAN_RAW_SUBSCALES: dict[str, list[int]] = {
    "physical_function": [1, 2, 3, 4, 5],
    "role_function": [6, 7],
    "symptom_scale": list(range(8, 20)),
    "cognitive_function": [20, 25],
    "emotional_function": [21, 22, 23, 24],
    "social_function": [26, 27],
    "financial_function": [28],
    "global_function": [29, 30],
    "sum_of_scores": list(range(1, N_ITEMS + 1)),
}


def _fmt(value) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _item_matrix(items: pd.DataFrame, numbers) -> np.ndarray:
    """Validated responses of the given items as a float matrix (rows × items), NaN = not answered.

    Raises ValueError naming every offending column and its first offending value: a missing column, a value
    that is not a number, not a whole number, or outside 1..max of the item.
    """
    numbers = list(numbers)
    unknown = [i for i in numbers if i not in ITEM_MAX]
    if unknown:
        raise ValueError(f"QLQ-C30 has items 1–{N_ITEMS}; unknown item number(s): {unknown}")
    absent = [f"q{i}" for i in numbers if f"q{i}" not in items.columns]
    if absent:
        raise ValueError(f"QLQ-C30 item column(s) missing: {', '.join(absent)}")
    out = np.full((len(items), len(numbers)), np.nan)
    problems = []
    for j, i in enumerate(numbers):
        col = f"q{i}"
        raw = items[col]
        num = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy()
        given = raw.notna().to_numpy()
        with np.errstate(invalid="ignore"):
            bad = given & (np.isnan(num) | (num < 1) | (num > ITEM_MAX[i]) | (num != np.round(num)))
        if bad.any():
            value = raw[bad].iloc[0]
            problems.append(f"column '{col}': value '{_fmt(value)}' is not a valid response "
                            f"(expected a whole number from 1 to {ITEM_MAX[i]}, or blank)")
        out[:, j] = num
    if problems:
        raise ValueError("; ".join(problems))
    return out


def _id_frame(items: pd.DataFrame) -> pd.DataFrame:
    return items[[c for c in ID_COLUMNS if c in items.columns]].copy()


#: Scores are counted in units of 1/SCORE_UNITS points: the least common multiple of (answered items × item range)
#: over every scale and every number of answered items, so that a scale score is a whole number of units.
SCORE_UNITS = math.lcm(*(a * s.item_range for s in QLQ_C30_SCALES for a in range(1, len(s.items) + 1)))


def _scale_units(block: np.ndarray, scale: Scale) -> np.ndarray:
    """0–100 score of one scale from its item block (rows × scale items), with the half rule, as an exact integer
    number of 1/SCORE_UNITS points (float array: NaN where the scale is missing).

    S = 100 · (t − a) / (a · range) for symptom scales and QL2 (t = sum of the a answered items: (RS − 1)/range with
    RS = t/a), and 100 minus that for functional scales."""
    answered = (~np.isnan(block)).sum(axis=1).astype(np.int64)
    total = np.nansum(block, axis=1).astype(np.int64)
    scored = 2 * answered >= len(scale.items)
    denominator = np.maximum(answered, 1) * scale.item_range
    units = 100 * SCORE_UNITS * (total - answered) // denominator  # exact: denominator divides SCORE_UNITS
    if scale.kind == "functional":
        units = 100 * SCORE_UNITS - units
    return np.where(scored, units, np.nan)


def score_qlq_c30(items: pd.DataFrame) -> pd.DataFrame:
    """Scale scores (0–100) and summary score of each questionnaire (one row per input row).

    ``items`` holds q1 … q30 (NaN/blank = not answered) and usually patient_id and day. The output keeps the
    input's index and row order: patient_id and day (when present), one column per scale in
    :data:`QLQ_C30_SCALES` order (``ql2``, ``pf2``, ``rf2``, ``ef``, ``cf``, ``sf``, ``fa``, ``nv``, ``pa``,
    ``dy``, ``sl``, ``ap``, ``co``, ``di``, ``fi``), then ``summary_score``. Values are not rounded; they are computed
    exactly (see the module docstring), so scores that are equal on paper are equal floats.
    """
    values = _item_matrix(items, range(1, N_ITEMS + 1))
    out = _id_frame(items)
    units: dict[str, np.ndarray] = {}
    for scale in QLQ_C30_SCALES:
        block = values[:, [i - 1 for i in scale.items]]
        units[scale.name] = _scale_units(block, scale)
        out[scale.column] = units[scale.name] / SCORE_UNITS
    kind = {s.name: s.kind for s in QLQ_C30_SCALES}
    components = np.column_stack([units[name] if kind[name] == "functional" else 100 * SCORE_UNITS - units[name]
                                  for name in SUMMARY_SCALES])
    # whole numbers below 2**53 added in float64 stay exact; the plain sum is NaN as soon as one component is NaN:
    # the summary needs all 13 scales
    out[SUMMARY_COLUMN] = components.sum(axis=1) / (len(SUMMARY_SCALES) * SCORE_UNITS)
    return out


def raw_sum_subscales(items: pd.DataFrame, definitions: dict[str, list[int]]) -> pd.DataFrame:
    """Plain sums of item responses per named subscale.

    ``definitions`` maps an output column name to item numbers (1–30), e.g. :data:`TEHRAN_RAW_SUBSCALES`. A sum is
    NaN when any of its items is missing. The output keeps the input's index: patient_id and day (when present),
    then one column per definition, in the order given.
    """
    if not definitions:
        raise ValueError("no subscale definitions given")
    for name, numbers in definitions.items():
        if len(numbers) == 0:
            raise ValueError(f"subscale '{name}' has no items")
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"subscale '{name}' lists an item more than once: {list(numbers)}")
    used = sorted({i for numbers in definitions.values() for i in numbers})
    values = _item_matrix(items, used)
    position = {i: j for j, i in enumerate(used)}
    out = _id_frame(items)
    for name, numbers in definitions.items():
        # np.sum propagates NaN: any missing item makes the sum missing
        out[name] = values[:, [position[i] for i in numbers]].sum(axis=1)
    return out


def raw_sum_maxima(definitions: dict[str, list[int]]) -> dict[str, int]:
    """Largest possible raw sum of each subscale (sum of the items' maximum responses)."""
    return {name: sum(ITEM_MAX[i] for i in numbers) for name, numbers in definitions.items()}
