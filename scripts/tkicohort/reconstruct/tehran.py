"""Design of the reconstructed Tehran cohort (low-dose sorafenib vs matched controls, 22 + 23 patients).

What the publication prints and how each part is reconstructed:

- **Counts** (sex, ATA risk, number of RAI courses, metastasis pattern, response) per arm are met exactly by
  construction; how they combine within a patient is not printed and is a fixed shuffle.
- **Continuous baseline summaries** (age mean ± SD; cumulative RAI activity and primary Tg: mean ± SD, median,
  range) and the Mann–Whitney p between arms: integer samples found by :mod:`.summary_fit`. Age: the printed
  p = 0.280 is not reachable by a t-test from the printed means and SDs (≈ 0.18 whatever the data), so age is
  fitted to mean ± SD only.
- **PFS**: the publication counts progression as a response category, so the patients with response PD (5 and
  12) are the PFS events and everyone else is censored at the end of the 2-year follow-up (day 731 = 24.0 months).
  The event days are searched so that the printed medians and ranges (24, 10–24 and 22, 6–24 months: medians of the
  PFS times, which for the controls equal the Kaplan–Meier median) and the Mann–Whitney p = 0.020 on PFS times come
  out; the log-rank p is fitted too, as a secondary target, since the text's p = 0.020 may be either.
- **QoL** (Table 3): raw-sum subscales per arm with printed median, range and Mann–Whitney p, then the pairing of
  subscale values within patients is searched so that the "sum of the scores" meets its own median, range and p;
  items are the subscale sums spread evenly over the subscale's items. The control financial range is printed up
  to 8, which one item scored 1–4 cannot reach: 4 is used (recorded as a conflict in the published YAML).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stats.baseline import mann_whitney
from ..stats.qol import ITEM_MAX, TEHRAN_RAW_SUBSCALES
from .summary_fit import SampleSpec, Target, fit_two_samples, sample_loss, sample_report
from .survival_fit import anneal, split_statistics

ARMS = ("sorafenib", "control")
N = {"sorafenib": 22, "control": 23}
DAYS_PER_MONTH = 30.4375
FOLLOWUP_DAY = 731  # 24.0 months
QOL_SCALES = [s for s in TEHRAN_RAW_SUBSCALES if s != "sum_of_scores"]
# published id stem of each raw subscale
QOL_IDS = {"physical_function": "physical", "role_function": "role", "symptom_scale": "symptom",
           "cognitive_function": "cognitive", "emotional_function": "emotional", "social_function": "social",
           "financial_function": "financial", "global_function": "global", "sum_of_scores": "sum"}


def _t(published: dict, key: str) -> Target:
    """The printed target of ``key``; medians and ranges of integer data are exact (a median 15 is not 14.5)."""
    entry = published[key]
    exact = entry["statistic"] in ("median", "range_min", "range_max") and not key.startswith("t2_pfs")
    return Target(float(entry["value"]), int(entry["precision"]), exact)


def p_mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    return mann_whitney(a, b)["p"]


@dataclass
class Design:
    baseline: dict[str, dict[str, np.ndarray]]  # variable → arm → sorted sample
    pfs_days: dict[str, np.ndarray]  # arm → event days of the PD patients
    qol: dict[str, np.ndarray]  # arm → (n, scales) raw subscale sums, rows = patients
    report: list[dict]


def fit_baseline(published: dict, seed: int, iterations: int) -> tuple[dict, list[dict]]:
    specs = {
        "age_years": ({arm: SampleSpec(N[arm], 30, 89, 1, _t(published, f"t1_age_{arm}_mean"),
                                       _t(published, f"t1_age_{arm}_sd")) for arm in ARMS}, None),
        "cumulative_rai_mci": ({arm: SampleSpec(N[arm], 100, 2000, 25, *(_t(published, f"t1_cum_rai_{arm}_{s}")
                                                                        for s in ("mean", "sd", "median", "min",
                                                                                  "max"))) for arm in ARMS},
                               _t(published, "t1_cum_rai_p")),
        "tg_baseline": ({arm: SampleSpec(N[arm], 0, 400, 1, *(_t(published, f"t1_tg_{arm}_{s}")
                                                              for s in ("mean", "sd", "median", "min", "max")))
                         for arm in ARMS}, _t(published, "t1_tg_p")),
    }
    samples, report = {}, []
    for k, (name, (spec, p_target)) in enumerate(specs.items()):
        a, b, _ = fit_two_samples(spec["sorafenib"], spec["control"], p_target, p_mann_whitney, seed + k, iterations)
        samples[name] = {"sorafenib": a, "control": b}
        report += sample_report(name, samples[name], spec, p_target,
                                p_mann_whitney(a, b) if p_target else None)
    return samples, report


def _pfs_times(days: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """arm → (months, event) of every patient: the PD patients' event days, the others censored at follow-up."""
    out = {}
    for arm in ARMS:
        ev = np.sort(days[arm])
        months = np.r_[ev, np.full(N[arm] - len(ev), FOLLOWUP_DAY)] / DAYS_PER_MONTH
        out[arm] = (months, np.r_[np.ones(len(ev)), np.zeros(N[arm] - len(ev))])
    return out


