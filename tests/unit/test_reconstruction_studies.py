"""The reproduced studies as data (resources/studies/<study>/) and their committed cohorts.

- every published number has an origin (or belongs to another study);
- the committed cohort, read back through the pipeline, has the designed counts (apart from recorded conflicts),
  the values the reconstruction recorded for it (summary.csv's ``committed`` column: the engine and the pipeline
  agree), the file digests the reconstruction recorded (no patient edited by hand), and plausibility statistics
  within the ensemble's limits;
- a small ensemble is deterministic, and each member's files give the pipeline the member's designed courses.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tkicohort.config import load_yaml
from tkicohort.derive.dataset import build_analysis_dataset
from tkicohort.ingest.validate import ingest_cohort
from tkicohort.io import read_csv
from tkicohort.recist.stage import run_recist
from tkicohort.reconstruct.cli import main as reconstruct_main
from tkicohort.reconstruct.ensemble import origins, pipeline_datasets, reconstruct, summary_frame
from tkicohort.reconstruct.study import load_study, target_ids
from tkicohort.reproduce.reproduction import load_publication, reproduce_publication
from tkicohort.stats.plausibility import compare
from tkicohort.stats.plausibility_cli import cohort_statistics
from tkicohort.stats.tables import TableInputs, make_table, tables_for

REPO = Path(__file__).resolve().parents[2]
STUDIES = {"zhujiang_2023": "config/plans/zhujiang.yaml", "tehran": "config/plans/tehran.yaml",
           "decision": "config/plans/decision.yaml", "luo_2014": "config/plans/luo.yaml"}
QUICK = {"particles": 150, "max_generations": 2, "batch": 600, "ae_particles": 60, "search_steps": 600,
         "chain_steps": 100}


@functools.cache
def through_pipeline(name: str) -> dict:
    """A study's committed cohort read back through the pipeline (once per test run): its ingested files, RECIST
    visits, analysis dataset and every table of its plan."""
    study = load_study(REPO / "resources" / "studies" / name)
    plan = load_yaml(REPO / STUDIES[name])
    tables = ingest_cohort(study.cohort_folder()).tables
    visits, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], plan["recist"])
    dataset = build_analysis_dataset(tables["patients"], best, plan, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    inputs = TableInputs(dataset=dataset, adverse_events=tables["adverse_events"], qol=tables["qol"])
    made = {t: make_table(t, inputs, plan) for t in tables_for(plan, has_qol=len(tables["qol"]) > 0)}
    return {"study": study, "plan": plan, "tables": tables, "visits": visits, "dataset": dataset, "made": made}


@pytest.fixture(scope="module", params=list(STUDIES))
def committed(request):
    name = request.param
    folder = REPO / "resources" / "studies" / name
    run = through_pipeline(name)
    study, plan, tables, visits, dataset, made = (run[k] for k in ("study", "plan", "tables", "visits", "dataset",
                                                                   "made"))
    summary = read_csv(folder / "ensemble" / "summary.csv")
    data = {"visits": visits, **{k: tables[k] for k in ("tumor_measurements", "adverse_events", "doses")}}
    document = load_publication(folder / "published.yaml")
    report = reproduce_publication(document, made, dataset, data=data, ensemble=summary).set_index("target_id")
    return {"name": name, "study": study, "plan": plan, "summary": summary.set_index("target_id"), "report": report,
            "document": document, "folder": folder}


def test_every_published_number_has_an_origin_or_belongs_to_another_study(committed):
    study = committed["study"]
    origin = origins(study)
    assert set(origin) == set(study.published)
    assert set(origin.values()) <= {"designed", "fitted", "held_out", "derived", ""}
    none_listed = (study.spec["origins"] or {}).get("none", [])
    import fnmatch

    for key, o in origin.items():
        if o == "":
            entry = study.published[key]
            assert entry["population"] in study.external or any(fnmatch.fnmatchcase(key, p) for p in none_listed), key


def test_zhujiang_holds_out_at_least_twenty_numbers_of_the_kinds_asked_for():
    study = load_study(REPO / "resources" / "studies" / "zhujiang_2023")
    held = [k for k, o in origins(study).items() if o == "held_out"]
    assert len(held) >= 20
    kinds = {study.published[k]["statistic"] for k in held}
    assert {"p_value", "ci_low", "range_min", "range_max"} <= kinds


def test_designed_counts_hold_in_the_committed_cohort(committed):
    report = committed["report"]
    conflicts = {i for c in committed["document"].get("conflicts", []) for i in c["ids"] + c.get("related", [])}
    counts = report[(report["origin"] == "designed") & report["statistic"].isin(["n", "count_total"])]
    missed = counts[(counts["status"] != "match") & ~counts.index.isin(conflicts)]
    assert missed.empty, missed[["published", "reproduced", "note"]]


def test_the_engine_and_the_pipeline_agree_on_the_committed_cohort(committed):
    """summary.csv's `committed` values were computed by the reconstruction from its own reading of the files; the
    reproduction computes the same numbers from the pipeline's tables."""
    summary, report = committed["summary"], committed["report"]
    rows = summary[summary["committed"].notna()]
    named = target_ids(committed["study"].spec)
    # only numbers the spec computes; every fit target among them (an upper limit not reached may be missing)
    assert set(rows.index) <= set(named) and {k for k, role in named.items() if role == "fit"} <= set(rows.index)
    for key, row in rows.iterrows():
        got = report.loc[key, "reproduced"]
        assert np.isclose(got, row["committed"], rtol=1e-9, atol=1e-12), (key, got, row["committed"])


