"""Config and analysis-plan definitions that the start-up checks (:mod:`tkicohort.plan_check`) read.

JSON Schema (``workflow/schemas/``) checks the shape of config and plans; :mod:`tkicohort.plan_check` checks what a
schema cannot. This module holds what both need: reading a plan file with the line of every key, the keys that only
one design uses, and the columns (with their types) that every analysis dataset has.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

#: Columns every analysis dataset has, whatever the plan (see tkicohort.derive.dataset), with their type in the
#: plan expression language (tkicohort.expression): number or text.
ANALYSIS_COLUMNS = {
    "evaluable": "number", "not_evaluable_reason": "text", "bor": "text", "bor_confirmed": "text",
    "best_pct_change": "number", "dcr": "number", "orr": "number",
    "pfs_days": "number", "pfs_event": "number", "pfs_months": "number",
    "os_days": "number", "os_event": "number", "os_months": "number",
    "dor_days": "number", "dor_event": "number", "dor_months": "number",
    "dcd_days": "number", "dcd_event": "number", "dcd_months": "number",
    "tg_baseline": "number", "tg_nadir": "number", "tg_best_pct_change": "number", "tg_response": "number",
    "tg_excluded_reason": "text", "dose_status": "text",
    "orr_day": "number", "dcr_day": "number", "tg_response_day": "number", "dose_status_day": "number",
}
#: Columns added when the plan's time unit is weeks.
WEEK_COLUMNS = {f"{e}_weeks": "number" for e in ("pfs", "os", "dor", "dcd")}

RESPONSE_CODES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
DOSE_STATUSES = ("standard", "reduced", "interrupted", "discontinued")
#: The values an analysis-dataset column can hold, where they are fixed (a plan literal must be one of them).
ANALYSIS_VALUES = {
    **{c: (0, 1) for c in ("evaluable", "dcr", "orr", "pfs_event", "os_event", "dor_event", "dcd_event",
                           "tg_response")},
    "bor": RESPONSE_CODES, "bor_confirmed": RESPONSE_CODES, "dose_status": DOSE_STATUSES,
}

#: Plan keys that only one design uses; every other key is used by both designs. A plan that sets a key its design
#: does not use is refused, so that nothing a plan says is silently ignored. ``[]`` stands for every list item.
DESIGN_ONLY_KEYS = {
    ("arms",): "two_arm",
    ("qol",): "two_arm",
    ("tests", "pfs_times_test"): "two_arm",
    ("tests", "mann_whitney"): "two_arm",
    ("baseline", "[]", "test"): "two_arm",
    ("multivariable",): "single_arm",
}

#: A plan is a small text file; anything larger is not one (and is not read into memory).
MAX_PLAN_BYTES = 1 << 20


class ConfigProblem(ValueError):
    """A config or plan problem, with the dotted key it concerns."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"config error at '{key}': {message}")


#: The JSON Schema of analysis plans.
PLAN_SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "plan.schema.yaml"
#: libyaml's safe loader where PyYAML has it (the published-number files load about ten times faster: the audits and
#: reproductions of a default run read them 20 times), else PyYAML's own; both read the safe subset of YAML alike
#: (tests/unit/test_yaml_loading.py compares them on every YAML file of the repository).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """YAML text as Python data (the safe subset: no tags that build objects), as ``yaml.safe_load`` reads it."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)


def load_yaml(path: str | Path) -> dict:
    data = safe_load(Path(path).read_text(encoding="utf-8"))
    return data if data is not None else {}


