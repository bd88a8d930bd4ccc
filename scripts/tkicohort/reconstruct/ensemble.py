"""A study reconstructed: the fitted ensemble, its files read back through the pipeline, and the committed member.

Steps (each documented in its module): fit the survival model and draw the members (:mod:`.fit`); continuous
covariates (:mod:`.continuous`); adverse events, their duration parameters fitted by a second ABC-SMC with the
members' follow-up as context, and doses (:mod:`.events`); the contract files of every member (:mod:`.records`,
:mod:`.qol`). All members' files are then written together and read back through the pipeline's own ingestion,
RECIST stage and derivation, so every number of the ensemble — fitted, held out, plausibility — is computed from
what the pipeline derives, exactly as for the committed cohort.

**The committed member** (the cohort under ``resources/cohorts/``) is chosen by a rule that reads only the fit
targets and the plausibility statistics, never the held-out numbers: among the members whose conditioned summaries
print as published (or miss by the least) and whose plausibility statistics all lie within the ensemble's
1st–99th percentiles, the one whose largest relative deviation from a fit target, |value − published| / published
(for counts and values below 1, the deviation itself; a number the member cannot estimate counts 3), is smallest —
no fitted number far off —, then the smallest root mean square of those deviations; each number printed twice
counts once; remaining ties go to the lower member. The number of fit targets each member meets within the
report's tolerance is recorded beside (``members.csv``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..derive.dataset import build_analysis_dataset
from ..ingest.validate import ingest_cohort
from ..io import write_csv
from ..printing import printed
from ..recist.stage import run_recist
from ..stats.plausibility import DIRECTIONS, plausibility_statistics
from ..stats.qol import TEHRAN_RAW_SUBSCALES
from .abc import Prior, abc_smc
from .cohort import plan_columns
from .continuous import draw_continuous
from .design import Coded
from .events import Events, dose_records, free_parameters, longest_durations, simulate_events
from .fit import Ensemble, _deviation, fit_survival, take, unique_measures
from .measures import Measure, compile_measures, evaluate_measures, observed
from .qol import draw_subscales, layout, qol_frame
from .records import labs_frame, lesions_frame, patient_ids, patients_frame
from .study import Study, load_study, target_ids, target_sources

MISSING_RELATIVE = 3.0  # the relative deviation of a fit target a member cannot estimate (a median not reached)
FILES = ("patients", "tumor_measurements", "labs", "adverse_events", "doses", "qol")
QOL_LAYOUTS = {"tehran": TEHRAN_RAW_SUBSCALES}


@dataclass
class Result:
    study: Study
    ensemble: Ensemble
    frames: list[dict[str, pd.DataFrame]]
    measures: list[Measure]
    values: np.ndarray  # members × measures, from the pipeline's reading of the files
    distances: np.ndarray
    plausibility: pd.DataFrame  # one row per member
    committed: int
    history: pd.DataFrame
    unmet: np.ndarray  # per member: how far its conditioned summaries miss the printed ones (0 = all met)
    met: np.ndarray  # per member: fit targets within the report's tolerance


def origins(study: Study) -> dict[str, str]:
    """Published id → origin: constraint ids are designed, fit targets fitted, held-out ids held out; numbers of
    another study's patients none (''); every other id by the first pattern list of ``origins`` (in the spec's
    order) that matches it, '' when none does."""
    roles = {"constraints": "designed", "fit": "fitted", "held_out": "held_out"}
    out = {key: roles[role] for key, role in target_ids(study.spec).items()}
    for key, entry in study.published.items():
        if key in out:
            continue
        if entry["population"] in study.external:
            out[key] = ""
            continue
        for origin, patterns in (study.spec.get("origins") or {}).items():
            if any(fnmatch.fnmatchcase(key, p) for p in patterns or []):
                out[key] = "" if origin == "none" else origin
                break
        else:
            out[key] = ""
    return out


def _ae_measures(study: Study, roles) -> list[Measure]:
    spec = study.spec.get("adverse_events") or {}
    return compile_measures(study, roles, source=spec.get("targets") or {})


def block_measures(study: Study) -> list[Measure]:
    """Every measure of the spec: the survival model's targets, then the other blocks' (fit and held out)."""
    out = []
    for name, source in target_sources(study.spec).items():
        roles = ["constraints", "fit", "held_out"] if name == "survival" else ["fit", "held_out"]
        out += compile_measures(study, roles, source=source)
    return out


def duration_columns(study: Study, events: Events, members: int) -> dict[str, np.ndarray]:
    spec = study.spec["adverse_events"]
    out = {"ae_duration_any": longest_durations(events, members, study.n),
           "ae_duration_grade3": longest_durations(events, members, study.n, min_grade=3)}
    for term, t in spec["terms"].items():
        if t.get("key"):
            out[f"ae_duration_{t['key']}"] = longest_durations(events, members, study.n, [term])
    return out


def fit_adverse_events(study: Study, columns: dict, followup: np.ndarray, rng: np.random.Generator,
                       log: Callable[[str], None] | None, particles: int = 400,
                       max_generations: int = 30) -> tuple[Events, list[dict]]:
    """Fit the free adverse-event duration parameters (ABC-SMC, a random member's follow-up as context of each
    simulation), then draw every member's events with parameters drawn from the fitted particles."""
    spec = study.spec["adverse_events"]
    members = followup.shape[0]
    free = free_parameters(spec)
    history: list[dict] = []
    if free:
        prior = Prior.from_spec(free)
        targets = unique_measures(_ae_measures(study, ["fit"]))
        y = observed(study, targets)
        scale = np.array([max(10.0 ** -int(study.entry(m.id)["precision"]), 0.5) for m in targets])

        def distance(z, rng_, eps):
            idx = rng.integers(members, size=len(z))
            ctx = take(columns, idx)
            ev = simulate_events(spec, ctx, followup[idx], prior.values(z), rng)
            ctx.update(duration_columns(study, ev, len(z)))
            return _deviation(evaluate_measures(targets, ctx, study.time_unit), y, scale)

        pop, history = abc_smc(prior, distance, rng, particles=particles, max_generations=max_generations,
                               log=(lambda s: log(f"adverse events: {s}")) if log else None)
        values = prior.values(pop.z[rng.integers(len(pop.z), size=members)])
    else:
        values = {}
    return simulate_events(spec, columns, followup, values, rng), history


