"""The publications' numbers (resources/studies/*/published.yaml).

Checks, in order: the files against workflow/schemas/published.schema.yaml; the bookkeeping JSON Schema cannot
express (unique ids, declared populations, printed precision); spot checks of numbers read from the papers; and the
arithmetic that must hold between printed numbers (counts and percentages, sums, subsets, the same number printed
twice, p-values recomputed from printed counts). Where the publication contradicts itself, the check is marked
xfail (strict) with the description from the file's `conflicts` list, so a conflict that is not real fails too.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
STUDY_FOLDERS = ROOT / "resources" / "studies"
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "published.schema.yaml"
STUDIES = {"zhujiang_2023": "zhujiang_2023", "tehran": "tehran"}  # study -> cohort it reproduces
# every publication file: the bookkeeping tests cover the files of several sources too (their arithmetic and spot
# checks: tests/unit/test_published_sources.py)
ALL_STUDIES = {**STUDIES, "decision": "decision", "luo_2014": "luo_2014"}


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


SCHEMA = _load(SCHEMA_PATH)
DOCS = {study: _load(STUDY_FOLDERS / study / "published.yaml") for study in ALL_STUDIES}
BY_ID = {study: {e["id"]: e for e in doc["numbers"]} for study, doc in DOCS.items()}

# Conflict kinds that a numeric check below can detect; the others are about wording (test names, labels).
CHECKABLE_KINDS = {"rounding", "arithmetic", "subset_exceeds_set", "text_vs_table", "not_reproducible",
                   "definition"}
_XFAIL_REASONS_USED: set[tuple[str, str]] = set()


def _number(value: str) -> Decimal:
    return Decimal(value.lstrip("<>"))


def val(study: str, id_: str) -> Decimal:
    return _number(BY_ID[study][id_]["value"])


def pop_n(study: str, id_: str) -> int:
    return DOCS[study]["populations"][BY_ID[study][id_]["population"]]["n"]


def printed_percent(k: int, n: int, precision: int) -> str:
    """k/n as a percentage, rounded half up to `precision` decimals, as a string."""
    q = Decimal(1).scaleb(-precision)
    return str((Decimal(100 * k) / Decimal(n)).quantize(q, rounding=ROUND_HALF_UP))


def conflict(study: str, ids, kinds, *, every: bool = False) -> str | None:
    """Description of the first conflict of one of `kinds` listing any (every=True: all) of `ids`."""
    for c in DOCS[study].get("conflicts", []):
        if c["kind"] not in kinds:
            continue
        listed = set(c["ids"])
        if (set(ids) <= listed) if every else (set(ids) & listed):
            return c["description"]
    return None


def case(study: str, label: str, *values, reason: str | None = None):
    marks = []
    if reason:
        _XFAIL_REASONS_USED.add((study, reason))
        marks = [pytest.mark.xfail(strict=True, reason=reason)]
    return pytest.param(study, *values, id=f"{study}:{label}", marks=marks)


def entries(study: str):
    return DOCS[study]["numbers"]


# ---------------------------------------------------------------------------------------------------- schema


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_file_validates_against_schema(study):
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(DOCS[study]), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_schema_rejects_unknown_fields_and_unprinted_values():
    doc = DOCS["tehran"]
    validator = Draft202012Validator(SCHEMA)
    entry = dict(doc["numbers"][0])
    bad = [
        {**doc, "extra": 1},
        {**doc, "numbers": [{**entry, "comment": "x"}]},
        {**doc, "numbers": [{**entry, "value": 24}]},  # a number, not the printed string
        {**doc, "numbers": [{**entry, "value": "24 months"}]},
        {**doc, "numbers": [{**entry, "statistic": "average"}]},
        {**doc, "numbers": [{**entry, "precision": -1}]},
        {**doc, "numbers": [{k: v for k, v in entry.items() if k != "population"}]},
        {**doc, "populations": {"sorafenib": {"n": 22}}},
    ]
    for b in bad:
        assert list(validator.iter_errors(b)), b


# ---------------------------------------------------------------------------------------------------- bookkeeping


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_study_names_file_and_cohort(study):
    assert DOCS[study]["study"] == study
    assert DOCS[study]["cohort"] == ALL_STUDIES[study]


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_ids_are_unique(study):
    ids = [e["id"] for e in entries(study)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_every_population_is_declared(study):
    declared = set(DOCS[study]["populations"])
    assert {e["population"] for e in entries(study)} <= declared


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_nesting_names_declared_populations_without_cycles(study):
    pops = DOCS[study]["populations"]
    parents = {name: ([p["within"]] if isinstance(p.get("within"), str) else list(p.get("within") or []))
               for name, p in pops.items()}
    assert {q for qs in parents.values() for q in qs} <= set(pops)
    for name in pops:  # walk up from each population: never back to itself, never larger than a container
        seen, todo = set(), list(parents[name])
        while todo:
            q = todo.pop()
            assert q != name, f"{name} is within itself"
            if "n" in pops[name] and "n" in pops[q]:
                assert pops[name]["n"] <= pops[q]["n"], (name, q)
            if q not in seen:
                seen.add(q)
                todo += parents[q]
    assert len(pops) == 1 or any(parents.values())  # files of several populations declare their nesting
    for name, p in pops.items():  # the parts of a population exist and are declared within it
        assert set(p.get("parts", [])) <= set(pops), name
        assert all(name in ([pops[q]["within"]] if isinstance(pops[q].get("within"), str) else
                            pops[q].get("within", [])) for q in p.get("parts", [])), name


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_every_value_is_a_number_once_a_comparison_sign_is_stripped(study):
    for e in entries(study):
        if e["statistic"] == "date":  # a calendar date, YYYY-MM or YYYY-MM-DD, that exists
            parts = [int(x) for x in e["value"].split("-")]
            date(*(parts + [1] * (3 - len(parts))))
        else:
            float(e["value"].lstrip("<>"))


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_precision_is_the_number_of_printed_decimals(study):
    for e in entries(study):
        digits = e["value"].lstrip("<>").partition(".")[2]
        assert e["precision"] == len(digits), e["id"]


PLACE_OF_PREFIX = {"t": "Table {}", "txt": "Results text", "abs": "Abstract", "disc": "Discussion",
                   "fig": "Figure {}", "meth": "Methods", "info": "Article information", "ref": "References",
                   "rec": "Record"}
#: Places of the documents of several-source files: source → prefix → place.
SOURCE_PLACES = {
    "nci": {"src": "Source", "study": "The Study", "res": "Results", "lim": "Limitations"},
    "pitoia_2022": {"t": "Table {}", "txt": "Text, Sorafenib", "mki": "Text, Multikinase inhibitors"},
}


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_id_prefix_names_the_place_it_is_printed(study):
    sources = DOCS[study].get("sources", {})
    for e in entries(study):
        id_, places = e["id"], PLACE_OF_PREFIX
        if sources:  # the source's prefix first, then the place within the document
            assert e.get("source") in sources, id_
            prefix = sources[e["source"]]["prefix"]
            assert id_.startswith(prefix), id_
            id_, places = id_[len(prefix):], SOURCE_PLACES.get(e["source"], PLACE_OF_PREFIX)
        m = re.match(r"^([a-z]+?)(\d?)_", id_)
        assert m and m[1] in places, e["id"]
        assert e["table"] == places[m[1]].format(m[2]), e["id"]


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_conflicts_name_existing_numbers(study):
    for c in DOCS[study].get("conflicts", []):
        assert set(c["ids"]) <= set(BY_ID[study]), c["ids"]
        assert set(c.get("related", [])) <= set(BY_ID[study]), c["related"]
        assert not set(c["ids"]) & set(c.get("related", []))


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_ranges_of_statistics(study):
    for e in entries(study):
        if e["statistic"] == "date":
            continue
        v = _number(e["value"])
        if e["statistic"] == "percent":
            assert 0 <= v <= 100, e["id"]
        if e["statistic"] == "p_value":
            assert 0 <= v <= 1, e["id"]
        if e["statistic"] in ("n", "count_total"):
            assert v == v.to_integral_value() and v >= 0, e["id"]


@pytest.mark.parametrize("study", ALL_STUDIES)
def test_population_sizes_agree_with_printed_totals(study):
    for e in entries(study):
        if "n" not in DOCS[study]["populations"][e["population"]]:
            continue
        if e["statistic"] == "count_total":
            assert int(_number(e["value"])) == pop_n(study, e["id"]), e["id"]
        if e["statistic"] == "n":
            assert int(_number(e["value"])) <= pop_n(study, e["id"]), e["id"]


# ---------------------------------------------------------------------------------------------------- spot checks
# Read off the publications by hand (Ling et al. 2023; the Tehran cohort paper).

SPOT = [
    ("zhujiang_2023", "abs_pfs_median", "median", "16.5"),
    ("zhujiang_2023", "abs_pfs_ci_low", "ci_low", "14.41"),
    ("zhujiang_2023", "abs_pfs_ci_high", "ci_high", "23.90"),
    ("zhujiang_2023", "txt_pfs_median", "median", "16.5"),
    ("zhujiang_2023", "txt_pfs_ci_high", "ci_high", "23.90"),
    ("zhujiang_2023", "abs_treated_n", "count_total", "31"),
    ("zhujiang_2023", "abs_evaluable_n", "count_total", "26"),
    ("zhujiang_2023", "t1_age_median", "median", "58"),
    ("zhujiang_2023", "t1_cum_rai_max", "range_max", "58.8"),
    ("zhujiang_2023", "t1_histology_ftc_ptc_pct", "percent", "6.4"),
    ("zhujiang_2023", "t2_dc_pct", "percent", "57.7"),
    ("zhujiang_2023", "t2_sd_pct", "percent", "30.7"),
    ("zhujiang_2023", "t3_sex_male_dcr_pct", "percent", "41.7"),
    ("zhujiang_2023", "t3_lung_only_orr_p", "p_value", "0.001"),
    ("zhujiang_2023", "t3_hfs_no_dcr_pct", "percent", "0"),
    ("zhujiang_2023", "t4_bone_met_yes_km_mean", "km_mean", "16.347"),
    ("zhujiang_2023", "t4_tg_response_p", "p_value", "0.000"),
    ("zhujiang_2023", "t4_hfs_p", "p_value", "0.007"),
    ("zhujiang_2023", "abs_pfs_hfs_p", "p_value", "0.035"),
    ("zhujiang_2023", "txt_pfs_bone_in_dm_p", "p_value", "0.062"),
    ("zhujiang_2023", "t5_hfs_any_pct", "percent", "93.5"),
    ("zhujiang_2023", "t5_liver_g34_pct", "percent", "6.5"),
    ("zhujiang_2023", "txt_ae_alopecia_duration_median", "median", "12.0"),
    ("zhujiang_2023", "t6_cheng_followup_median", "median", "17.6"),
    ("zhujiang_2023", "disc_cheng_followup_median", "median", "25.1"),
    ("tehran", "abs_sorafenib_n", "count_total", "22"),
    ("tehran", "abs_control_n", "count_total", "23"),
    ("tehran", "t1_age_sorafenib_mean", "mean", "67.3"),
    ("tehran", "t1_age_control_sd", "sd", "9.1"),
    ("tehran", "t1_cum_rai_control_max", "range_max", "1550"),
    ("tehran", "t1_tg_p", "p_value", "0.080"),
    ("tehran", "t2_cbr_sorafenib_pct", "percent", "77.3"),
    ("tehran", "t2_cbr_control_pct", "percent", "47.8"),
    ("tehran", "t2_cbr_p", "p_value", "0.042"),
    ("tehran", "t2_pfs_sorafenib_median", "median", "24"),
    ("tehran", "t2_pfs_control_min", "range_min", "6"),
    ("tehran", "t2_pfs_p", "p_value", "0.020"),
    ("tehran", "t3_symptom_sorafenib_median", "median", "31.5"),
    ("tehran", "t3_symptom_p", "p_value", "0.001"),
    ("tehran", "t3_sum_scale_max", "scale_max", "126"),
    ("tehran", "txt_met_bone_only_sorafenib_pct", "percent", "4.7"),
]


@pytest.mark.parametrize(("study", "id_", "statistic", "value"), SPOT, ids=[f"{s}:{i}" for s, i, _, _ in SPOT])
def test_spot_check_against_the_paper(study, id_, statistic, value):
    e = BY_ID[study][id_]
    assert (e["statistic"], e["value"]) == (statistic, value)


def test_spot_check_populations_and_tests():
    z, t = DOCS["zhujiang_2023"]["populations"], DOCS["tehran"]["populations"]
    assert (z["all_treated"]["n"], z["evaluable"]["n"], z["distant_met_evaluable"]["n"]) == (31, 26, 19)
    assert (t["sorafenib"]["n"], t["control"]["n"]) == (22, 23)
    # Methods of Ling et al. compare PFS between groups by log-rank; Tehran Table 1 marks Mann-Whitney with '*'.
    assert BY_ID["zhujiang_2023"]["t4_sex_p"]["test"] == "log-rank"
    assert BY_ID["tehran"]["t1_cum_rai_p"]["test"] == "Mann-Whitney U"


# ---------------------------------------------------------------------------------------------------- consistency
# count (percent) pairs: the percent must be count / population size, rounded to the printed precision.


def _percent_pairs():
    out = []
    for study in STUDIES:
        for id_, e in BY_ID[study].items():
            n_id = id_.removesuffix("_pct") + "_n"
            if e["statistic"] != "percent" or n_id not in BY_ID[study]:
                continue
            reason = conflict(study, [id_], {"rounding", "arithmetic"})
            out.append(case(study, id_, n_id, id_, reason=reason))
    return out


@pytest.mark.parametrize(("study", "n_id", "pct_id"), _percent_pairs())
def test_percent_is_count_over_population(study, n_id, pct_id):
    e = BY_ID[study][pct_id]
    assert printed_percent(int(val(study, n_id)), pop_n(study, pct_id), e["precision"]) == e["value"]


def _lone_percents():
    # Percentages printed without their count: some whole count of the population must give them. Table 3 of
    # Ling et al. is left out: its percentages are within subgroups (checked against Table 4 below).
    out = []
    for study in STUDIES:
        for id_, e in BY_ID[study].items():
            external = DOCS[study]["populations"][e["population"]].get("external", False)
            if (e["statistic"] != "percent" or external or id_.removesuffix("_pct") + "_n" in BY_ID[study]
                    or (study == "zhujiang_2023" and e["table"] == "Table 3")):
                continue
            out.append(case(study, id_, id_, reason=conflict(study, [id_], {"rounding", "arithmetic"})))
    return out


@pytest.mark.parametrize(("study", "pct_id"), _lone_percents())
def test_percent_is_a_whole_count_of_the_population(study, pct_id):
    e, n = BY_ID[study][pct_id], pop_n(study, pct_id)
    assert any(printed_percent(k, n, e["precision"]) == e["value"] for k in range(n + 1))


# the same quantity printed in two places must be printed the same

SAME = {
    "zhujiang_2023": [
        ("abs_treated_n", "txt_treated_n"), ("abs_evaluable_n", "txt_evaluable_n"), ("fig1_n", "txt_evaluable_n"),
        ("fig2_n", "txt_evaluable_n"), ("abs_followup_median", "txt_followup_evaluable_median"),
        ("abs_followup_min", "txt_followup_evaluable_min"), ("abs_followup_max", "txt_followup_evaluable_max"),
        ("disc_followup_median", "txt_followup_evaluable_median"),
        ("txt_age_median", "t1_age_median"), ("txt_age_min", "t1_age_min"), ("txt_age_max", "t1_age_max"),
        ("txt_histology_ptc_pct", "t1_histology_ptc_pct"), ("txt_distant_met_n", "t1_distant_met_yes_n"),
        ("txt_distant_met_pct", "t1_distant_met_yes_pct"), ("txt_site_lung_n", "t1_site_lung_n"),
        ("abs_dcr_n", "t2_dc_n"), ("abs_dcr_pct", "t2_dc_pct"), ("txt_dc_n", "t2_dc_n"), ("txt_dc_pct", "t2_dc_pct"),
        ("disc_dcr_pct", "t2_dc_pct"), ("abs_orr_n", "t2_pr_n"), ("abs_orr_pct", "t2_pr_pct"),
        ("disc_orr_pct", "t2_pr_pct"), ("txt_cr_n", "t2_cr_n"), ("txt_pr_n", "t2_pr_n"), ("txt_pr_pct", "t2_pr_pct"),
        ("txt_sd_n", "t2_sd_n"), ("txt_sd_pct", "t2_sd_pct"), ("txt_pd_n", "t2_pd_n"), ("txt_pd_pct", "t2_pd_pct"),
        ("txt_dc_ge18m_n", "t2_dc_ge18m_n"), ("t2_or_ge12m_n", "t2_pr_n"),
        ("t4_disease_control_pr_sd_n", "t2_dc_n"), ("t4_disease_control_pd_n", "t2_pd_n"),
        ("t4_objective_response_pr_cr_n", "t2_pr_n"), ("txt_pfs_bone_in_dm_n", "t4_distant_met_yes_n"),
        ("abs_dcr_tg_p", "t3_tg_response_dcr_p"), ("txt_dcr_tg_p", "t3_tg_response_dcr_p"),
        ("abs_orr_lung_met_p", "t3_lung_met_orr_p"), ("txt_orr_lung_met_p", "t3_lung_met_orr_p"),
        ("abs_orr_lung_only_p", "t3_lung_only_orr_p"), ("txt_orr_lung_only_p", "t3_lung_only_orr_p"),
        ("abs_pfs_median", "txt_pfs_median"), ("disc_pfs_median", "txt_pfs_median"),
        ("abs_pfs_ci_low", "txt_pfs_ci_low"), ("abs_pfs_ci_high", "txt_pfs_ci_high"),
        ("abs_pfs_sex_p", "t4_sex_p"), ("txt_pfs_sex_p", "t4_sex_p"),
        ("abs_pfs_lung_only_p", "t4_lung_only_p"), ("txt_pfs_lung_only_p", "t4_lung_only_p"),
        ("abs_pfs_hfs_p", "t4_hfs_p"), ("txt_pfs_hfs_p", "t4_hfs_p"),
        ("abs_pfs_tg_response_p", "t4_tg_response_p"), ("txt_pfs_tg_response_p", "t4_tg_response_p"),
        ("abs_pfs_bone_met_p", "t4_bone_met_p"), ("txt_pfs_bone_met_p", "t4_bone_met_p"),
        ("abs_ae_hfs_any_pct", "t5_hfs_any_pct"), ("txt_ae_hfs_any_pct", "t5_hfs_any_pct"),
        ("disc_hfs_pct", "t5_hfs_any_pct"), ("abs_ae_diarrhea_any_pct", "t5_diarrhea_any_pct"),
        ("txt_ae_diarrhea_any_pct", "t5_diarrhea_any_pct"), ("abs_ae_alopecia_any_pct", "t5_alopecia_any_pct"),
        ("txt_ae_alopecia_any_pct", "t5_alopecia_any_pct"), ("txt_ae_diarrhea_g34_pct", "t5_diarrhea_g34_pct"),
        ("txt_ae_hfs_g34_pct", "t5_hfs_g34_pct"), ("disc_hfs_g34_n", "t5_hfs_g34_n"),
        ("txt_ae_weight_loss_n", "t5_weight_loss_any_n"), ("txt_ae_myodynia_n", "t5_myodynia_any_n"),
        ("txt_ae_thrombocytopenia_n", "t5_thrombocytopenia_any_n"), ("fig1_new_lesion_n", "txt_pd_new_lesion_n"),
        ("disc_benekli_orr_pct", "t6_benekli_orr_pct"), ("disc_massicotte_orr_pct", "t6_massicotte_orr_pct"),
        ("disc_kim_orr_pct", "t6_kim_orr_pct"), ("disc_cheng_orr_pct", "t6_cheng_orr_pct"),
        ("disc_decision_pfs_median", "t6_decision_pfs_median"), ("disc_kim_pfs_median", "t6_kim_pfs_median"),
        ("disc_massicotte_pfs_median", "t6_massicotte_pfs_median"), ("disc_cheng_pfs_median", "t6_cheng_pfs_median"),
        ("disc_benekli_pfs_median", "t6_benekli_pfs_median"), ("disc_decision_ae_pct", "t6_decision_ae_pct"),
        ("disc_cheng_ae_pct", "t6_cheng_ae_pct"), ("disc_cheng_followup_median", "t6_cheng_followup_median"),
    ],
    "tehran": [
        ("abs_sorafenib_n", "txt_sorafenib_n"), ("abs_control_n", "txt_control_n"),
        ("abs_cbr_sorafenib_pct", "t2_cbr_sorafenib_pct"), ("abs_cbr_control_pct", "t2_cbr_control_pct"),
        ("txt_cbr_sorafenib_n", "t2_cbr_sorafenib_n"), ("txt_cbr_sorafenib_pct", "t2_cbr_sorafenib_pct"),
        ("txt_cbr_control_n", "t2_cbr_control_n"), ("txt_cbr_control_pct", "t2_cbr_control_pct"),
        ("abs_cbr_p", "t2_cbr_p"), ("txt_cbr_p", "t2_cbr_p"),
        ("abs_pfs_sorafenib_median", "t2_pfs_sorafenib_median"), ("abs_pfs_control_median", "t2_pfs_control_median"),
        ("txt_pfs_sorafenib_median", "t2_pfs_sorafenib_median"), ("txt_pfs_sorafenib_min", "t2_pfs_sorafenib_min"),
        ("txt_pfs_sorafenib_max", "t2_pfs_sorafenib_max"), ("txt_pfs_control_median", "t2_pfs_control_median"),
        ("txt_pfs_control_min", "t2_pfs_control_min"), ("txt_pfs_control_max", "t2_pfs_control_max"),
        ("abs_pfs_p", "t2_pfs_p"), ("txt_pfs_p", "t2_pfs_p"), ("abs_qol_symptom_p", "t3_symptom_p"),
        ("txt_risk_intermediate_sorafenib_n", "t1_risk_intermediate_sorafenib_n"),
        ("txt_risk_high_sorafenib_n", "t1_risk_high_sorafenib_n"),
        ("txt_risk_intermediate_control_n", "t1_risk_intermediate_control_n"),
        ("txt_risk_high_control_n", "t1_risk_high_control_n"), ("txt_risk_p", "t1_risk_p"),
    ],
}


@pytest.mark.parametrize(("study", "a", "b"), [
    case(study, f"{a}={b}", a, b, reason=conflict(study, [a, b], {"text_vs_table"}, every=True))
    for study, pairs in SAME.items() for a, b in pairs
])
def test_same_quantity_printed_alike(study, a, b):
    assert BY_ID[study][a]["value"] == BY_ID[study][b]["value"]


# parts that must add up to a total (an id or a population size)

SUMS = {
    "zhujiang_2023": [
        (["t1_age_ge55_n", "t1_age_lt55_n"], "all_treated"),
        (["t1_sex_male_n", "t1_sex_female_n"], "all_treated"),
        (["t1_histology_ftc_n", "t1_histology_ptc_n", "t1_histology_ftc_ptc_n"], "all_treated"),
        (["t1_rai_uptake_yes_n", "t1_rai_uptake_no_n"], "all_treated"),
        (["t1_distant_met_yes_n", "t1_distant_met_no_n"], "all_treated"),
        (["t1_target_lung_n", "t1_target_bone_n", "t1_target_lymph_node_n", "t1_target_neck_n"], "all_treated"),
        (["t1_refractory_no_uptake_n", "t1_refractory_uptake_progression_n", "t1_refractory_progression_or_dose_n"],
         "all_treated"),
        (["txt_excluded_n", "txt_evaluable_n"], "all_treated"),
        (["txt_excluded_single_exam_n", "txt_excluded_no_target_n", "txt_excluded_surgery_n"], "txt_excluded_n"),
        (["t2_cr_n", "t2_pr_n", "t2_sd_n"], "t2_dc_n"),
        (["t2_dc_n", "t2_pd_n"], "evaluable"),
        (["t2_dc_le6m_n", "t2_dc_6to12m_n", "t2_dc_12to18m_n", "t2_dc_ge18m_n"], "t2_dc_n"),
        (["t2_dc_12to18m_n", "t2_dc_ge18m_n"], "txt_dc_ge12m_n"),
        (["txt_dc_ge12m_n", "t2_dc_le6m_n"], "txt_dc_n"),
    ],
    "tehran": [
        (["t1_sex_male_sorafenib_n", "t1_sex_female_sorafenib_n"], "sorafenib"),
        (["t1_sex_male_control_n", "t1_sex_female_control_n"], "control"),
        (["t1_risk_intermediate_sorafenib_n", "t1_risk_high_sorafenib_n"], "sorafenib"),
        (["t1_risk_intermediate_control_n", "t1_risk_high_control_n"], "control"),
        (["t1_rai_courses_lt3_sorafenib_n", "t1_rai_courses_3to6_sorafenib_n", "t1_rai_courses_gt6_sorafenib_n"],
         "sorafenib"),
        (["t1_rai_courses_lt3_control_n", "t1_rai_courses_3to6_control_n", "t1_rai_courses_gt6_control_n"],
         "control"),
        (["txt_met_lung_sorafenib_n", "txt_met_lung_bone_sorafenib_n", "txt_met_bone_only_sorafenib_n"], "sorafenib"),
        (["txt_met_lung_control_n", "txt_met_lung_bone_control_n", "txt_met_lymph_node_control_n",
          "txt_met_bone_only_control_n"], "control"),
        (["txt_resp_pr_sorafenib_n", "txt_resp_sd_sorafenib_n", "txt_resp_pd_sorafenib_n"], "sorafenib"),
        (["txt_resp_pr_control_n", "txt_resp_sd_control_n", "txt_resp_pd_control_n"], "control"),
        (["txt_resp_pr_sorafenib_n", "txt_resp_sd_sorafenib_n"], "t2_cbr_sorafenib_n"),
        (["txt_resp_pr_control_n", "txt_resp_sd_control_n"], "t2_cbr_control_n"),
    ],
}
# Table 4 of Ling et al.: the two levels of every variable cover the 26 evaluable patients.
SUMS["zhujiang_2023"] += [
    ([i for i in BY_ID["zhujiang_2023"] if i.startswith(p_id.removesuffix("_p") + "_") and i.endswith("_n")],
     "evaluable")
    for p_id in BY_ID["zhujiang_2023"] if p_id.startswith("t4_") and p_id.endswith("_p")
]
# Table 5 of Ling et al.: grades 1-2 plus grades 3-4 is any grade.
SUMS["zhujiang_2023"] += [
    ([any_id.replace("_any_", "_g12_"), any_id.replace("_any_", "_g34_")], any_id)
    for any_id in BY_ID["zhujiang_2023"] if any_id.startswith("t5_") and any_id.endswith("_any_n")
]


@pytest.mark.parametrize(("study", "parts", "total"), [
    case(study, f"{'+'.join(parts)}={total}", parts, total) for study, sums in SUMS.items() for parts, total in sums
])
def test_parts_add_up(study, parts, total):
    assert len(parts) >= 2
    expected = DOCS[study]["populations"][total]["n"] if total in DOCS[study]["populations"] else val(study, total)
    assert sum(val(study, p) for p in parts) == expected


# Ling et al.: the 26 evaluable patients are a subset of the 31 treated, so no level can count more of them.
SUBSETS = [("t4_age_ge55_n", "t1_age_ge55_n"), ("t4_age_lt55_n", "t1_age_lt55_n"),
           ("t4_sex_male_n", "t1_sex_male_n"), ("t4_sex_female_n", "t1_sex_female_n"),
           ("t4_histology_ftc_n", "t1_histology_ftc_n"), ("t4_histology_ptc_n", "t1_histology_ptc_n"),
           ("t4_rai_uptake_yes_n", "t1_rai_uptake_yes_n"), ("t4_rai_uptake_no_n", "t1_rai_uptake_no_n"),
           ("t4_distant_met_yes_n", "t1_distant_met_yes_n"), ("t4_distant_met_no_n", "t1_distant_met_no_n"),
           ("t4_lung_met_yes_n", "t1_site_lung_n"), ("t4_lung_only_yes_n", "t1_site_lung_only_n"),
           ("t4_bone_met_yes_n", "t1_site_bone_n"), ("t1_site_lung_only_n", "t1_site_lung_n"),
           ("t4_lung_only_yes_n", "t4_lung_met_yes_n"), ("txt_pfs_bone_in_dm_n", "t1_distant_met_yes_n")]


@pytest.mark.parametrize(("study", "part", "whole"), [
    case("zhujiang_2023", f"{part}<={whole}", part, whole,
         reason=conflict("zhujiang_2023", [part, whole], {"subset_exceeds_set"}, every=True))
    for part, whole in SUBSETS
])
def test_subset_count_not_above_set_count(study, part, whole):
    assert val(study, part) <= val(study, whole)


@pytest.mark.parametrize(("study",), [
    case("zhujiang_2023", "targets_within_metastatic_sites",
         reason=conflict("zhujiang_2023", ["t1_target_lung_n", "t1_target_bone_n"], {"definition"}, every=True))
])
def test_lung_and_bone_targets_fit_the_patients_with_lung_or_bone_metastases(study):
    """A patient's target lesions lie at her metastatic sites: at most |lung ∪ bone| patients have lung or bone
    targets, and |lung ∩ bone| is at least the evaluable patients' lung + bone − distant (Tables 3–4)."""
    both = val(study, "t4_lung_met_yes_n") + val(study, "t4_bone_met_yes_n") - val(study, "t4_distant_met_yes_n")
    either = val(study, "t1_site_lung_n") + val(study, "t1_site_bone_n") - both
    assert val(study, "t1_target_lung_n") + val(study, "t1_target_bone_n") <= either


