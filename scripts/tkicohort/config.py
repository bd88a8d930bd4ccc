"""Config and analysis-plan checks that must fail before any job runs.

JSON Schema (``workflow/schemas/``) checks the shape of config and plans; this module checks what a schema cannot:
that cohort folders exist, and that every variable a plan names is provided by the cohort's patients.csv header, by
a derived variable of the plan, or by the analysis dataset itself.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

#: Columns every analysis dataset has, whatever the plan (see tkicohort.derive.analysis_dataset).
ANALYSIS_COLUMNS = frozenset({
    "evaluable", "not_evaluable_reason", "bor", "bor_confirmed", "best_pct_change", "dcr", "orr",
    "pfs_days", "pfs_event", "pfs_months", "os_days", "os_event", "os_months", "dose_status",
})


class ConfigProblem(ValueError):
    """A config or plan problem, with the dotted key it concerns."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"config error at '{key}': {message}")


def load_yaml(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return data if data is not None else {}


def patients_header(folder: str | Path) -> list[str] | None:
    """The header of a cohort's patients.csv, or None when it cannot be read (ingestion then says why)."""
    path = Path(folder) / "patients.csv"
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [h.strip() for h in next(csv.reader(fh))]
    except (OSError, StopIteration, UnicodeDecodeError, csv.Error):
        return None


def derived_sources(spec: dict) -> set[str]:
    """The columns a derived-variable rule reads (rules that read other tables read no patients column)."""
    rule = spec.get("rule")
    if rule in ("threshold", "cut"):
        return {spec["variable"]}
    if rule == "any":
        return set(spec["variables"])
    if rule == "only":
        return {spec["variable"], *spec["others"]}
    return set()


def check_cohort(name: str, cohort: dict, plan: dict, base: Path) -> list[ConfigProblem]:
    """Problems of one cohort entry and its plan, each naming the config key."""
    problems: list[ConfigProblem] = []
    key = f"cohorts.{name}"
    folder = base / cohort["data"]
    if not folder.is_dir():
        problems.append(ConfigProblem(f"{key}.data", f"folder '{cohort['data']}' does not exist"))
        return problems
    header = patients_header(folder)
    if header is None:
        return problems  # ingestion reports the unreadable or missing patients.csv with its line
    provided = set(header) | ANALYSIS_COLUMNS
    if "cumulative_rai_mci" in provided:
        provided.add("cumulative_rai_gbq")
    plan_key = f"{key}.plan ({cohort['plan']})"
    for var, spec in (plan.get("derived") or {}).items():
        for src in sorted(derived_sources(spec) - provided):
            problems.append(ConfigProblem(f"{plan_key}: derived.{var}",
                                          f"reads column '{src}', which patients.csv does not have"))
        provided.add(var)
    for i, sub in enumerate(plan.get("subgroups") or []):
        if sub["variable"] not in provided:
            problems.append(ConfigProblem(
                f"{plan_key}: subgroups[{i}].variable",
                f"'{sub['variable']}' is neither a column of patients.csv, nor a derived variable of the plan, "
                "nor a column of the analysis dataset"))
    arm = (plan.get("arms") or {})
    if plan.get("design") == "two_arm" and not arm:
        problems.append(ConfigProblem(f"{plan_key}: arms", "a two-arm plan names its reference and treatment arm"))
    return problems