def member_frames(study: Study, m: int, columns: dict, ensemble: Ensemble, events: Events | None,
                  rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    col = take(columns, m)
    crs = ensemble.courses
    from .fit import take_courses

    c = take_courses(crs, m)
    ids = patient_ids(study.spec["patients"]["id_prefix"], study.n, rng)
    frames = {"_ids": ids, "patients": patients_frame(study, col, c, ids),
              "tumor_measurements": lesions_frame(study, col, c, ids, rng),
              "labs": labs_frame(study, col, c, ids, rng)}
    if events is not None:
        ev = events.of_member(m)
        end = pd.array(np.where(np.isnan(ev.end), np.nan, ev.end), dtype="Float64").astype("Int64")
        ae = pd.DataFrame({"patient_id": ids[ev.slot], "term": np.array(ev.terms, dtype=object)[ev.term],
                           "grade": ev.grade, "onset_day": ev.onset.astype(int), "end_day": end})
        frames["adverse_events"] = ae.sort_values(["patient_id", "onset_day", "term"], kind="mergesort").reset_index(
            drop=True)
        if study.spec.get("doses"):
            onsets = {}
            for k, term in enumerate(ev.terms):
                o = np.full(study.n, np.nan)
                sel = ev.term == k
                o[ev.slot[sel]] = ev.onset[sel]
                onsets[term] = o
            frames["doses"] = _doses(study, col, onsets, c.followup_day, ids, rng)
    elif study.spec.get("doses"):
        frames["doses"] = _doses(study, col, {}, c.followup_day, ids, rng)
    if study.spec.get("qol"):
        frames["qol"] = qol_frame(study, col, c, ids, rng)
    return frames


def _doses(study: Study, col: dict, onsets: dict, followup: np.ndarray, ids: np.ndarray, rng) -> pd.DataFrame:
    spec = study.spec["doses"]
    treated = np.array([True] * study.n)
    if spec.get("arms"):
        treated = np.isin(study.arm, spec["arms"])
    status_col = spec.get("status")
    status = (col[status_col].decoded() if isinstance(col.get(status_col), Coded) else
              np.array(["standard"] * study.n, dtype=object)) if status_col else np.array(["standard"] * study.n,
                                                                                         dtype=object)
    status = np.where(treated, status, None)
    rows = dose_records(spec, status, onsets, followup, rng)
    frame = pd.DataFrame(rows, columns=["slot", "day", "dose_mg_per_day", "reason"])
    frame.insert(0, "patient_id", ids[frame.pop("slot").to_numpy()])
    return frame.sort_values(["patient_id", "day"], kind="mergesort").reset_index(drop=True)


def pipeline_datasets(study: Study, frames: list[dict[str, pd.DataFrame]]) -> tuple[pd.DataFrame, dict]:
    """Every member's files written together (ids prefixed by the member number), read back through the
    pipeline's ingestion, RECIST and derivation: the analysis dataset (with a ``member`` column) and the tables."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in FILES:
            parts = [f[name].assign(patient_id=f"M{m:04d}-" + f[name]["patient_id"].astype(str))
                     for m, f in enumerate(frames) if name in f]
            if parts:
                write_csv(pd.concat(parts, ignore_index=True), folder / f"{name}.csv")
        tables = ingest_cohort(folder).tables
    plan = study.plan
    _, best = run_recist(tables["patients"], tables["tumor_measurements"], tables["responses"], plan["recist"])
    dataset = build_analysis_dataset(tables["patients"], best, plan, labs=tables["labs"],
                                     adverse_events=tables["adverse_events"], doses=tables["doses"])
    dataset.insert(0, "member", dataset["patient_id"].str.slice(1, 5).astype(int))
    return dataset, tables


def dataset_columns(study: Study, dataset: pd.DataFrame, members: int) -> dict:
    """The analysis dataset as members × patients columns (rows in patient-id order within a member)."""
    d = dataset.sort_values(["member", "patient_id"], kind="mergesort")
    n = study.n
    out: dict = {}
    for name in d.columns:
        if name in ("member", "patient_id"):
            continue
        values = d[name]
        numeric = pd.to_numeric(values, errors="coerce")
        if values.dtype.kind in "biuf" or (numeric.notna() == values.notna()).all() and values.notna().any():
            out[name] = numeric.to_numpy(dtype=float).reshape(members, n)
        else:
            obj = values.astype(object).where(values.notna(), None).to_numpy()
            levels = sorted({v for v in obj if v is not None}, key=str)
            index = {v: i for i, v in enumerate(levels)}
            codes = np.array([index.get(v, -1) if v is not None else -1 for v in obj], dtype=np.int16)
            out[name] = Coded(codes.reshape(members, n), levels)
    dpm = study.days_per_month
    out["followup_months"] = out["followup_days"] / dpm
    out["followup_weeks"] = out["followup_days"] / 7
    out["course"] = Coded(np.zeros((members, n), dtype=np.int16), ["?"])
    return out


def reconstruct(folder: str | Path, members: int | None = None, root: str | Path | None = None,
                log: Callable[[str], None] | None = None, settings: dict | None = None) -> Result:
    """The whole reconstruction of a study folder; ``settings`` overrides the spec's ``ensemble`` settings (a
    quick fit for tests)."""
    study = load_study(folder, root)
    rng = np.random.default_rng(int(study.spec["seed"]))
    cfg = {**(study.spec.get("ensemble") or {}), **(settings or {})}
    members = members or int(cfg.get("members", 200))
    ensemble = fit_survival(study, rng, members, batch_size=int(cfg.get("batch", 4000)),
                            max_generations=int(cfg.get("max_generations", 16)),
                            particles=int(cfg.get("particles", 1000)), log=log)
    columns = ensemble.columns
    steps = {"search_steps": int(cfg.get("search_steps", 6000)), "chain_steps": int(cfg.get("chain_steps", 1500))}
    conditioning = draw_continuous(study, columns, rng, **steps)
    plan_columns(study, columns, final=True)
    if study.spec.get("qol"):
        conditioning.update(draw_subscales(study, columns, rng, **steps))
    unmet = np.sum([v for v in conditioning.values()], axis=0) if conditioning else np.zeros(members)
    events, ae_history = None, []
    if study.spec.get("adverse_events"):
        events, ae_history = fit_adverse_events(study, columns, ensemble.courses.followup_day, rng, log,
                                                particles=int(cfg.get("ae_particles", 400)),
                                                max_generations=int(cfg.get("max_generations", 30)))
    frames = [member_frames(study, m, columns, ensemble, events, rng) for m in range(members)]
    dataset, tables = pipeline_datasets(study, frames)
    merged = dataset_columns(study, dataset, members)
    if events is not None:  # durations per patient, computed from the written adverse-event files
        merged.update(_durations_from_tables(study, tables, dataset, members))
    if study.spec.get("qol"):
        merged.update(_qol_from_tables(study, tables, dataset, members))
    measures = block_measures(study)
    values = evaluate_measures(measures, merged, study.time_unit)
    fit_ms = [m for m in measures if m.role in ("fit", "constraints")]
    fit_idx = [measures.index(m) for m in unique_measures(fit_ms)]
    fit_measures = [measures[i] for i in fit_idx]
    published = observed(study, fit_measures)
    relative = (values[:, fit_idx] - published) / np.maximum(np.abs(published), 1.0)
    worst = np.where(np.isnan(relative), MISSING_RELATIVE, np.abs(relative)).max(axis=1)
    distances = _deviation(values[:, fit_idx], published, np.maximum(np.abs(published), 1.0))
    half_unit = np.array([0.5 * 10.0 ** -int(study.entry(m.id)["precision"]) for m in fit_measures])
    tolerance = np.array([0.0 if m.kind == "count" else 1.0 for m in fit_measures]) * np.maximum(
        0.05 * np.abs(published), half_unit)
    met = (np.abs(values[:, fit_idx] - published) <= tolerance + 1e-9).sum(axis=1)
    plaus = member_plausibility(study, frames, dataset)
    committed = choose_committed(distances, plaus, unmet, worst)
    history = pd.DataFrame([{"block": "survival", **h} for h in ensemble.history]
                           + [{"block": "adverse_events", **h} for h in ae_history])
    if log:
        log(f"committed member {committed}: fit distance {distances[committed]:.3f} "
            f"(ensemble median {np.median(distances):.3f})")
    return Result(study, ensemble, frames, measures, values, distances, plaus, committed, history, unmet, met)


def _durations_from_tables(study: Study, tables: dict, dataset: pd.DataFrame, members: int) -> dict:
    ae = tables["adverse_events"].dropna(subset=["end_day"])
    months = (ae["end_day"] - ae["onset_day"]) / study.days_per_month
    order = dataset.sort_values(["member", "patient_id"], kind="mergesort")["patient_id"].to_numpy()
    out = {}
    spec = study.spec["adverse_events"]
    selections = {"ae_duration_any": (None, 1), "ae_duration_grade3": (None, 3)}
    for term, t in spec["terms"].items():
        if t.get("key"):
            selections[f"ae_duration_{t['key']}"] = ([term], 1)
    for name, (terms, grade) in selections.items():
        sel = ae["grade"] >= grade
        if terms:
            sel &= ae["term"].isin(terms)
        longest = months[sel].groupby(ae.loc[sel, "patient_id"]).max()
        out[name] = pd.Series(order).map(longest).to_numpy(dtype=float).reshape(members, study.n)
    return out


def _qol_from_tables(study: Study, tables: dict, dataset: pd.DataFrame, members: int) -> dict:
    """Raw subscale sums of each patient's last questionnaire, from the written qol files."""
    q = tables["qol"].sort_values(["patient_id", "day"]).drop_duplicates("patient_id", keep="last")
    q = q.set_index("patient_id")
    order = dataset.sort_values(["member", "patient_id"], kind="mergesort")["patient_id"].to_numpy()
    out = {}
    for scale, items in layout(study).items():
        total = q[[f"q{i}" for i in items]].sum(axis=1, min_count=len(items))
        out[f"qol_{scale}"] = pd.Series(order).map(total).to_numpy(dtype=float).reshape(members, study.n)
    return out