@pytest.mark.parametrize(("study",), [
    case("zhujiang_2023", "no_uptake_in_first_refractory_class",
         reason=conflict("zhujiang_2023", ["t1_refractory_no_uptake_n", "t1_rai_uptake_no_n"], {"definition"},
                         every=True))
])
def test_patients_without_uptake_fit_the_first_refractoriness_class(study):
    assert val(study, "t1_rai_uptake_no_n") <= val(study, "t1_refractory_no_uptake_n")


# medians inside their ranges and confidence intervals

def _intervals():
    out = []
    for study in STUDIES:
        for id_ in BY_ID[study]:
            if not id_.endswith("_median"):
                continue
            stem = id_.removesuffix("_median")
            for lo, hi in ((stem + "_min", stem + "_max"), (stem + "_ci_low", stem + "_ci_high")):
                if lo in BY_ID[study] and hi in BY_ID[study]:
                    out.append(case(study, id_, lo, id_, hi))
    return out


@pytest.mark.parametrize(("study", "lo", "mid", "hi"), _intervals())
def test_median_within_its_range_or_interval(study, lo, mid, hi):
    assert val(study, lo) <= val(study, mid) <= val(study, hi)


def test_every_median_with_a_range_is_checked():
    # Counted in the papers. Ling et al.: age and cumulative RAI dose (Table 1); age, two follow-ups, three AE
    # durations and PFS with its CI (results text); follow-up and PFS with its CI (abstract) = 11.
    # Tehran: RAI dose and Tg per arm (Table 1) = 4; PFS per arm in text and Table 2 = 4; 9 QoL rows x 2 arms = 18.
    per_study = {s: sum(1 for c in _intervals() if c.values[0] == s) for s in STUDIES}
    assert per_study == {"zhujiang_2023": 11, "tehran": 26}