def test_held_out_status_follows_the_ensemble_range(committed):
    report = committed["report"]
    held = report[report["origin"] == "held_out"]
    assert len(held) and held["ensemble_low"].notna().all()
    assert set(held["status"]) <= {"match", "differs"}
    assert (held.loc[held["status"] == "match", "note"].str.startswith("held out: within")).all()


def test_committed_files_are_those_the_reconstruction_wrote(committed):
    digests = read_csv(committed["folder"] / "ensemble" / "cohort_files.csv")
    cohort = committed["study"].cohort_folder()
    for r in digests.itertuples():
        assert hashlib.sha256((cohort / r.file).read_bytes()).hexdigest() == r.sha256, r.file
    assert sorted(digests["file"]) == sorted(p.name for p in cohort.glob("*.csv"))


def test_no_plausibility_statistic_beyond_the_ensemble_limit(committed):
    observed = cohort_statistics(committed["study"].cohort_folder(), committed["plan"])
    table = compare(observed, read_csv(committed["folder"] / "ensemble" / "plausibility.csv"))
    compared = table[table["status"] != "not_compared"]
    assert len(compared) >= 10
    assert (compared["status"] == "pass").all(), compared[compared["status"] == "fail"]


@pytest.mark.parametrize("name", list(STUDIES))
def test_a_small_ensemble_is_deterministic_and_its_files_give_the_designed_courses(name, tmp_path):
    """Two quick fits of a 4-member ensemble (short fits and conditioning chains: a few seconds); every member's
    files are read back through the pipeline and compared, patient by patient, with the member's designed course."""
    folder = REPO / "resources" / "studies" / name
    first = reconstruct(folder, members=4, settings=QUICK)
    second = reconstruct(folder, members=4, settings=QUICK)
    pd.testing.assert_frame_equal(summary_frame(first), summary_frame(second))
    for a, b in zip(first.frames, second.frames, strict=True):
        for key in a:
            if not key.startswith("_"):
                pd.testing.assert_frame_equal(a[key], b[key])
    dataset, _ = pipeline_datasets(first.study, first.frames)
    courses = first.ensemble.courses
    study = first.study
    for m, frames in enumerate(first.frames):
        ids = frames["_ids"]
        d = dataset[dataset["member"] == m].assign(pid=lambda x: x["patient_id"].str.slice(6)).set_index("pid")
        d = d.loc[ids]
        evaluable = np.isin(study.kind, ["CR", "PR", "SD", "PD"])
        assert (d["evaluable"].to_numpy() == evaluable).all()
        assert (d["bor"].to_numpy()[evaluable] == study.course[evaluable]).all()
        assert (d["pfs_days"].to_numpy()[evaluable] == courses.pfs_day[m][evaluable]).all()
        assert (d["pfs_event"].to_numpy()[evaluable] == courses.pfs_event[m][evaluable]).all()
        assert (d["followup_days"].to_numpy() == courses.followup_day[m]).all()
        assert (d["os_event"].to_numpy() == courses.death[m]).all()
        responders = np.isin(study.course, ["CR", "PR"])
        dor = courses.pfs_day[m] - courses.response_day[m]
        assert np.allclose(d["dor_days"].to_numpy(dtype=float)[responders], dor[responders])