def member_plausibility(study: Study, frames: list[dict], dataset: pd.DataFrame) -> pd.DataFrame:
    layout = QOL_LAYOUTS.get((study.spec.get("qol") or {}).get("layout", ""))
    rows = []
    for m, f in enumerate(frames):
        ds = dataset[dataset["member"] == m].drop(columns="member")
        prefix = f"M{m:04d}-"
        ds = ds.assign(patient_id=ds["patient_id"].str.removeprefix(prefix))
        rows.append(plausibility_statistics(f["patients"], ds, f.get("adverse_events"), f.get("qol"), f.get("labs"),
                                            layout))
    return pd.DataFrame(rows)


def choose_committed(distances: np.ndarray, plausibility: pd.DataFrame, unmet: np.ndarray | None = None,
                     worst: np.ndarray | None = None) -> int:
    """Among the members whose conditioned summaries print as published (or miss by the least, where some cannot)
    and whose plausibility statistics all lie within the ensemble's 1st–99th percentile in their artefact direction
    (every such member when none does): the one with the smallest largest deviation (``worst``), then the smallest
    fit distance, then the lowest number."""
    ok = np.ones(len(distances), dtype=bool)
    if unmet is not None:
        ok &= unmet <= unmet.min() + 1e-9
    for name, direction in DIRECTIONS.items():
        x = plausibility[name].to_numpy(dtype=float) if name in plausibility else np.full(len(distances), np.nan)
        if np.isnan(x).all():
            continue
        limit = np.nanquantile(x, 0.99 if direction == "high" else 0.01)
        ok &= np.isnan(x) | ((x <= limit) if direction == "high" else (x >= limit))
    if not ok.any() and unmet is not None:
        ok = unmet <= unmet.min() + 1e-9
    pool = np.flatnonzero(ok) if ok.any() else np.arange(len(distances))
    if worst is not None:
        pool = pool[worst[pool] <= worst[pool].min() + 1e-12]
    return int(pool[np.argmin(distances[pool])])