# Ling et al. Table 3: with the Table 4 group sizes, each printed DCR/ORR percentage is one whole count, the counts
# of the two levels add up to the Table 2 totals (15 with disease control, 7 responders), and the printed p-value is
# the two-sided Fisher exact test on those counts.

def _table3():
    z = BY_ID["zhujiang_2023"]
    out = []
    for p_id in z:
        m = re.fullmatch(r"t3_(.+)_(dcr|orr)_p", p_id)
        if not m:
            continue
        var, endpoint = m[1], m[2]
        levels = [i[len(f"t3_{var}_"):-len(f"_{endpoint}_pct")] for i in z
                  if i.startswith(f"t3_{var}_") and i.endswith(f"_{endpoint}_pct")]
        out.append(case("zhujiang_2023", p_id, var, endpoint, levels))
    return out


@pytest.mark.parametrize(("study", "var", "endpoint", "levels"), _table3())
def test_zhujiang_table3_counts_totals_and_fisher_p(study, var, endpoint, levels):
    assert len(levels) == 2
    total = int(val(study, "t2_dc_n" if endpoint == "dcr" else "t2_pr_n"))
    counts = []
    for level in levels:
        e = BY_ID[study][f"t3_{var}_{level}_{endpoint}_pct"]
        size = int(val(study, f"t4_{var}_{level}_n"))
        ks = [k for k in range(size + 1) if printed_percent(k, size, e["precision"]) == e["value"]]
        assert len(ks) == 1, (level, ks)
        counts.append((ks[0], size))
    assert sum(k for k, _ in counts) == total
    table = [[k for k, _ in counts], [size - k for k, size in counts]]
    p = stats.fisher_exact(table, alternative="two-sided")[1]
    printed = BY_ID[study][f"t3_{var}_{endpoint}_p"]
    assert f"{p:.{printed['precision']}f}" == printed["value"]


