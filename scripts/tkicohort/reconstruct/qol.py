"""Quality-of-life questionnaires (EORTC QLQ-C30 items) of simulated cohorts (spec ``qol``).

1. **Subscale raw sums** per arm, conditioned on what the publication prints for each subscale: median and range
   (exact order-statistic conditioning) and the Mann–Whitney p between the arms (the search and chain of
   :mod:`.samples`), from a normal law centred on the printed median with SD range / 4, on the integers the items
   allow. A printed value the items cannot reach (a range beyond the subscale's maximum) is replaced by the nearest
   reachable one, and the report says so.
2. **Who has which sums**: the subscales of one patient are tied by a Gaussian copula: a latent QoL level per
   patient, and each subscale's values are given to the patients in the order of that level plus noise, with
   correlation ``correlation`` (a fixed choice, typical of QLQ-C30 scales) — positive for the functional and
   symptom sums (raw item scores: higher is worse) and negative for the global items (higher is better).
3. **Items** within a subscale: every item starts at 1 and the remaining points of the sum are added one at a time
   to a random item with room, item weights drawn per patient (Dirichlet), so items of one subscale differ as
   answers do, never beyond their range.

The questionnaire is dated at the patient's first scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..stats.qol import ITEM_MAX, TEHRAN_RAW_SUBSCALES
from .samples import Printed, condition_on_summaries, order_statistic_draw

LAYOUTS = {"tehran": TEHRAN_RAW_SUBSCALES}


def layout(study) -> dict[str, list[int]]:
    return LAYOUTS[study.spec["qol"]["layout"]]


def draw_subscales(study, columns: dict, rng: np.random.Generator, search_steps: int = 6000,
                   chain_steps: int = 1500) -> dict[str, np.ndarray]:
    """Raw subscale sums (members × slots) of every subscale the spec lists, added to ``columns`` as
    ``qol_<scale>``; returns the conditioning loss per subscale and member."""
    spec = study.spec["qol"]
    items = layout(study)
    members = columns["course"].shape[0]
    arms = list(dict.fromkeys(study.arm.tolist()))
    slots = [np.flatnonzero(study.arm == a) for a in arms]
    latent = rng.standard_normal((members, study.n))
    rho = float(spec.get("correlation", 0.4))
    report = {}
    for scale, entry in spec["scales"].items():
        its = items[scale]
        lo, hi = len(its), sum(ITEM_MAX[i] for i in its)
        samples, dists, targets, bounds = [], [], [], []
        for arm, idx in zip(arms, slots, strict=True):
            summ = {k: study.printed(v) for k, v in entry[arm].items()}
            summ = {k: Printed(min(max(v.value, lo), hi), v.decimals, v.exact) for k, v in summ.items()}
            med = summ.get("median").value if "median" in summ else (lo + hi) / 2
            spread = max((summ["range_max"].value - summ["range_min"].value) / 4, 0.5) if "range_max" in summ \
                else (hi - lo) / 4
            dist = stats.norm(med, spread)
            anchors = {k: v.value for k, v in summ.items() if k in ("median", "range_min", "range_max")}
            samples.append(order_statistic_draw(dist, len(idx), members, 1.0, (lo, hi), anchors, None, rng))
            dists.append(dist)
            targets.append(summ)
            bounds.append((anchors.get("range_min", lo), anchors.get("range_max", hi)))
        x = np.concatenate(samples, axis=1)
        label = np.concatenate([np.full(len(idx), g) for g, idx in enumerate(slots)])
        p_target = study.printed(entry["p"]) if entry.get("p") else None
        # group 1 vs group 0 in the Mann-Whitney helper: the first arm is group 0
        x, loss = condition_on_summaries(x, label, dists, targets, p_target, 1.0, bounds, rng,
                                         search_steps=search_steps, chain_steps=chain_steps)
        sign = -1.0 if scale == "global_function" else 1.0
        values = np.full((members, study.n), np.nan)
        start = 0
        for idx in slots:
            part = np.sort(x[:, start:start + len(idx)], axis=1)
            start += len(idx)
            score = sign * rho * latent[:, idx] + np.sqrt(1 - rho ** 2) * rng.standard_normal((members, len(idx)))
            ranks = np.argsort(np.argsort(score, axis=1), axis=1)
            values[:, idx] = np.take_along_axis(part, ranks, 1)
        columns[f"qol_{scale}"] = values
        report[scale] = loss
    return report


def allocate_items(total: np.ndarray, n_items: int, item_max: int, rng: np.random.Generator) -> np.ndarray:
    """Item scores (patients × items) in 1..item_max adding up to ``total`` per patient, points added one at a
    time to a random item with room (Dirichlet item weights per patient)."""
    total = np.asarray(total, dtype=int)
    x = np.ones((len(total), n_items), dtype=int)
    weights = rng.dirichlet(np.ones(n_items), size=len(total))
    left = total - n_items
    for _ in range(int(left.max(initial=0))):  # at most (item_max − 1) × items rounds, every patient at once
        room = (x < item_max) & (left > 0)[:, None]
        w = np.where(room, weights, 0.0)
        s = w.sum(axis=1)
        active = s > 0
        if not active.any():
            break
        u = rng.random(len(total)) * s
        pick = np.argmax(np.cumsum(w, axis=1) > u[:, None], axis=1)
        x[np.flatnonzero(active), pick[active]] += 1
        left = left - active
    return x


def qol_frame(study, col: dict, crs, ids: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One questionnaire per patient, dated at the first scan."""
    items = layout(study)
    n = study.n
    answers = np.zeros((n, 30), dtype=int)
    for scale, its in items.items():
        key = f"qol_{scale}"
        if key not in col:
            continue
        x = allocate_items(np.asarray(col[key], dtype=float), len(its), ITEM_MAX[its[0]], rng)
        answers[:, [i - 1 for i in its]] = x
    day = crs.scans[:, 0]
    frame = pd.DataFrame(answers, columns=[f"q{i}" for i in range(1, 31)])
    frame.insert(0, "day", np.nan_to_num(day, nan=0).astype(int))
    frame.insert(0, "patient_id", ids)
    return frame.sort_values("patient_id", kind="mergesort").reset_index(drop=True)
