"""A reproduced study as data: its folder, read and checked before anything is drawn.

A study folder (``resources/studies/<study>/``) holds ``published.yaml`` (every number the publication prints,
see the README there) and ``reconstruction.yaml`` (how the synthetic cohort is built; schema
``workflow/schemas/reconstruction.schema.yaml``). Paths inside the spec: ``published`` relative to the folder,
``plan`` and ``cohort`` relative to the repository root. Every published id the spec names must exist, and every
count must add up; problems are reported all at once, naming the spec file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from .design import SpecError, slots
from .samples import Printed
from .survival import kinds_of

SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "reconstruction.schema.yaml"
ORDER_STATISTICS = {"median", "range_min", "range_max"}


@dataclass
class Study:
    folder: Path
    spec: dict
    published: dict
    plan: dict
    root: Path
    external: frozenset = frozenset()  # populations of other studies, quoted for comparison
    arm: np.ndarray = field(init=False)
    course: np.ndarray = field(init=False)
    kind: np.ndarray = field(init=False)

    def __post_init__(self):
        self.arm, self.course = slots(self.spec)
        self.kind = kinds_of(self.course, self.spec.get("courses", {}))

    @property
    def name(self) -> str:
        return self.spec["study"]

    @property
    def n(self) -> int:
        return len(self.course)

    @property
    def groups(self) -> dict[str, list[str]]:
        return self.spec.get("groups", {}) or {}

    @property
    def days_per_month(self) -> float:
        return float(self.spec.get("time", {}).get("days_per_month", 30.4375))

    @property
    def time_unit(self) -> str:
        return self.spec.get("time", {}).get("unit", "months")

    def entry(self, key: str) -> dict:
        if key not in self.published:
            raise SpecError(f"{self.folder / 'reconstruction.yaml'}: unknown published id '{key}'")
        return self.published[key]

    def printed(self, key: str) -> Printed:
        """The printed value of a published number (order statistics of recorded data are exact)."""
        e = self.entry(key)
        return Printed(float(str(e["value"]).lstrip("<>")), int(e["precision"]), e["statistic"] in ORDER_STATISTICS)

    def population(self, name: str) -> str:
        pops = self.spec.get("populations", {})
        if name not in pops:
            raise SpecError(f"{self.folder / 'reconstruction.yaml'}: population '{name}' has no condition")
        return pops[name] or ""

    def cohort_folder(self) -> Path:
        return self.root / self.spec["cohort"]


def load_study(folder: str | Path, root: str | Path | None = None) -> Study:
    """Read and check a study folder; ``root`` is the repository root (default: three levels above the package)."""
    folder = Path(folder)
    root = Path(root) if root is not None else SCHEMA.parents[2]
    spec_path = folder / "reconstruction.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(spec), key=lambda e: list(e.path))
    if errors:
        lines = [f"{spec_path}: {'/'.join(str(p) for p in e.path) or '(top)'}: {e.message}" for e in errors]
        raise SpecError("\n".join(lines))
    document = yaml.safe_load((folder / spec["published"]).read_text(encoding="utf-8"))
    plan = yaml.safe_load((root / spec["plan"]).read_text(encoding="utf-8"))
    external = frozenset(k for k, v in (document.get("populations") or {}).items() if v.get("external"))
    study = Study(folder, spec, {n["id"]: n for n in document["numbers"]}, plan, root, external)
    problems = check(study)
    if problems:
        raise SpecError("\n".join(f"{spec_path}: {p}" for p in problems))
    return study


def target_sources(spec: dict) -> dict[str, dict]:
    """The ``targets`` lists of the spec: the survival model's, and those of the adverse-event and QoL blocks."""
    out = {"survival": spec.get("targets") or {}}
    for block in ("adverse_events", "qol"):
        if (spec.get(block) or {}).get("targets"):
            out[block] = spec[block]["targets"]
    return out


def target_ids(spec: dict) -> dict[str, str]:
    """Published id → role (constraints, fit, held_out) of every number the spec's targets name."""
    out = {}
    for source in target_sources(spec).values():
        for role, items in source.items():
            for item in items or []:
                for key in item["ids"]:
                    out[key] = role
    return out


def check(study: Study) -> list[str]:
    """Every id named exists; courses are known; populations are declared."""
    problems = []
    spec = study.spec
    for key in target_ids(spec):
        if key not in study.published:
            problems.append(f"targets: unknown published id '{key}'")
    for cov in (spec.get("continuous") or {}).values():
        for value in _summary_ids(cov.get("summaries") or {}):
            if value not in study.published:
                problems.append(f"continuous: unknown published id '{value}'")
    for course in set(study.course):
        if course not in ("CR", "PR", "SD", "PD") and course not in (spec.get("courses") or {}):
            problems.append(f"patients: course '{course}' is neither a RECIST best response nor defined in courses")
    for key in target_ids(spec):
        entry = study.published.get(key)
        if entry and entry["population"] not in (spec.get("populations") or {}):
            problems.append(f"targets: '{key}' is over population '{entry['population']}', which has no condition")
    return problems


def _summary_ids(summaries: dict) -> list[str]:
    out = []
    for value in summaries.values():
        if isinstance(value, dict):
            out += _summary_ids(value)
        elif isinstance(value, str):
            out.append(value)
    return out