# Tehran: chi-square p-values recomputed from the printed counts (Methods: chi-square for qualitative data).

def _arm_counts(prefixes):
    return [[int(val("tehran", f"{p}_{arm}_n")) for p in prefixes] for arm in ("sorafenib", "control")]


CHISQ = [
    ("t1_sex_p", ["t1_sex_male", "t1_sex_female"]),
    ("t1_risk_p", ["t1_risk_intermediate", "t1_risk_high"]),
    ("t1_rai_courses_p", ["t1_rai_courses_lt3", "t1_rai_courses_3to6", "t1_rai_courses_gt6"]),
    ("txt_resp_p", ["txt_resp_pr", "txt_resp_sd", "txt_resp_pd"]),
]


@pytest.mark.parametrize(("study", "p_id", "prefixes"), [
    case("tehran", p_id, p_id, prefixes, reason=conflict("tehran", [p_id], {"not_reproducible"}))
    for p_id, prefixes in CHISQ
])
def test_tehran_chi_square_p_from_printed_counts(study, p_id, prefixes):
    p = stats.chi2_contingency(_arm_counts(prefixes), correction=False)[1]
    assert f"{p:.3f}" == BY_ID[study][p_id]["value"]


def test_tehran_clinical_benefit_p_is_a_pearson_chi_square():
    table = [[int(val("tehran", f"t2_cbr_{arm}_n")), pop - int(val("tehran", f"t2_cbr_{arm}_n"))]
             for arm, pop in (("sorafenib", 22), ("control", 23))]
    p = stats.chi2_contingency(table, correction=False)[1]
    assert f"{p:.3f}" == BY_ID["tehran"]["t2_cbr_p"]["value"] == "0.042"