@functools.cache
def _validator(schema_path: str):
    """A JSON Schema (draft 2020-12) validator of ``schema_path`` that also fills in the schema's defaults, as
    ``snakemake.utils.validate`` does; built once per schema (Snakemake's reads and compiles the schema at every
    call: ~25 ms, paid for each plan of each snakemake command)."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    check_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from check_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(base, {"properties": properties_with_defaults})(load_yaml(schema_path))


def load_plan(path: str | Path) -> dict:
    """A plan file with the schema's defaults filled in, as the workflow reads it (a :class:`ConfigProblem` when
    the plan breaks the schema); for scripts and tests, which have no start-up checks before them."""
    plan = load_yaml(path)
    problem = validate_with_defaults(plan, PLAN_SCHEMA)
    if problem:
        raise ConfigProblem(str(path), f"{key_text(problem[0]) or 'the plan'}: {problem[1]}")
    return plan


def validate_with_defaults(data: dict, schema_path: str | Path) -> tuple[tuple, str] | None:
    """Check ``data`` against the schema, filling in its defaults; the first problem as (key path, message), or
    None."""
    import jsonschema

    try:
        _validator(str(schema_path)).validate(data)
    except jsonschema.ValidationError as err:
        return tuple(err.absolute_path), err.message
    return None


def key_text(path: tuple) -> str:
    """``("subgroups", 3, "population")`` → ``subgroups[3].population``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def key_lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """The 1-based line of every key and list item of a composed YAML document, by key path."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.update(key_lines(value, (*path, key.value)))
                lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(key_lines(item, (*path, i)))
    return lines


def read_yaml_file(path: str | Path, key: str, what: str = "plan") -> tuple[object, dict[tuple, int]]:
    """A YAML file's content and the line of each key; a :class:`ConfigProblem` naming ``key`` and the file when it
    is missing, a folder, unreadable, too large, not UTF-8 text or not YAML."""
    path = Path(path)

    def problem(message: str) -> ConfigProblem:
        return ConfigProblem(key, f"{what} file '{path}' {message}")

    if path.is_dir():
        raise problem(f"is a folder; expected a YAML {what} file")
    if not path.exists():
        raise problem("does not exist")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PLAN_BYTES + 1)
    except OSError as err:
        raise problem(f"cannot be read: {err.strerror or err}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise problem(f"is larger than {MAX_PLAN_BYTES >> 20} MB; a {what} is a small YAML file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise problem(f"is not UTF-8 text (byte {err.start + 1}); expected a YAML {what} file") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when present: 6x faster
    try:
        node = loader.get_single_node()
        content = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(err, "problem", None) or "not valid YAML"
        raise problem(f"is not valid YAML{where}: {reason}") from None
    finally:
        loader.dispose()
    return content, key_lines(node) if node is not None else {}


def read_plan(path: str | Path, key: str) -> tuple[dict, dict[tuple, int]]:
    """A plan file as a mapping, with the line of each key (see :func:`read_yaml_file`)."""
    plan, lines = read_yaml_file(path, key)
    if not isinstance(plan, dict):
        found = {type(None): "nothing", list: "a list", str: "a single text"}.get(type(plan), "a single value")
        raise ConfigProblem(key, f"plan file '{path}' is not a plan: expected a YAML mapping of keys (title, design, "
                                 f"subgroups, …), found {found}")
    return plan, lines


def design_key_problems(plan: dict) -> list[tuple[tuple, str]]:
    """(key path, message) for each key of ``plan`` (as written, before schema defaults are filled in) that its
    design does not use."""
    design = plan.get("design")
    problems = []
    for keys, only in DESIGN_ONLY_KEYS.items():
        if design == only or design not in ("single_arm", "two_arm"):
            continue
        nodes = [((), plan)]
        for k in keys:
            step = []
            for path, node in nodes:
                if k == "[]" and isinstance(node, list):
                    step += [((*path, i), item) for i, item in enumerate(node)]
                elif isinstance(node, dict) and k in node:
                    step.append(((*path, k), node[k]))
            nodes = step
        for path, _ in nodes:
            problems.append((path, f"is used only by {only.replace('_', '-')} plans, and this plan's design is "
                                   f"{design.replace('_', '-')}; remove it (nothing in a plan is ignored)"))
    return problems


def _only(config: dict) -> list[str] | None:
    """The names of the config's ``only`` (a name, a comma-separated list or a list), or None when it is not set."""
    only = config.get("only")
    if only is None or only == "":
        return None
    names = only if isinstance(only, list) else str(only).split(",")
    wanted = [str(n).strip() for n in names if str(n).strip()]
    known = list(config["cohorts"]) + list(config.get("studies") or {})
    unknown = [n for n in wanted if n not in known]
    if not wanted:
        raise ConfigProblem("only", "names no cohort; the cohorts are " + ", ".join(sorted(config["cohorts"])))
    if unknown:
        listed = ", ".join(f"'{n}'" for n in unknown)
        verb = "is not a cohort" if len(unknown) == 1 else "are not cohorts"
        studies = sorted(config.get("studies") or {})
        raise ConfigProblem("only", f"{listed} {verb} of the config; the cohorts are "
                            + ", ".join(sorted(config["cohorts"]))
                            + (f" and the studies {', '.join(studies)}" if studies else ""))
    return wanted


def selected_cohorts(config: dict) -> list[str]:
    """The cohorts a run analyses: those named by the config's ``only`` (a name, a comma-separated list or a list;
    ``--config only=a,b`` on the command line), in the config's order; every cohort when ``only`` is not set.

    Snakemake adds the cohorts of ``--configfile my.yaml`` to the default config's, so ``only`` is how a run of one's
    own cohorts leaves the demonstration cohorts out. ``only`` may also name studies of ``studies:``."""
    wanted = _only(config)
    return [c for c in config["cohorts"] if wanted is None or c in wanted]


def selected_studies(config: dict) -> list[str]:
    """The studies of ``studies:`` (audited without a cohort) that a run audits: every one when ``only`` is not set,
    else those it names."""
    wanted = _only(config)
    return [s for s in (config.get("studies") or {}) if wanted is None or s in wanted]