def test_a_spec_that_cannot_describe_a_cohort_stops_with_a_message(tmp_path, capsys):
    folder = tmp_path / "study"
    folder.mkdir()
    source = REPO / "resources" / "studies" / "tehran"
    (folder / "published.yaml").write_bytes((source / "published.yaml").read_bytes())
    spec = (source / "reconstruction.yaml").read_text(encoding="utf-8").replace(
        "sorafenib: {M: 10, F: 12}", "sorafenib: {M: 10, F: 13}").replace("plan: config", "plan: config")
    (folder / "reconstruction.yaml").write_text(spec, encoding="utf-8")
    code = reconstruct_main([str(folder), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 2
    assert "covariate 'sex': cell 'sorafenib' lists 23 patients, it has [22]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_plausibility_command_passes_the_committed_cohort(capsys):
    from tkicohort.stats.plausibility_cli import main as plausibility_main

    folder = REPO / "resources" / "studies" / "zhujiang_2023"
    code = plausibility_main([str(REPO / "resources" / "cohorts" / "zhujiang_2023"), "--plan",
                              str(REPO / "config" / "plans" / "zhujiang.yaml"), "--ensemble",
                              str(folder / "ensemble" / "plausibility.csv")])
    out = capsys.readouterr().out
    assert code == 0 and "max_events_14d" in out and "fail" not in out


def test_the_plausibility_command_fails_a_cohort_with_artefacts(tmp_path, capsys):
    """The committed Zhujiang files with every last contact moved to one day: the share of distinct last-contact
    days collapses and the check fails."""
    from tkicohort.stats.plausibility_cli import main as plausibility_main

    source = REPO / "resources" / "cohorts" / "zhujiang_2023"
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for f in source.glob("*.csv"):
        (cohort / f.name).write_bytes(f.read_bytes())
    patients = pd.read_csv(cohort / "patients.csv", dtype=str, keep_default_na=False)
    alive = patients["death"] == "0"
    patients.loc[alive, "followup_days"] = "1560"
    patients.to_csv(cohort / "patients.csv", index=False)
    code = plausibility_main([str(cohort), "--plan", str(REPO / "config" / "plans" / "zhujiang.yaml"), "--ensemble",
                              str(REPO / "resources" / "studies" / "zhujiang_2023" / "ensemble" / "plausibility.csv")])
    out = capsys.readouterr().out
    assert code == 1
    assert any(line.startswith("distinct_last_contact_share") and line.endswith("fail") for line in out.splitlines())


def _committed_tables(name: str) -> tuple[pd.DataFrame, dict]:
    run = through_pipeline(name)
    return run["dataset"], run["made"]


SEEDS_REFERENCE = REPO / "tests" / "reference" / "seeds"


def test_decision_pfs_by_arm_agrees_with_r_and_meets_the_published_numbers():
    """The committed DECISION cohort read by the pipeline: the PFS data are those R was given
    (tests/reference/seeds/decision.csv), the medians, log-rank test and Cox hazard ratio of pfs_by_arm are R's
    (survfit log-log, survdiff, coxph Efron), and they meet the published numbers: medians within 0.3 months of 10.8
    and 5.8, a CI overlapping 0.45-0.76, a log-rank p below 0.0001."""
    dataset, made = _committed_tables("decision")
    data = read_csv(SEEDS_REFERENCE / "decision.csv").set_index("patient_id")
    mine = dataset.set_index("patient_id").loc[data.index]
    assert (mine["arm"] == data["arm"]).all()
    assert np.array_equal(mine["pfs_days"].to_numpy(float), data["pfs_days"].to_numpy(float))
    assert np.array_equal(mine["pfs_event"].to_numpy(float), data["pfs_event"].to_numpy(float))
    r = read_csv(SEEDS_REFERENCE / "seeds_survival.csv").set_index("quantity")
    table = made["pfs_by_arm"].set_index("level")
    for arm, published in (("sorafenib", 10.8), ("placebo", 5.8)):
        ref = r.loc[f"decision_pfs_median_{arm}"]
        got = table.loc[arm]
        assert np.allclose([got["median"], got["median_ci_low"], got["median_ci_high"]],
                           [ref["value"], ref["ci_low"], ref["ci_high"]], rtol=1e-9)
        assert abs(got["median"] - published) <= 0.3, (arm, got["median"])
    hr = table.loc["sorafenib"]
    assert np.allclose([hr["hr"], hr["hr_ci_low"], hr["hr_ci_high"], hr["hr_p"]],
                       r.loc["decision_hr", ["value", "ci_low", "ci_high", "p"]].to_numpy(float), rtol=1e-6)
    assert np.isclose(hr["logrank_chisq"], r.loc["decision_logrank", "value"], rtol=1e-9)
    assert np.isclose(hr["logrank_p"], r.loc["decision_logrank", "p"], rtol=1e-6)
    assert hr["hr_ci_low"] <= 0.76 and hr["hr_ci_high"] >= 0.45  # overlaps the published interval
    assert hr["logrank_p"] < 0.0001


def test_luo_medians_in_weeks_agree_with_r():
    dataset, made = _committed_tables("luo_2014")
    data = read_csv(SEEDS_REFERENCE / "luo.csv").set_index("patient_id")
    mine = dataset.set_index("patient_id").loc[data.index]
    for col in ("pfs_days", "pfs_event", "os_days", "os_event"):
        assert np.array_equal(mine[col].to_numpy(float), data[col].to_numpy(float)), col
    r = read_csv(SEEDS_REFERENCE / "seeds_survival.csv").set_index("quantity")
    overall = made["pfs_overall"].set_index(["endpoint", "statistic"])
    for endpoint in ("pfs", "os"):
        got = overall.loc[(endpoint, "median")]
        ref = r.loc[f"luo_{endpoint}_median_weeks"]
        assert np.allclose([got["value"], got["ci_low"], got["ci_high"]], [ref["value"], ref["ci_low"], ref["ci_high"]],
                           rtol=1e-9), endpoint