def printed_percentile(values: np.ndarray, published: str, precision: int) -> float:
    """Percentile (0–100) of the published value among the ensemble values as they would print at the published
    precision (rounded half-up; ties count half): 50 when every member prints as published."""
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return np.nan
    target = float(published.lstrip("<>"))
    shown = np.array([float(printed(x, precision)) for x in v])
    if published.startswith("<"):
        return float(100 * np.mean(shown >= target))
    return float(100 * (np.mean(shown < target) + 0.5 * np.mean(shown == target)))


def summary_frame(result: Result) -> pd.DataFrame:
    """One row per published number: its origin and, for constraints, fit targets and held-out numbers, the
    ensemble's median, 2.5 and 97.5 percentiles, the published value's percentile and the committed member's
    value."""
    study = result.study
    origin = origins(study)
    index = {m.id: j for j, m in enumerate(result.measures)}
    rows = []
    for key, entry in study.published.items():
        row = {"target_id": key, "origin": origin.get(key, ""), "statistic": entry["statistic"],
               "published": entry["value"], "members": np.nan, "ensemble_median": np.nan, "ensemble_low": np.nan,
               "ensemble_high": np.nan, "published_percentile": np.nan, "committed": np.nan}
        if key in index:
            x = result.values[:, index[key]]
            ok = x[~np.isnan(x)]
            row.update(members=int(len(ok)),
                       ensemble_median=float(np.median(ok)) if len(ok) else np.nan,
                       ensemble_low=float(np.quantile(ok, 0.025)) if len(ok) else np.nan,
                       ensemble_high=float(np.quantile(ok, 0.975)) if len(ok) else np.nan,
                       published_percentile=printed_percentile(x, str(entry["value"]), int(entry["precision"])),
                       committed=float(x[result.committed]))
        rows.append(row)
    return pd.DataFrame(rows)