# Tehran Table 3: no score above the subscale maximum; the subscale maxima add up to the total maximum.

QOL = ["physical", "role", "symptom", "cognitive", "emotional", "social", "financial", "global"]


@pytest.mark.parametrize(("study", "max_id", "scale_id"), [
    case("tehran", f"t3_{s}_{arm}_max", f"t3_{s}_{arm}_max", f"t3_{s}_scale_max",
         reason=conflict("tehran", [f"t3_{s}_{arm}_max"], {"arithmetic"}))
    for s in [*QOL, "sum"] for arm in ("sorafenib", "control")
])
def test_tehran_qol_score_not_above_scale_maximum(study, max_id, scale_id):
    assert val(study, max_id) <= val(study, scale_id)


@pytest.mark.parametrize(("study",), [
    case("tehran", "subscale_maxima_sum", reason=conflict("tehran", ["t3_sum_scale_max"], {"arithmetic"}))
])
def test_tehran_qol_subscale_maxima_add_up_to_total(study):
    assert sum(val(study, f"t3_{s}_scale_max") for s in QOL) == val(study, "t3_sum_scale_max")


# ---------------------------------------------------------------------------------------------------- conflicts
# Defined last: the parametrisations above have registered which conflicts they expect to fail.


@pytest.mark.parametrize("study", STUDIES)
def test_every_numeric_conflict_is_exercised_by_a_check(study):
    for c in DOCS[study].get("conflicts", []):
        if c["kind"] in CHECKABLE_KINDS:
            assert (study, c["description"]) in _XFAIL_REASONS_USED, c["ids"]
