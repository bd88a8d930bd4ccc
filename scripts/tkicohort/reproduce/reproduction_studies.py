"""Where each published number of a study is found in the pipeline's outputs (resolvers; see reproduction.py).

One :class:`~.reproduction.Study` per ``resources/studies/<study>/published.yaml``, registered in ``STUDIES`` under the
YAML's ``study``. A study lists its populations as queries on the analysis dataset and, per published table, a
:class:`~.reproduction.Resolver`: printed row label → source. Adding a publication = adding its ``Study`` here; the
helpers (``_with_share``, ``_base``, ``_eff``, …) and the ``Compute`` functions are shared.

Reading decisions for Ling et al. 2023 (``zhujiang_2023``), beyond those in resources/studies/README.md:

- Table 1 "Target lesions": the organ of a patient's baseline target lesions, or of the baseline non-target lesions
  for the patient without a measurable target (the four printed counts add up to all 31 treated patients);
- follow-up (text, abstract, discussion): days from the first dose to the last contact (``followup_days``), in
  months; "for adverse events" over all treated patients, otherwise over the evaluable ones;
- "Disease control lasting ≥ 12 / ≥ 24 months": PFS of the patients with disease control, as the Table 2 bands;
- "Progression by new metastases rather than target-lesion growth": evaluable patients whose first PD assessment
  has a new lesion and no target-lesion progression (``recist/visits.csv``); Figure 1's "patients with new
  lesions": a new lesion at any assessment;
- durations of adverse events: end_day − onset_day, per patient the longest event of the term, in months;
- dose reductions "because of" an event: ``doses.csv`` rows whose reason names the event; "dose reduced because of
  adverse events" (all treated) and "dose reduction and drug withdrawal" (discussion, evaluable): ``dose_modified``;
- Table 4 "Disease control" / "Objective response" p-values: log-rank test of PFS by DCR / ORR, computed with the
  package's ``pfs_by_subgroup`` (the plan has no such subgroup, so no table carries them);
- "Documented progression at end of follow-up" (eleven): the evaluable patients whose PFS ended with progression or
  death during follow-up, as the words say; the paper's own median PFS of 16.5 months needs at least 13 such events,
  so a cohort consistent with the paper's survival numbers contradicts the eleven;
- Figure 4's typical cases (lung-only partial responders shown at 28, 46 and 17 months of treatment): the time of
  the scan, among the scans of lung-only partial responders still in response (CR or PR), nearest the printed time —
  a cohort without such a patient followed that long in response contradicts the case;
- Figure 1's partial responder whose thyroglobulin fell by 91.4 %: the best thyroglobulin decrease of a partial
  responder nearest the printed value.
- calendar dates (the study period, the typical cases' dates of diagnosis and scan, the article's dates) are not
  reproducible: the data hold days from the first dose; the study period and the scan schedule of the Methods are
  design values, not results.

Reading decisions for the Tehran cohort (``tehran``): arms are the populations ``sorafenib`` / ``control``;
metastasis patterns are the plan's exclusive variables (``lung_only``, ``lung_and_bone``, ``bone_only``,
``met_lymph_node``); cumulative RAI activity is converted back from GBq to the printed mCi; Tg is compared in the
contract's ng/mL although ng/dl is printed; "Progression-free survival" median and range are those of the PFS
times per arm and its p the Mann–Whitney test of ``pfs_by_arm`` (``times_*``), as Table 2 says; QoL rows are the
raw-sum subscales of the ``qol`` table and each "Maximum Score" the highest raw sum of the scale's items
(``stats.qol.raw_sum_maxima``); dose range and follow-up of the abstract and the follow-up and visit schedule of the Methods are design values,
not results.

Reading decisions for DECISION (``decision``; the NCI summary and the Pitoia et al. 2022 review): arms are the
populations ``sorafenib`` / ``placebo``; median PFS per arm is the Kaplan–Meier median of ``pfs_by_arm``, the hazard
ratio and its limits the Cox model of that table (sorafenib against placebo) and the P the log-rank p; response rates
are shares of the whole arm (``orr == 1``, ``bor == 'PR'``); "stable disease ≥ 6 months" is a best response of SD
with PFS ≥ 6 months, as a share of the arm (review) or of the arm's patients without an objective response (NCI);
the clinical benefit rate is PR or that stable disease; the duration of PR is the Kaplan–Meier median duration of
response of ``efficacy``. Crossover, open-label and beyond-progression analyses, biomarkers, adverse events, dose
changes and deaths are not reconstructed; dates and design values are not results.

Reading decisions for Luo et al. 2014 (``luo_2014``): times in weeks, the plan's unit (``pfs_overall``); the review's
medians in months are the same medians converted with 365.25 / 12 days a month (the review's own values are what
30-day months give, a recorded conflict); "durable response" is disease control (PR or SD) lasting at least 24 weeks,
a reading the abstract does not define; adverse events are not reconstructed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..derive.ae_flags import HFS, normalise_term
from ..expression import select
from ..stats.efficacy import DOR_SECTION
from ..stats.qol import TEHRAN_RAW_SUBSCALES, raw_sum_maxima
from ..stats.survival_tables import pfs_by_subgroup
from .reproduction import (
    Cell,
    Compute,
    Context,
    NotReproducible,
    Population,
    Resolver,
    Share,
    Study,
    Subset,
    Summary,
    Unavailable,
)


def _with_share(cell, of=None) -> dict:
    """A row printed as "N (%)": the count from ``cell``, the percentage of the population (or of ``of``)."""
    return {"percent": Share(cell, of), "*": cell}


def _ids(ctx: Context, entry: dict) -> pd.Series:
    return ctx.population(entry["population"])["patient_id"]


# --- computations no table carries ------------------------------------------------------------------------------

def target_organ(organ: str) -> Compute:
    def count(ctx: Context, entry: dict, statistic: str) -> float:
        tm = ctx.frame("tumor_measurements")
        base = tm[(tm["day"] <= 0) & tm["patient_id"].isin(_ids(ctx, entry))]
        target = base[base["lesion_type"] == "target"]
        fallback = base[(base["lesion_type"] == "non_target") & ~base["patient_id"].isin(target["patient_id"])]
        sites = pd.concat([target, fallback])
        return float(sites.loc[sites["organ"] == organ, "patient_id"].nunique())

    return Compute(count, f"tumor_measurements: patients with baseline target lesions in organ '{organ}' "
                          "(non-target lesions when none is measurable)")


def new_lesion_patients(at_progression: bool) -> Compute:
    def count(ctx: Context, entry: dict, statistic: str) -> float:
        v = ctx.frame("visits")
        v = v[v["patient_id"].isin(_ids(ctx, entry))].sort_values(["patient_id", "day"], kind="mergesort")
        if at_progression:
            first_pd = v[v["overall_response"] == "PD"].groupby("patient_id").head(1)
            hit = first_pd[(first_pd["new_lesion"] == 1) & (first_pd["target_response"] != "PD")]
        else:
            hit = v[v["new_lesion"] == 1]
        return float(hit["patient_id"].nunique())

    what = ("first PD assessment with a new lesion and no target-lesion PD" if at_progression
            else "a new lesion at any assessment")
    return Compute(count, f"recist/visits.csv: patients with {what}")


def ae_duration(terms: tuple[str, ...] | None = None, min_grade: int = 1) -> Compute:
    def summary(ctx: Context, entry: dict, statistic: str) -> float:
        ae = ctx.frame("adverse_events")
        ae = ae[ae["patient_id"].isin(_ids(ctx, entry)) & (ae["grade"] >= min_grade)]
        if terms:
            ae = ae[normalise_term(ae["term"]).isin(set(normalise_term(pd.Series(list(terms)))))]
        if ae.empty:
            raise NotReproducible("the cohort records no such adverse event")
        ended = ae.dropna(subset=["end_day"])
        if ended.empty:
            raise NotReproducible("adverse_events.csv gives no end_day for these events (all recorded as ongoing), "
                                  "so their durations are unknown")
        months = (ended["end_day"] - ended["onset_day"]) / ctx.days_per_month
        longest = months.groupby(ended["patient_id"]).max()
        return float({"median": longest.median, "range_min": longest.min, "range_max": longest.max}[statistic]())

    what = ", ".join(terms) if terms else "any term"
    return Compute(summary, f"adverse_events: (end_day − onset_day) in months, longest per patient ({what}, "
                            f"grade ≥ {min_grade}; events without end_day left out)")


def dose_reason(term: str) -> Compute:
    def count(ctx: Context, entry: dict, statistic: str) -> float:
        doses = ctx.frame("doses")
        doses = doses[doses["patient_id"].isin(_ids(ctx, entry)) & doses["reason"].notna()]
        if doses.empty:
            raise NotReproducible("doses.csv gives no reason for any dose change")
        wanted = normalise_term(pd.Series([term])).iloc[0]
        hit = normalise_term(doses["reason"]).str.contains(wanted, regex=False)
        return float(doses.loc[hit, "patient_id"].nunique())

    return Compute(count, f"doses: patients with a dose change whose reason names '{term}'")


def _longest_interruption(ctx: Context, entry: dict, statistic: str) -> float:
    doses = ctx.frame("doses")
    doses = doses[doses["patient_id"].isin(_ids(ctx, entry))].sort_values(["patient_id", "day"], kind="mergesort")
    longest = []
    for _, g in doses.groupby("patient_id"):
        start = None
        for day, dose in zip(g["day"], g["dose_mg_per_day"], strict=True):
            if dose == 0 and start is None:
                start = day
            elif dose > 0 and start is not None:
                longest.append(day - start)
                start = None
    if not longest:
        raise NotReproducible("doses.csv has no interruption followed by a resumed dose")
    return max(longest) / ctx.days_per_month


def _lowest_maintenance_dose(ctx: Context, entry: dict, statistic: str) -> float:
    doses = ctx.frame("doses")
    pop = ctx.population(entry["population"])
    others = pop.loc[pop["dose_status"] != "interrupted", "patient_id"]
    positive = doses.loc[doses["patient_id"].isin(others) & (doses["dose_mg_per_day"] > 0), "dose_mg_per_day"]
    if positive.empty:
        raise NotReproducible("doses.csv has no dose of a patient without interruption")
    return float(positive.min())


def logrank_by(variable: str) -> Compute:
    def p(ctx: Context, entry: dict, statistic: str) -> float:
        table = pfs_by_subgroup(ctx.population(entry["population"]), [{"variable": variable, "levels": [1, 0]}],
                                time=ctx.time)
        return float(table["logrank_p"].iloc[0])

    return Compute(p, f"log-rank p of PFS by {variable} (stats.survival_tables.pfs_by_subgroup on the population)")


def _progressed_during_follow_up(ctx: Context, entry: dict, statistic: str) -> float:
    pop = ctx.population(entry["population"])
    k = int((pop["pfs_event"] == 1).sum())
    return 100 * k / len(pop) if statistic == "percent" else float(k)


def _nearest(values: pd.Series, printed_value: float) -> float:
    values = values.dropna()
    if values.empty:
        raise NotReproducible("the cohort has no patient of this description")
    return float(values.iloc[int(np.argmin(np.abs(values.to_numpy(dtype=float) - printed_value)))])


def _lung_only_response_scan(ctx: Context, entry: dict, statistic: str) -> float:
    """Months of treatment at the scan of a lung-only partial responder in response nearest the printed time."""
    pop = ctx.population(entry["population"])
    ids = pop.loc[(pop["lung_only"] == 1) & (pop["bor"] == "PR"), "patient_id"]
    v = ctx.frame("visits")
    scans = v.loc[v["patient_id"].isin(ids) & v["overall_response"].isin(["CR", "PR"]), "day"] / ctx.days_per_month
    return _nearest(scans, float(entry["value"]))


def _pr_tg_decrease_nearest(ctx: Context, entry: dict, statistic: str) -> float:
    pop = ctx.population(entry["population"])
    return _nearest(-pop.loc[pop["bor"] == "PR", "tg_best_pct_change"], float(entry["value"]))


def _remaining_pr_tg_decrease(ctx: Context, entry: dict, statistic: str) -> float:
    pr = select(ctx.population(entry["population"]), entry["subset"])
    rest = pr[pr["tg_best_pct_change"] > -90]
    if len(rest) != 1:
        raise NotReproducible(f"{len(rest)} partial responders have a best Tg decrease of 90 % or less; the "
                              "text describes exactly one")
    return float(-rest["tg_best_pct_change"].iloc[0])


def _any_adverse_event_pct(ctx: Context, entry: dict, statistic: str) -> float:
    ae = ctx.frame("adverse_events")
    ids = _ids(ctx, entry)
    return 100 * ids.isin(ae["patient_id"]).sum() / len(ids)


# --- Ling et al. 2023 (zhujiang_2023) -------------------------------------------------------------------------

def _base(variable: str, level=None) -> Cell:
    return Cell("baseline", {"variable": variable, **({} if level is None else {"level": level})})


def _eff(item: str, section: str | None = None, **kw) -> Cell:
    return Cell("efficacy", {**({"section": section} if section else {}), "item": item}, **kw)


def _ae(term: str, column: str | None = None) -> Cell:
    return Cell("adverse_events", {"term": term}, column=column, zero_if_absent=True)


def _pfs_overall(statistic: str, endpoint: str = "pfs") -> Cell:
    return Cell("pfs_overall", {"endpoint": endpoint, "statistic": statistic})


# printed group labels (Tables 3 and 4) → subgroup filter of the response / PFS tables, printed level → level
ZJ_SUBGROUPS = [
    (("Age (years)",), {"variable": "age_ge_55"}, {"≥ 55": 1, "< 55": 0}),
    (("Gender",), {"variable": "sex"}, {"Male": "M", "Female": "F"}),
    (("Histologic types",), {"variable": "histology"}, {"FTC": "FTC", "PTC": "PTC"}),
    (("RAI uptake",), {"variable": "rai_uptake"}, {"Yes": "yes", "No": "no"}),
    (("Distant metastases",), {"variable": "distant_metastasis"}, {"Yes": 1, "No": 0}),
    (("Lung metastasis",), {"variable": "met_lung"}, {"Yes": 1, "No": 0}),
    (("Lung-only metastasis",), {"variable": "lung_only"}, {"Yes": 1, "No": 0}),
    (("Bone metastasis",), {"variable": "met_bone", "subgroup": "Bone metastasis"}, {"Yes": 1, "No": 0}),
    (("Previous therapies",), {"variable": "prior_therapy"},
     {"RAI-only therapy": "rai_only", "Other therapy": "other", "RAI therapy": "rai_only", "No-RAI therapy": "other"}),
    (("Residual lesions",), {"variable": "residual_lesions"}, {"Yes": "yes", "No": "no"}),
    (("Hand-foot syndrome", "Hand-foot skin syndrome"), {"variable": "hfs"}, {"Yes": 1, "No": 0}),
    (("Thyroglobulin response",), {"variable": "tg_response_60"}, {"≥ 60%": 1, "< 60%": 0}),
    (("Medication status",), {"variable": "dose_modified"}, {"Reduction/discontinuation": 1, "Standard dose": 0}),
]


def _subgroup_rows(table: str, with_share: bool) -> dict:
    rows = {}
    for labels, where, levels in ZJ_SUBGROUPS:
        for label in labels:
            rows[label] = Cell(table, where)
            for printed_level, level in levels.items():
                cell = Cell(table, {**where, "level": level})
                rows[f"{label}: {printed_level}"] = _with_share(cell) if with_share else cell
    return rows


def _resp(variable: str, column: str) -> Cell:
    return Cell("response_by_subgroup", {"variable": variable}, column=column)


def _pfs_p(variable: str) -> Cell:
    return Cell("pfs_by_subgroup", next(where for _, where, _ in ZJ_SUBGROUPS if where["variable"] == variable))


DM_BONE = "Bone metastasis (patients with distant metastasis)"
FOLLOWUP = Summary("followup_days", months=True)
DCR, ORR = "disease control (CR+PR+SD)", "objective response (CR+PR)"
DC_BANDS = {"≤ 6 months": "0 to < 6 months", "6–12 months": "6 to < 12 months", "12–18 months": "12 to < 18 months",
            "≥ 18 months": "≥ 18 months"}
T5_TERMS = {"Hand-foot skin syndrome": HFS, "Diarrhea": "diarrhea", "Alopecia": "alopecia",
            "Abnormal liver function": "abnormal liver function", "Generalized weakness": "generalized weakness",
            "Hypertension": "hypertension", "Proteinuria": "proteinuria", "Hypocalcemia": "hypocalcemia",
            "Mucositis": "mucositis", "Nausea and vomiting": "nausea and vomiting",
            "Thrombocytopenia": "thrombocytopenia", "Myodynia": "myodynia", "Weight loss": "weight loss"}
T5_COLUMNS = {(f"{heading} N (%)", stat): f"{column}{suffix}"
              for heading, column in (("Grades 1–2", "grade_1_2"), ("Grades 3–4", "grade_3_4"),
                                      ("Any grade", "any_grade"))
              for stat, suffix in (("n", ""), ("percent", "_pct"))}
PFS_BY = {"PFS by sex": "sex", "PFS by lung-only metastasis": "lung_only",
          "PFS by hand-foot skin syndrome": "hfs", "PFS by thyroglobulin response ≥ 60 %": "tg_response_60",
          "PFS by bone metastasis": "met_bone"}
PFS_ALL = _pfs_overall("median")  # the median and its CI (ci_low, ci_high columns)
REFRACTORY = "Definitions of RAI refractoriness"

ZJ_TABLE1 = {
    "Age (years)": _base("age_years"),
    "Age (years): ≥ 55": _base("age_ge_55", 1), "Age (years): < 55": _base("age_ge_55", 0),
    "Gender: Male": _base("sex", "M"), "Gender: Female": _base("sex", "F"),
    "Histologic types: FTC": _base("histology", "FTC"), "Histologic types: PTC": _base("histology", "PTC"),
    "Histologic types: FTC + PTC": _base("histology", "PTC+FTC"),
    "RAI uptake: Yes": _base("rai_uptake", "yes"), "RAI uptake: No": _base("rai_uptake", "no"),
    "Distant metastases: Yes": _base("distant_metastasis", 1), "Distant metastases: No": _base("distant_metastasis", 0),
    **{f"Metastasis sites: {label}": _with_share(_base(variable, 1), _base("distant_metastasis", 1))
       for label, variable in (("Lung", "met_lung"), ("Lung-only", "lung_only"), ("Bone", "met_bone"),
                               ("Pleural", "met_pleura"))},
    **{f"Target lesions: {label}": _with_share(target_organ(organ))
       for label, organ in (("Lung", "lung"), ("Bone", "bone"), ("lymph node", "lymph_node"), ("Neck", "neck"))},
    "Cumulative RAI dose (GBq)": _base("cumulative_rai_gbq"),
    f"{REFRACTORY}: at least one target lesion without RAI uptake":
        _base("rai_refractory_reason", "at least one target lesion without RAI uptake"),
    f"{REFRACTORY}: RAI uptake, but progressive target lesions":
        _base("rai_refractory_reason", "RAI uptake but progressive target lesions"),
    f"{REFRACTORY}: progression despite RAI or cumulative dose ≥ 22.3 GBq":
        _base("rai_refractory_reason", "progression despite RAI or cumulative activity ≥ 22.3 GBq"),
}

ZJ_TABLE2 = {
    "Disease response: CR": _eff("CR"), "Disease response: PR": _eff("PR"), "Disease response: SD": _eff("SD"),
    "Disease control (CR+PR+SD)": _eff(DCR), "Disease progression": _eff("PD"),
    **{f"Disease control duration: {k}": _eff(v, "disease control duration") for k, v in DC_BANDS.items()},
    "Objective response ≥ 12 months": _eff(
        "≥ 12 months", DOR_SECTION,
        note="the pipeline counts responders by duration of response, from the first response to progression or "
             "death (RECIST 1.1); the publication lists the row among durations counted from the start of sorafenib"),
}

ZJ_TABLE4 = {
    **_subgroup_rows("pfs_by_subgroup", with_share=True),
    "Disease control: PR + SD": _eff(DCR), "Disease control: Disease progression": _eff("PD"),
    "Disease control": logrank_by("dcr"),
    "Objective response: PR + CR": _eff(ORR), "Objective response: SD + disease progression": Subset("orr == 0"),
    "Objective response": logrank_by("orr"),
}

ZJ_TEXT = {
    "Patients included": Population(), "Age at start of sorafenib": _base("age_years"),
    "PTC": _base("histology", "PTC"), "Distant metastases": _base("distant_metastasis", 1),
    "Lung metastases": _base("met_lung", 1), "Excluded from response assessment": Subset("evaluable == 0"),
    "Excluded: only one radiological examination":
        Subset("not_evaluable_reason == 'no evaluable post-baseline assessment'"),
    "Excluded: no measurable target lesion": Subset("not_evaluable_reason == 'no measurable disease at baseline'"),
    "Excluded: surgery during sorafenib": Subset("not_evaluable_reason == 'surgery during sorafenib therapy'"),
    "Eligible for radiological response assessment": Population(),
    "Follow-up of the response-evaluable patients": FOLLOWUP, "Follow-up for adverse events": FOLLOWUP,
    "Complete response": _eff("CR"), "Partial response": _eff("PR"), "Stable disease": _eff("SD"),
    "Disease control": _eff(DCR),
    "Disease control lasting ≥ 12 months": _eff(["12 to < 18 months", "≥ 18 months"], "disease control duration"),
    "Disease control lasting ≥ 18 months": _eff("≥ 18 months", "disease control duration"),
    "Disease control lasting ≥ 24 months": Subset("dcr == 1 and pfs_months >= 24"),
    "Documented progression at end of follow-up":
        Compute(_progressed_during_follow_up, "analysis dataset: evaluable patients whose PFS ended with progression "
                                              "or death (pfs_event = 1)"),
    "Progression by new metastases rather than target-lesion growth": new_lesion_patients(at_progression=True),
    "DCR by thyroglobulin response ≥ 60 %": _resp("tg_response_60", "dcr_p"),
    "ORR by lung metastasis": _resp("met_lung", "orr_p"), "ORR by lung-only metastasis": _resp("lung_only", "orr_p"),
    "PFS, all evaluable patients": PFS_ALL,
    **{label: _pfs_p(variable) for label, variable in PFS_BY.items()},
    "Patients with distant metastasis compared by bone metastasis": Cell("pfs_by_subgroup", {"subgroup": DM_BONE}),
    "PFS by bone metastasis, patients with distant metastasis": Cell("pfs_by_subgroup", {"subgroup": DM_BONE}),
    "Stopped for adverse events and resumed": Subset("dose_status == 'interrupted'"),
    "Longest interruption": Compute(_longest_interruption, "doses: longest run at 0 mg before a resumed dose"),
    "Lowest maintenance dose of the other patients":
        Compute(_lowest_maintenance_dose, "doses: lowest positive dose of the patients without interruption"),
    "Hand-foot skin syndrome, any grade": _ae(HFS), "Diarrhea, any grade": _ae("diarrhea"),
    "Alopecia, any grade": _ae("alopecia"), "Diarrhea, grades 3–4": _ae("diarrhea", "grade_3_4_pct"),
    "Hand-foot skin syndrome, grades 3–4": _ae(HFS, "grade_3_4_pct"), "Weight loss": _ae("weight loss"),
    "Myodynia": _ae("myodynia"), "Thrombocytopenia": _ae("thrombocytopenia"),
    "Longest-lasting adverse event": ae_duration(),
    "Duration of hand-foot skin syndrome": ae_duration((HFS,)), "Duration of diarrhea": ae_duration(("diarrhea",)),
    "Duration of alopecia": ae_duration(("alopecia",)), "Longest duration of a grade 3–4 event": ae_duration(None, 3),
    "Dose reduced because of adverse events": Subset("dose_modified == 1"),
    "Dose reduced because of hand-foot skin syndrome": dose_reason(HFS),
    "Dose reduced because of diarrhea": dose_reason("diarrhea"),
    "Dose reduced because of abnormal liver function": dose_reason("abnormal liver function"),
    "Dose reduced because of proteinuria": dose_reason("proteinuria"),
}

ZJ_DISCUSSION = {
    "DCR of this study": _eff(DCR), "ORR of this study": _eff(ORR), "Median PFS of this study": _pfs_overall("median"),
    "Median follow-up of this study": FOLLOWUP,
    "Partial responders with a best thyroglobulin decrease > 90 %": Subset("bor == 'PR' and tg_best_pct_change < -90"),
    "Best thyroglobulin decrease of the remaining partial responder":
        Compute(_remaining_pr_tg_decrease, "analysis dataset: −tg_best_pct_change of the one partial responder "
                                           "with a decrease of 90 % or less"),
    "Dose reduction and drug withdrawal because of adverse events":
        _with_share(Cell("response_by_subgroup", {"variable": "dose_modified", "level": 1})),
    "Adverse-event rate of this study":
        Compute(_any_adverse_event_pct, "adverse_events: % of the population with any adverse event"),
    "Hand-foot skin syndrome, any grade": _ae(HFS),
    "Hand-foot skin syndrome, grade 3 or above": _ae(HFS, "grade_3_4"),
}

# The cohort's times are days from the first dose: calendar dates cannot be computed from it, and the study period
# and scan schedule are design values (the reconstruction's protocol is built on them), not results.
STUDY_DESIGN = Unavailable("a design value of the study (its period or scan schedule), not a result")
CASE_DATE = Unavailable("a typical case's calendar date: the data hold days from the first dose, not dates")
ARTICLE_DATE = Unavailable("a date of the article itself, not of its patients")
ZJ_TEXT.update({f"Typical case {case}: {event}": CASE_DATE for case in (1, 2, 3)
                for event in ("diagnosis of RR-DTC", "chest CT at the end of follow-up")})
ZJ_METHODS = {"Study period: first month": STUDY_DESIGN, "Study period: last month": STUDY_DESIGN,
              "Imaging examinations to assess efficacy: interval": STUDY_DESIGN}

ZJ_ABSTRACT = {
    "Study period: first month": STUDY_DESIGN, "Study period: last month": STUDY_DESIGN,
    "Patients included": Population(), "Patients evaluated for efficacy": Population(), "Follow-up": FOLLOWUP,
    "Disease control rate": _eff(DCR), "Objective response rate": _eff(ORR),
    "Disease control by thyroglobulin decrease > 60 %": _resp("tg_response_60", "dcr_p"),
    "ORR by lung metastasis": _resp("met_lung", "orr_p"), "ORR by lung-only metastasis": _resp("lung_only", "orr_p"),
    "PFS of the 26 patients": PFS_ALL, **{label: _pfs_p(variable) for label, variable in PFS_BY.items()},
    "Hand-foot skin syndrome, any grade": _ae(HFS), "Diarrhea, any grade": _ae("diarrhea"),
    "Alopecia, any grade": _ae("alopecia"),
}

ZJ_FIGURES = {
    "Figure 1": Resolver({
        "Patients in the waterfall plot": Subset("best_pct_change is not missing"),
        "Thyroglobulin reduction of the partial responder with diffuse lung micronodules":
            Compute(_pr_tg_decrease_nearest, "analysis dataset: the best Tg decrease of a partial responder nearest "
                                             "the printed value (the micronodules are not recorded)"),
        "Patients with new lesions": new_lesion_patients(at_progression=False),
        "Patients who died (pulmonary infection; bone-related event)": Subset("os_event == 1"),
    }),
    "Figure 2": Resolver({"Patients in the PFS curve": _pfs_overall("n")}),
    "Figure 4": Resolver(default=Compute(
        _lung_only_response_scan, "recist/visits.csv: months at the CR/PR scan of a lung-only partial responder "
                                  "nearest the printed time")),
}

ZHUJIANG = Study(
    populations={"all_treated": None, "evaluable": "evaluable == 1", "distant_met_all": "distant_metastasis == 1",
                 "distant_met_evaluable": "evaluable == 1 and distant_metastasis == 1"},
    tables={
        "Table 1": Resolver(ZJ_TABLE1), "Table 2": Resolver(ZJ_TABLE2),
        "Table 3": Resolver(_subgroup_rows("response_by_subgroup", with_share=False),
                            columns={"DCR, %": "dcr_pct", "ORR, %": "orr_pct", "p-value (DCR)": "dcr_p",
                                     "p-value (ORR)": "orr_p"}),
        "Table 4": Resolver(ZJ_TABLE4),
        "Table 5": Resolver({label: _ae(term) for label, term in T5_TERMS.items()}, columns=T5_COLUMNS),
        "Table 6": Resolver(default=Unavailable("another study's patients, quoted for comparison")),
        "Results text": Resolver(ZJ_TEXT), "Discussion": Resolver(ZJ_DISCUSSION), "Abstract": Resolver(ZJ_ABSTRACT),
        "Methods": Resolver(ZJ_METHODS), "Article information": Resolver(default=ARTICLE_DATE),
        **ZJ_FIGURES,
    },
)

# --- Tehran cohort (tehran) ---------------------------------------------------------------------------------------

MCI_PER_GBQ = 1 / 0.037  # the contract stores GBq; Table 1 prints mCi
TEHRAN_QOL = {"Physical function": "physical_function", "Role function": "role_function",
              "Symptom scale": "symptom_scale", "Cognitive function": "cognitive_function",
              "Emotional function": "emotional_function", "Social function": "social_function",
              "Financial function": "financial_function", "Global function": "global_function",
              "Sum of the scores": "sum_of_scores"}
DESIGN = Unavailable("a design value of the study (planned dose, follow-up or visit schedule), not a result")


def scale_maximum(scale: str) -> Compute:
    def maximum(ctx: Context, entry: dict, statistic: str) -> float:
        return float(raw_sum_maxima(TEHRAN_RAW_SUBSCALES)[scale])

    return Compute(maximum, f"stats.qol.raw_sum_maxima: highest raw sum of '{scale}' (its items' maxima added)")


def _bor(item: str) -> Cell:
    return Cell("response_by_arm", {"section": "best overall response", "item": item})


CBR = Cell("response_by_arm", {"section": "clinical benefit"})
# PFS as the publication reports it: median and range of the PFS times per arm, Mann–Whitney between arms
PFS_TIMES = {stat: Cell("pfs_by_arm", {"variable": "arm"}, column=column, arm_column="level")
             for stat, column in (("median", "times_median"), ("range_min", "times_min"),
                                  ("range_max", "times_max"), ("p_value", "times_p"))}
CUM_RAI = Cell("baseline", {"variable": "cumulative_rai_gbq"}, scale=MCI_PER_GBQ)
TG_UNIT = "the printed unit ng/dl is read as ng/mL, the data contract's unit"
TG = Cell("baseline", {"variable": "tg_baseline"}, note=TG_UNIT)

TH_TABLE1 = {
    "Age Mean ± SD": _base("age_years"), "Age": _base("age_years"),
    "Gender M/F: M": _base("sex", "M"), "Gender M/F: F": _base("sex", "F"), "Gender": _base("sex"),
    "Initial Risk based on ATA classification: Intermediate": _base("ata_risk", "intermediate"),
    "Initial Risk based on ATA classification: High": _base("ata_risk", "high"),
    "Initial Risk based on ATA classification": _base("ata_risk"),
    **{f"No. of radio-iodine treatment: {band}": _base("rai_courses", band) for band in ("<3", "3-6", ">6")},
    "No. of radio-iodine treatment": _base("rai_courses"),
    **{f"The cumulative dose of previous RAI therapies (mCi): {part}": CUM_RAI
       for part in ("Mean ± SD", "Median", "Range")},
    "The cumulative dose of previous RAI therapies (mCi)": _base("cumulative_rai_gbq"),
    **{f"Primary serum Tg (ng/dl): {part}": TG for part in ("Mean ± SD", "Median", "Range")},
    "Primary serum Tg (ng/dl)": _base("tg_baseline"),
}

TH_TEXT = {
    "Patients in the sorafenib subgroup": Population(), "Control patients": Population(),
    "Pulmonary metastasis": _base("lung_only", 1), "Lung metastasis": _base("lung_only", 1),
    "Lung and bone metastases": _base("lung_and_bone", 1), "Bone metastases only": _base("bone_only", 1),
    "Cervical and mediastinal lymph node metastases": _base("met_lymph_node", 1),
    "ATA initial risk: intermediate": _base("ata_risk", "intermediate"),
    "ATA initial risk: high": _base("ata_risk", "high"), "ATA initial risk": _base("ata_risk"),
    "Partial response": _bor("PR"), "Stable disease": _bor("SD"), "Progression": _bor("PD"),
    "Complete response": _eff("CR", "best overall response"),
    "Response distribution": Cell("response_by_arm", {"section": "best overall response"}),
    "Clinical benefit (CR + PR + SD)": CBR, "Clinical benefit rate": CBR, "Progression-free survival": PFS_TIMES,
}

TEHRAN = Study(
    populations={"sorafenib": "arm == 'sorafenib'", "control": "arm == 'control'", "all_patients": None},
    arms={"sorafenib": "sorafenib", "control": "control"},
    tables={
        "Abstract": Resolver({
            "Patients who received sorafenib": Population(), "Control patients": Population(),
            "Length of follow-up": DESIGN, "Sorafenib dose": DESIGN, "Clinical benefit rate": CBR,
            "Progression-free survival": PFS_TIMES,
            "Quality of life: symptom subscale": Cell("qol", {"scale": "raw_symptom_scale"}),
        }),
        "Methods": Resolver({"Follow-up visits during the 2-year period: interval": DESIGN,
                             "Follow-up period after the course of treatment": DESIGN}),
        "Results text": Resolver(TH_TEXT), "Table 1": Resolver(TH_TABLE1),
        "Table 2": Resolver({"Clinical benefit rate": CBR,
                             **{f"Progression-free survival (months){part}": PFS_TIMES
                                for part in (": Median", ": Range", "")}}),
        "Table 3": Resolver({label: {"scale_max": scale_maximum(scale), "*": Cell("qol", {"scale": f"raw_{scale}"})}
                             for label, scale in TEHRAN_QOL.items()}),
    },
)


# --- DECISION (decision) -------------------------------------------------------------------------------------------

NOT_A_RESULT = Unavailable("a calendar date, year or design value, not a result")
SD6 = "bor == 'SD' and pfs_months >= 6"
NO_RESPONSE = "bor != 'PR' and bor != 'CR'"
DE_PFS = Cell("pfs_by_arm", {"variable": "arm"}, arm_column="level")
DE_HR = {stat: Cell("pfs_by_arm", {"variable": "arm", "level": "sorafenib"}, column=column)
         for stat, column in (("hr", "hr"), ("ci_low", "hr_ci_low"), ("ci_high", "hr_ci_high"))}
DE_HR["p_value"] = Cell("pfs_by_arm", {"variable": "arm"}, column="logrank_p")
DE_DOR = Cell("efficacy", {"section": DOR_SECTION, "item": "median, Kaplan–Meier (months)"}, column="median")
DE_NOT_RECONSTRUCTED = Unavailable("not reconstructed (crossover, open-label and beyond-progression treatment, "
                                   "biomarkers, adverse events, dose changes and deaths are not modelled)")
DE_TEXT = {
    "Patients treated with sorafenib": Population(), "Patients receiving placebo": Population(),
    "Progression-free survival": DE_PFS, "Progression-free survival, sorafenib vs placebo": DE_HR,
    "Clinical benefit rate (CR + PR + SD > 6 mo)": Subset(f"bor == 'PR' or ({SD6})"), "PR rate": Subset(),
    "SD > 6 mo": Subset(SD6), "Duration of PR": DE_DOR,
    "PFS on sorafenib from the start of the trial (exploratory analysis)": DE_PFS,
    "PFS of patients who initially received placebo (exploratory analysis)": DE_PFS,
}
DE_REVIEW_ROW = {"Dosage": NOT_A_RESULT, "Ref.": NOT_A_RESULT, "Enrolled patients (n)": Population(), "n": Population(),
                 "PR (%)": Subset(), "PR, %": Subset(), "SD, %": Subset(SD6), "mPFS (mo)": DE_PFS,
                 "Median PFS (mo)": DE_PFS, "*": DE_NOT_RECONSTRUCTED}

DECISION = Study(
    populations={"randomised": None, "sorafenib": "arm == 'sorafenib'", "placebo": "arm == 'placebo'"},
    arms={"sorafenib": "sorafenib", "placebo": "placebo"},
    tables={
        "Source": Resolver(default=NOT_A_RESULT),
        "The Study": Resolver({"Patients enrolled": Population()}, default=NOT_A_RESULT),
        "Results": Resolver({
            "Progression-free survival": DE_PFS, "Complete response": Subset(), "Objective response rate": Subset(),
            "Stable disease ≥ 6 months": Share(Subset(SD6), Subset(NO_RESPONSE)),
            "FDA approval of sorafenib for this indication, on the trial's results": NOT_A_RESULT,
        }, default=DE_NOT_RECONSTRUCTED),
        "Limitations": Resolver({"Complete response": Subset(), "Partial response": Subset()}),
        "Text, Sorafenib": Resolver(DE_TEXT, default=DE_NOT_RECONSTRUCTED),
        "Text, Multikinase inhibitors": Resolver({
            "Median PFS in the phase III trials, lower end of the range": DE_PFS,
            "Objective responses in the phase III trials, lower end of the range": Subset("orr == 1")}),
        "Table 1": Resolver({"Sorafenib[6]; NCT00984282": DE_REVIEW_ROW}),
        "Table 2": Resolver({"Brose et al[6], 2014": DE_REVIEW_ROW}),
    },
)

# --- Luo et al. 2014 (luo_2014) --------------------------------------------------------------------------------------

DURABLE = "dcr == 1 and pfs_weeks >= 24"
NO_ADVERSE_EVENTS = Unavailable("adverse events are not reconstructed")


def in_months(endpoint: str) -> Compute:
    """The Kaplan–Meier median of ``pfs_overall`` (weeks, the plan's unit) in months of 365.25 / 12 days."""

    def months(ctx: Context, entry: dict, statistic: str) -> float:
        weeks = Cell("pfs_overall", {"endpoint": endpoint, "statistic": "median"}).value(ctx, entry, "median", None)
        return weeks * 7 / ctx.days_per_month

    return Compute(months, f"tables/pfs_overall.csv [{endpoint} median] in weeks × 7 / days per month")


LUO = Study(
    populations={"all": None},
    tables={
        "Abstract": Resolver({
            "Patients recruited": Population(), "Histology: Papillary": Subset(), "Histology: Follicular": Subset(),
            "Partial response rate": Subset(), "Durable response": Subset(DURABLE),
            "Median progression-free survival": _pfs_overall("median"),
            "Median overall survival": _pfs_overall("median", "os"), "Dose reduction required": Subset(),
        }, default=NO_ADVERSE_EVENTS),
        "Record": Resolver(default=NOT_A_RESULT),
        "Table 2": Resolver({"Luo et al[88], 2014": {
            "Ref.": NOT_A_RESULT, "n": Population(), "PR, %": Subset(), "SD, %": Subset(),
            "Median PFS (mo)": in_months("pfs"), "Median OS (mo)": in_months("os"), "*": NO_ADVERSE_EVENTS}}),
    },
)

STUDIES = {"zhujiang_2023": ZHUJIANG, "tehran": TEHRAN, "decision": DECISION, "luo_2014": LUO}