def parameter_frame(result: Result) -> pd.DataFrame:
    """Posterior summary of every model parameter over the members (median and 2.5–97.5 %)."""
    rows = []
    for name, v in result.ensemble.parameters.items():
        rows.append({"parameter": name, "median": float(np.median(v)), "low": float(np.quantile(v, 0.025)),
                     "high": float(np.quantile(v, 0.975)), "committed": float(v[result.committed])})
    return pd.DataFrame(rows)


def write_result(result: Result, study_out: str | Path, cohort_out: str | Path | None = None) -> None:
    """The ensemble summaries (``summary.csv``, ``plausibility.csv``, ``fit.csv``, ``parameters.csv``,
    ``members.csv``) into ``study_out``; the committed member's contract files into ``cohort_out``."""
    out = Path(study_out)
    write_csv(summary_frame(result), out / "summary.csv")
    plaus = result.plausibility.copy()
    plaus.insert(0, "member", np.arange(len(plaus)))
    write_csv(plaus, out / "plausibility.csv")
    write_csv(result.history, out / "fit.csv")
    write_csv(parameter_frame(result), out / "parameters.csv")
    write_csv(pd.DataFrame({"member": np.arange(len(result.distances)), "fit_distance": result.distances,
                            "fit_targets_met": result.met, "unmet_conditions": result.unmet,
                            "committed": (np.arange(len(result.distances)) == result.committed).astype(int)}),
              out / "members.csv")
    if cohort_out is not None:
        digests = []
        for name, frame in result.frames[result.committed].items():
            if not name.startswith("_"):
                path = Path(cohort_out) / f"{name}.csv"
                write_csv(frame, path)
                digests.append({"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
        # the committed files as the reconstruction wrote them: a later edit of a patient shows
        write_csv(pd.DataFrame(digests), out / "cohort_files.csv")