def pfs_statistics(days: dict[str, np.ndarray]) -> dict[str, float]:
    t = _pfs_times(days)
    stats = {}
    for arm in ARMS:
        months = t[arm][0]
        stats |= {f"{arm}_median": float(np.median(months)), f"{arm}_min": float(months.min()),
                  f"{arm}_max": float(months.max())}
    stats["mann_whitney_p"] = p_mann_whitney(t["sorafenib"][0], t["control"][0])
    time = np.r_[t["sorafenib"][0], t["control"][0]]
    event = np.r_[t["sorafenib"][1], t["control"][1]]
    group = np.r_[np.ones(N["sorafenib"]), np.zeros(N["control"])]
    # the fast log-rank of the survival search (equal to tkicohort.stats.cox.logrank_test; tested)
    stats["logrank_p"] = float(split_statistics(time, event, group[:, None], np.ones((len(time), 1)))[2][0])
    return stats


def pfs_targets(published: dict) -> dict[str, Target]:
    targets = {f"{arm}_{s}": _t(published, f"t2_pfs_{arm}_{s}") for arm in ARMS for s in ("median", "min", "max")}
    return targets | {"mann_whitney_p": _t(published, "t2_pfs_p"), "logrank_p": _t(published, "txt_pfs_p")}


def fit_pfs(published: dict, n_events: dict[str, int], seed: int, iterations: int) -> dict[str, np.ndarray]:
    targets = pfs_targets(published)
    weight = {"logrank_p": 0.2}
    rng = np.random.default_rng(seed)

    def loss(days):
        got = pfs_statistics(days)
        return sum(weight.get(k, 1.0) * t.distance(got[k]) for k, t in targets.items())

    def propose(days, rng):
        arm = ARMS[int(rng.random() < 0.5)]
        x = days[arm].copy()
        i = rng.integers(len(x))
        x[i] = np.clip(x[i] + rng.integers(-45, 46), 150, FOLLOWUP_DAY - 1)
        return {**days, arm: x}

    start = {arm: np.sort(rng.integers(183, 700, n_events[arm])) for arm in ARMS}
    best, _ = anneal(start, propose, loss, iterations, rng, t_start=1.0, t_end=1e-3)
    return {arm: np.sort(best[arm]) for arm in ARMS}


def qol_specs(published: dict, scale: str) -> tuple[dict[str, SampleSpec], Target]:
    items = TEHRAN_RAW_SUBSCALES[scale]
    lo, hi = len(items), sum(ITEM_MAX[i] for i in items)
    stem = QOL_IDS[scale]
    specs = {}
    for arm in ARMS:
        top = _t(published, f"t3_{stem}_{arm}_max")
        specs[arm] = SampleSpec(N[arm], lo, hi, 1, median=_t(published, f"t3_{stem}_{arm}_median"),
                                minimum=_t(published, f"t3_{stem}_{arm}_min"),
                                maximum=Target(min(top.value, hi), top.decimals, True))  # infeasible max → nearest
    return specs, _t(published, f"t3_{stem}_p")


def fit_qol(published: dict, seed: int, iterations: int) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Subscale samples per arm, then a pairing of them within patients that fits the sum of the scores."""
    columns, report = {arm: [] for arm in ARMS}, []
    for k, scale in enumerate(QOL_SCALES):
        specs, p_target = qol_specs(published, scale)
        a, b, _ = fit_two_samples(specs["sorafenib"], specs["control"], p_target, p_mann_whitney, seed + k,
                                  iterations)
        columns["sorafenib"].append(a)
        columns["control"].append(b)
        report += sample_report(scale, {"sorafenib": a, "control": b}, specs, p_target, p_mann_whitney(a, b))
    matrix = {arm: np.column_stack(columns[arm]) for arm in ARMS}
    sum_specs, sum_p = qol_specs(published, "sum_of_scores")
    rng = np.random.default_rng(seed + 100)

    def loss(m):
        totals = {arm: m[arm].sum(axis=1) for arm in ARMS}
        return (sample_loss(totals["sorafenib"], sum_specs["sorafenib"]) + sample_loss(totals["control"],
                sum_specs["control"]) + sum_p.distance(p_mann_whitney(totals["sorafenib"], totals["control"])))

    def propose(m, rng):  # swap two patients' values of one subscale: the subscale summaries do not change
        arm = ARMS[int(rng.random() < 0.5)]
        x = m[arm].copy()
        j = rng.integers(x.shape[1])
        a, b = rng.choice(x.shape[0], 2, replace=False)
        x[[a, b], j] = x[[b, a], j]
        return {**m, arm: x}

    best, _ = anneal(matrix, propose, loss, iterations, rng, t_start=1.0, t_end=1e-3)
    totals = {arm: best[arm].sum(axis=1) for arm in ARMS}
    report += sample_report("sum_of_scores", totals, sum_specs, sum_p,
                            p_mann_whitney(totals["sorafenib"], totals["control"]))
    return best, report


def fit_design(published: dict, n_events: dict[str, int], seed: int = 1399, iterations: int = 20000) -> Design:
    baseline, report = fit_baseline(published, seed, iterations)
    days = fit_pfs(published, n_events, seed + 10, iterations)
    got = pfs_statistics(days)
    report += [{"variable": "pfs_months", "group": key.split("_")[0] if key.startswith(ARMS) else "both",
                "statistic": key, "target": t.value, "achieved": got[key], "met": t.met(got[key])}
               for key, t in pfs_targets(published).items()]
    qol, qol_report = fit_qol(published, seed + 20, iterations)
    return Design(baseline, days, qol, report + qol_report)
