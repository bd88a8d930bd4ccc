"""The reproduction report: every published number beside the number this pipeline computes from the cohort.

Input: the numbers of ``resources/studies/<study>/published.yaml`` (by id), the cohort's tidy tables
(``results/<c>/tables/<name>.csv``), its analysis dataset and, optionally, the ingested / RECIST data that no table
summarises (``tumor_measurements``, ``adverse_events``, ``doses``, ``visits``). Output: one row per published number
with ``target_id, table, row, column, statistic, published, reproduced, tolerance, status, note, source``.

**Resolvers.** How a printed number is found is declared per study (``reproduction_studies.py``): for every
published table (``Table 1`` … ``Results text``, ``Abstract``) a :class:`Resolver` maps each printed *row label* to a
*source* — or to ``{statistic or column heading: source}`` when one row holds numbers from different places. The
sources:

- :class:`Cell` — cells of a pipeline table: ``Cell("efficacy", {"item": "PR"})``; the column is the one named
  explicitly, else the one the resolver maps the printed column heading to, else the table's column for the
  statistic (``STAT_COLUMNS``). Counts over several matching rows are added up (other statistics must agree across
  them, as a p-value repeated on each level); the study's arm of the number's population (``Study.arms``) is added
  to the filter when the table has an arm column; ``scale`` converts units (GBq → mCi);
- :class:`Share` — a percentage: 100 × a count source / another count source (default: the population's size);
- :class:`Subset` — patients of the population (``Study.populations``, a condition on the analysis dataset) meeting
  a condition (default: the number's own ``subset`` definition from the YAML); count or percentage. Conditions are
  in the plan expression language (:mod:`tkicohort.expression`), never evaluated as Python;
- :class:`Summary` — median / range / mean / SD of a dataset column over the population (optionally in months);
- :class:`Population` — the population's size; :class:`Compute` — a named function over the dataset or the
  ingested data, for what neither a table nor a query can give; :class:`Unavailable` — why it cannot be reproduced.

Numbers of an external population (another study quoted for comparison) are not reproducible without a resolver.
Values are never read from the YAML: only its definitions (row, statistic, population, subset) are used.

**Origin** (a reconstructed cohort; from the reconstruction's ``ensemble/summary.csv`` beside the study, read as a
file): ``designed`` — built into the data (a count, a printed median or range the values were drawn to meet);
``fitted`` — a target of the model's fit; ``held_out`` — not used by the fit; ``derived`` — follows from designed
values alone (a Fisher p from designed counts); empty for numbers the reconstruction does not address (another
study's patients). For fitted and held-out numbers the row also carries the ensemble's median, its 2.5–97.5 %
range and the published value's percentile in it. A **held-out** number is ``match`` when the published value lies
within the ensemble's 95 % range at its printed precision, ``differs`` otherwise (the committed cohort's own value
stays in ``reproduced``); the status of every other number is the committed cohort's, as below.

**Status** (:func:`classify`): ``match`` when the reproduced value, rounded half-up to the printed precision, prints
as published (``<0.001`` is matched by any value below 0.001, ``0.000`` by any value that rounds to it); ``close``
within the tolerance (column ``tolerance``, absolute; the rule is repeated in the note): counts none; p-values ten
half-units of the last printed digit (±0.005 for three decimals) and on the same side of 0.05; times in months and
hazard ratios 5 % of the published value; every other number ten half-units of the last printed digit (±0.5 for a
percentage printed to one decimal) but at most 5 % of the published value; never less than half a unit of the last
digit. ``differs`` otherwise, or when the cohort yields no estimate (e.g. a median not reached);
``not_reproducible`` when the cohort cannot yield the number (the reason is in ``note``), and for every number while
the pipeline has written no tables for the cohort ("cohort not yet available"). Where the publication contradicts
itself about a number (the YAML's ``conflicts``), the note quotes the conflict.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import safe_load
from ..expression import select
from ..printing import printed, within_printed_range

COLUMNS = ["target_id", "table", "row", "column", "statistic", "published", "reproduced", "tolerance", "status",
           "note", "source", "origin", "ensemble_median", "ensemble_low", "ensemble_high", "published_percentile"]
ORIGINS = ("held_out", "fitted", "designed", "derived", "")
ENSEMBLE_COLUMNS = ["ensemble_median", "ensemble_low", "ensemble_high", "published_percentile"]
STATUSES = ("match", "close", "differs", "not_reproducible")
COUNTS = {"n", "count_total"}
TIME_STATISTICS = {"median", "ci_low", "ci_high", "km_mean", "km_mean_se", "range_min", "range_max", "mean", "sd",
                   "iqr_low", "iqr_high", "individual"}
RELATIVE_TOLERANCE = 0.05
# pipeline table → published statistic → column holding it (when neither the cell nor the heading names one)
STAT_COLUMNS = {
    "baseline": {"n": "n", "percent": "pct", "mean": "mean", "sd": "sd", "median": "median", "range_min": "min",
                 "range_max": "max", "iqr_low": "q1", "iqr_high": "q3", "p_value": "p"},
    "efficacy": {"n": "n", "count_total": "denominator", "percent": "pct", "ci_low": "ci_low_pct",
                 "ci_high": "ci_high_pct"},
    "pfs_overall": {"n": "value", "count_total": "value", "median": "value", "km_mean": "value",
                    "ci_low": "ci_low", "ci_high": "ci_high"},
    "response_by_subgroup": {"n": "n_dcr"},
    "pfs_by_subgroup": {"n": "n", "count_total": "n", "median": "median", "ci_low": "median_ci_low",
                        "ci_high": "median_ci_high", "km_mean": "km_mean", "km_mean_se": "km_mean_se",
                        "p_value": "logrank_p", "hr": "hr"},
    "adverse_events": {"n": "any_grade", "percent": "any_grade_pct"},
    "response_by_arm": {"n": "n", "count_total": "denominator", "percent": "pct", "p_value": "p"},
    "qol": {"n": "n", "median": "median", "range_min": "min", "range_max": "max", "mean": "mean", "sd": "sd",
            "p_value": "p"},
}
STAT_COLUMNS["pfs_by_arm"] = STAT_COLUMNS["pfs_by_subgroup"]


class NotReproducible(Exception):
    """The cohort cannot yield this number; the message says why."""


@dataclass
class Context:
    """What the sources read: the pipeline's tables, the analysis dataset, the ingested data, the study."""

    tables: Mapping[str, pd.DataFrame]
    dataset: pd.DataFrame
    data: Mapping[str, pd.DataFrame]
    study: Study
    days_per_month: float = 30.4375
    time: str = "pfs_months"

    def population(self, name: str) -> pd.DataFrame:
        if name not in self.study.populations:
            raise NotReproducible(f"population '{name}' has no definition on the analysis dataset")
        return select(self.dataset, self.study.populations[name])

    def frame(self, name: str) -> pd.DataFrame:
        frame = self.data.get(name)
        if frame is None or frame.empty:
            raise NotReproducible(f"needs {name} records, and the cohort has none")
        return frame


def _key(value) -> str:
    """Cell values and filter values compared as text (1, 1.0 and '1' alike)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return "" if pd.isna(value) else str(value)


@dataclass
class Cell:
    """The rows of pipeline table ``table`` where every ``where`` column equals the value (or one of a list)."""

    table: str
    where: dict = field(default_factory=dict)
    column: str | None = None
    zero_if_absent: bool = False  # a missing row means no patient (an adverse-event term nobody had)
    scale: float = 1.0  # unit conversion (e.g. GBq → mCi)
    arm_column: str = "arm"  # the column holding the arm (``level`` in pfs_by_arm)
    note: str = ""

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        frame = ctx.tables.get(self.table)
        if frame is None:
            raise NotReproducible(f"the pipeline wrote no {self.table} table for this cohort")
        column = self.column or heading or STAT_COLUMNS.get(self.table, {}).get(statistic)
        if column is None or column not in frame:
            raise NotReproducible(f"tables/{self.table}.csv has no column for a {statistic} ({column})")
        mask = pd.Series(True, index=frame.index)
        for key, wanted in self._filters(ctx, entry, frame).items():
            if key not in frame:
                raise NotReproducible(f"tables/{self.table}.csv has no column '{key}'")
            options = {_key(w) for w in (wanted if isinstance(wanted, list | tuple) else [wanted])}
            mask &= frame[key].map(_key).isin(options)
        values = pd.to_numeric(frame.loc[mask, column], errors="coerce")
        if values.empty:
            if self.zero_if_absent:
                return 0.0
            raise NotReproducible(f"no row of tables/{self.table}.csv has {self._where_text(ctx, entry)}")
        if statistic in COUNTS:
            return float(values.sum(min_count=1))
        if len(values) > 1 and values.nunique(dropna=False) != 1:
            raise ValueError(f"{self.describe()}: {len(values)} different values for one {statistic}")
        return self.scale * float(values.iloc[0])

    def _filters(self, ctx: Context, entry: dict, frame: pd.DataFrame) -> dict:
        arm = ctx.study.arms.get(entry["population"])
        use_arm = arm is not None and self.arm_column in frame
        return {**self.where, **({self.arm_column: arm} if use_arm else {})}

    def _where_text(self, ctx: Context, entry: dict) -> str:
        return ", ".join(f"{k} = {v}" for k, v in self._filters(ctx, entry, ctx.tables[self.table]).items())

    def describe(self) -> str:
        where = ", ".join(f"{k} = {v}" for k, v in self.where.items())
        scaled = f" × {self.scale:.6g}" if self.scale != 1 else ""
        return f"tables/{self.table}.csv [{where}]" + (f" {self.column}" if self.column else "") + scaled


@dataclass
class Share:
    """100 × count / denominator (default: the size of the number's population)."""

    count: object
    of: object | None = None
    note: str = ""

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        k = self.count.value(ctx, entry, "n", None)
        n = self.of.value(ctx, entry, "n", None) if self.of is not None else len(ctx.population(entry["population"]))
        return 100 * k / n if n else np.nan

    def describe(self) -> str:
        return f"100 × {self.count.describe()} / {self.of.describe() if self.of else 'population size'}"


@dataclass
class Subset:
    """Patients of the population meeting the condition ``query`` (default: the number's ``subset``): count or
    percentage."""

    query: str | None = None
    note: str = ""

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        query = self.query or entry.get("subset")
        if not query:
            raise ValueError(f"{entry['id']}: Subset without a query")
        pop = ctx.population(entry["population"])
        k = len(select(pop, query))
        return 100 * k / len(pop) if statistic == "percent" else float(k)

    def describe(self) -> str:
        return f"analysis dataset [{self.query or 'subset of the number'}]"


@dataclass
class Summary:
    """A statistic of a dataset column over the population (and ``query``); ``months``: days → months."""

    column: str
    months: bool = False
    query: str | None = None
    note: str = ""

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        pop = ctx.population(entry["population"])
        if self.query:
            pop = select(pop, self.query)
        x = pd.to_numeric(pop[self.column], errors="coerce").dropna() / (ctx.days_per_month if self.months else 1)
        how = {"median": x.median, "range_min": x.min, "range_max": x.max, "mean": x.mean,
               "sd": lambda: x.std(ddof=1), "iqr_low": lambda: x.quantile(0.25),
               "iqr_high": lambda: x.quantile(0.75)}
        return float(how[statistic]()) if len(x) else np.nan

    def describe(self) -> str:
        return f"analysis dataset {self.column}" + (" / days per month" if self.months else "")


@dataclass
class Population:
    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        return float(len(ctx.population(entry["population"])))

    def describe(self) -> str:
        return "analysis dataset: size of the population"


@dataclass
class Compute:
    """``function(ctx, entry, statistic) -> float`` for what no table or query gives; ``about`` says what it does."""

    function: Callable[[Context, dict, str], float]
    about: str
    note: str = ""

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        return float(self.function(ctx, entry, statistic))

    def describe(self) -> str:
        return self.about


@dataclass
class Unavailable:
    reason: str

    def value(self, ctx: Context, entry: dict, statistic: str, heading: str | None) -> float:
        raise NotReproducible(self.reason)

    def describe(self) -> str:
        return ""


@dataclass
class Resolver:
    """One published table: printed row label → source (or {statistic or column heading: source}); printed column
    heading (or (heading, statistic)) → pipeline column; ``default`` for rows not listed."""

    rows: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    default: object | None = None

    def source(self, entry: dict):
        spec = self.rows.get(entry["row"], self.default)
        if isinstance(spec, dict):
            spec = spec.get(entry["statistic"], spec.get(entry["column"], spec.get("*")))
        return spec

    def heading(self, entry: dict) -> str | None:
        return self.columns.get((entry["column"], entry["statistic"]), self.columns.get(entry["column"]))


@dataclass
class Study:
    """How one publication's numbers are found: populations (dataset conditions; None = every patient), the value of
    the tables' ``arm`` column per population (two-arm cohorts), resolvers per published table."""

    populations: dict
    tables: dict
    arms: dict = field(default_factory=dict)


def tolerance(entry: dict) -> tuple[float, str]:
    """(absolute tolerance for ``close``, the rule in words)."""
    stat, digits = entry["statistic"], int(entry["precision"])
    if stat in ("date", "year"):
        return 0.0, "none: a calendar date or year"
    target = abs(float(entry["value"].lstrip("<>")))
    half_unit, ten_half_units = 0.5 * 10.0 ** -digits, 5 * 10.0 ** -digits
    if stat in COUNTS:
        return 0.0, "none: a count"
    if stat == "p_value":
        return ten_half_units, f"±{ten_half_units:g} (ten half-units of the last printed digit), same side of 0.05"
    if stat == "hr" or (entry.get("unit") == "months" and stat in TIME_STATISTICS):
        tol = max(RELATIVE_TOLERANCE * target, half_unit)
        return tol, f"±{tol:.4g} (5 % of the published value: a time in months or a hazard ratio)"
    tol = max(min(ten_half_units, RELATIVE_TOLERANCE * target), half_unit)
    return tol, f"±{tol:.4g} (ten half-units of the last printed digit, at most 5 % of the published value)"


def classify(entry: dict, value: float) -> tuple[str, float, str]:
    """(status, tolerance, note) of a reproduced ``value`` against a published entry."""
    tol, rule = tolerance(entry)
    if value is None or not np.isfinite(value):
        return "differs", tol, "the cohort gives no estimate (not estimable or not reached)"
    text = entry["value"]
    prefix = text[0] if text[0] in "<>" else ""
    target = float(text.lstrip("<>"))
    if prefix == "<":
        matched, distance = value < target, value - target
    elif prefix == ">":
        matched, distance = value > target, target - value
    else:
        matched, distance = printed(value, int(entry["precision"])) == text, abs(value - target)
    if matched:
        return "match", tol, ""
    if entry["statistic"] == "p_value" and (value < 0.05) != (target < 0.05 or prefix == "<"):
        return "differs", tol, f"a different verdict at 0.05 (tolerance {rule})"
    if entry["statistic"] in COUNTS:
        return "differs", tol, f"the count differs by {value - target:+.0f}"
    difference = f"difference {value - target:+.{int(entry['precision']) + 1}f}"
    if distance <= tol + 1e-12:
        return "close", tol, f"{difference}, within tolerance {rule}"
    return "differs", tol, f"{difference}, outside tolerance {rule}"


def conflict_notes(conflicts: list | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in conflicts or []:
        for i in c["ids"]:
            out.setdefault(i, []).append(f"publication conflict ({c['kind']}): {c['description']}")
    return out


def reproduce(published: Mapping[str, dict], tables: Mapping[str, pd.DataFrame], dataset: pd.DataFrame, *,
              study: Study | str, external: set | frozenset = frozenset(), conflicts: list | None = None,
              data: Mapping[str, pd.DataFrame] | None = None, days_per_month: float = 30.4375,
              time: str = "pfs_months", ensemble: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published number (in the order given); see the module docstring.

    ``published``: id → entry (``reconstruction.published_numbers``); ``study``: a :class:`Study` or the name of
    one in ``reproduction_studies.STUDIES``; ``external``: populations of other studies (not reproducible);
    ``data``: optional ``tumor_measurements``, ``adverse_events``, ``doses`` (ingested) and ``visits`` (RECIST);
    ``ensemble``: the reconstruction's summary (target_id, origin and the ensemble columns).
    """
    if isinstance(study, str):
        from .reproduction_studies import STUDIES

        study = STUDIES.get(study, Study(populations={}, tables={}))
    ctx = Context(tables, dataset, data or {}, study, days_per_month, time)
    notes = conflict_notes(conflicts)
    rows = []
    for key, entry in published.items():
        resolver = study.tables.get(entry["table"])
        source = resolver.source(entry) if resolver else None
        value, tol, about = np.nan, tolerance(entry)[0], ""
        if entry["population"] in external and not isinstance(source, Unavailable):
            status, note = "not_reproducible", "another study's patients, quoted for comparison"
        elif not tables:
            status, note = "not_reproducible", "cohort not yet available: the pipeline has written no tables for it"
        elif source is None:
            status, note = "not_reproducible", "no resolver for this row"
        else:
            about = source.describe()
            try:
                value = source.value(ctx, entry, entry["statistic"], resolver.heading(entry))
                status, tol, note = classify(entry, value)
            except NotReproducible as err:
                status, note = "not_reproducible", str(err)
        extra = _ensemble_row(ensemble, key)
        if extra["origin"] == "held_out" and status != "not_reproducible":
            status, note = _held_out_status(entry, extra, value)
        note = "; ".join(x for x in [note, getattr(source, "note", ""), *notes.get(key, [])] if x)
        rows.append({"target_id": key, "table": entry["table"], "row": entry["row"], "column": entry["column"],
                     "statistic": entry["statistic"], "published": entry["value"], "reproduced": value,
                     "tolerance": tol, "status": status, "note": note, "source": about, **extra})
    return pd.DataFrame(rows, columns=COLUMNS)


def _ensemble_row(ensemble: pd.DataFrame | None, key: str) -> dict:
    out = {"origin": "", **{c: np.nan for c in ENSEMBLE_COLUMNS}}
    if ensemble is None:
        return out
    rows = ensemble[ensemble["target_id"] == key]
    if rows.empty:
        return out
    r = rows.iloc[0]
    origin = r.get("origin", "")
    out["origin"] = "" if pd.isna(origin) else str(origin)
    for c in ENSEMBLE_COLUMNS:
        out[c] = float(r[c]) if c in r and pd.notna(r[c]) else np.nan
    return out


def _held_out_status(entry: dict, extra: dict, value: float) -> tuple[str, str]:
    """A held-out number is recovered when the published value lies in the ensemble's 95 % range."""
    low, high = extra["ensemble_low"], extra["ensemble_high"]
    digits = int(entry["precision"])
    shown = f"[{printed(low, digits + 1)}, {printed(high, digits + 1)}]" if np.isfinite(low) else "(no estimate)"
    own = "" if value is None or not np.isfinite(value) else f"; the committed cohort gives {printed(value, digits + 1)}"
    if within_printed_range(entry["value"], low, high, digits):
        return "match", f"held out: within the ensemble's 95 % range {shown}{own}"
    return "differs", f"held out: outside the ensemble's 95 % range {shown}{own}"


def load_publication(path: str | Path) -> dict:
    return safe_load(Path(path).read_text(encoding="utf-8"))


def reproduce_publication(document: dict, tables: Mapping[str, pd.DataFrame], dataset: pd.DataFrame,
                          **kwargs) -> pd.DataFrame:
    """:func:`reproduce` for a whole published YAML document (study, external populations and conflicts)."""
    numbers = {n["id"]: n for n in document["numbers"]}
    external = {k for k, p in document["populations"].items() if p.get("external")}
    return reproduce(numbers, tables, dataset, study=document["study"], external=external,
                     conflicts=document.get("conflicts"), **kwargs)


def _shown(row) -> str:
    if pd.isna(row.reproduced):
        return "—"
    digits = len(row.published.split(".")[1]) if "." in row.published else 0
    return printed(row.reproduced, digits + (0 if row.statistic in COUNTS else 2))


def _number(value, digits: int) -> str:
    return "—" if value is None or not np.isfinite(value) else printed(value, digits)


def _held_out_section(frame: pd.DataFrame) -> list[str]:
    esc = html.escape
    held = frame[frame["origin"] == "held_out"]
    if held.empty:
        return []
    recovered = int((held["status"] == "match").sum())
    parts = [f"<h3>Held-out numbers: {recovered} of {len(held)} within the ensemble's 95 % range</h3>",
             "<p>Numbers the reconstruction did not use: each is compared with its distribution over the ensemble "
             "of reconstructed cohorts (median and 2.5–97.5 % range; percentile of the published value). A miss "
             "means the fitted model does not produce the published value.</p>",
             "<table><tr><th>id</th><th>where</th><th>published</th><th>ensemble median</th><th>95 % range</th>"
             "<th>percentile</th><th>committed cohort</th><th>status</th></tr>"]
    for r in held.itertuples():
        digits = len(r.published.split(".")[1]) if "." in r.published else 0
        where = " · ".join(x for x in (r.table, r.row, r.column) if x)
        parts.append(f"<tr class='{r.status}'><td>{esc(r.target_id)}</td><td>{esc(where)}</td>"
                     f"<td>{esc(r.published)}</td><td>{_number(r.ensemble_median, digits + 1)}</td>"
                     f"<td>{_number(r.ensemble_low, digits + 1)} – {_number(r.ensemble_high, digits + 1)}</td>"
                     f"<td>{_number(r.published_percentile, 0)}</td><td>{esc(_shown(r))}</td>"
                     f"<td>{esc(r.status)}</td></tr>")
    parts.append("</table>")
    return parts


def _origin_section(frame: pd.DataFrame) -> list[str]:
    esc = html.escape
    if not frame["origin"].astype(bool).any():
        return []
    labels = {"held_out": "held out", "fitted": "fitted", "designed": "designed", "derived": "derived",
              "": "not addressed by the reconstruction"}
    table = pd.crosstab(frame["origin"], frame["status"]).reindex(index=list(ORIGINS), columns=list(STATUSES),
                                                                    fill_value=0)
    head = "".join(f"<th>{esc(s)}</th>" for s in STATUSES)
    parts = ["<h3>Where the agreement comes from</h3>",
             "<p><b>designed</b>: built into the data; <b>fitted</b>: a target of the model's fit; <b>held out</b>: "
             "not used by the fit; <b>derived</b>: follows from designed values alone.</p>",
             f"<table><tr><th>origin</th>{head}<th>total</th></tr>"]
    for origin, row in table.iterrows():
        if row.sum():
            parts.append(f"<tr><td>{esc(labels[origin])}</td>" + "".join(f"<td>{row[s]}</td>" for s in STATUSES)
                         + f"<td>{int(row.sum())}</td></tr>")
    parts.append("</table>")
    return parts


def _plausibility_section(plausibility: pd.DataFrame | None) -> list[str]:
    esc = html.escape
    if plausibility is None or plausibility.empty:
        return []
    compared = plausibility[plausibility["status"] != "not_compared"]
    failed = int((compared["status"] == "fail").sum())
    parts = [f"<h3>Plausibility: {len(compared) - failed} of {len(compared)} statistics within the ensemble's "
             "99th percentile</h3>",
             "<table><tr><th>statistic</th><th>artefact when</th><th>cohort</th><th>ensemble median</th>"
             "<th>limit</th><th>percentile</th><th>status</th></tr>"]
    for r in compared.itertuples():
        cls = "differs" if r.status == "fail" else ""
        parts.append(f"<tr class='{cls}'><td>{esc(r.statistic)}</td><td>{esc(r.direction)}</td>"
                     f"<td>{r.value:.4g}</td><td>{r.ensemble_median:.4g}</td><td>{r.limit:.4g}</td>"
                     f"<td>{r.percentile:.0f}</td><td>{esc(r.status)}</td></tr>")
    parts.append("</table>")
    return parts


def reproduction_summary(frame: pd.DataFrame, title: str = "Reproduction of the published numbers",
                         plausibility: pd.DataFrame | None = None) -> str:
    """Self-contained HTML: for a reconstructed cohort first the held-out numbers against the ensemble, the
    statuses by origin and the plausibility statistics; then counts per status (overall and per published table)
    and every number that does not match, with the reproduced value (two more decimals than printed) and the
    reason."""
    esc = html.escape
    if "origin" not in frame:
        frame = frame.assign(origin="", **{c: np.nan for c in ENSEMBLE_COLUMNS})
    frame = frame.assign(origin=frame["origin"].fillna("").astype(str))
    counts = frame["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    by_table = pd.crosstab(frame["table"], frame["status"]).reindex(columns=list(STATUSES), fill_value=0)
    by_table = by_table.reindex(list(dict.fromkeys(frame["table"])))
    head = "".join(f"<th>{esc(s)}</th>" for s in STATUSES)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title><style>"
             "body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse;margin-bottom:1.5em}"
             "td,th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}"
             ".differs{background:#fde2e2}.close{background:#fff4d6}.not_reproducible{background:#eee}"
             "</style></head><body>", f"<h2>{esc(title)}</h2>",
             *_held_out_section(frame), *_origin_section(frame), *_plausibility_section(plausibility),
             f"<h3>All published numbers</h3><p>{len(frame)} published numbers.</p>"
             f"<table><tr><th></th>{head}<th>total</th></tr>",
             "<tr><th>all</th>" + "".join(f"<td>{counts[s]}</td>" for s in STATUSES) + f"<td>{len(frame)}</td></tr>"]
    for name, row in by_table.iterrows():
        parts.append(f"<tr><td>{esc(str(name))}</td>" + "".join(f"<td>{row[s]}</td>" for s in STATUSES)
                     + f"<td>{int(row.sum())}</td></tr>")
    parts.append("</table>")
    order = {s: i for i, s in enumerate(STATUSES)}
    rest = frame[frame["status"] != "match"]
    rest = rest.iloc[np.argsort(rest["status"].map(order).to_numpy(), kind="stable")]
    parts.append(f"<h3>Numbers that do not match ({len(rest)})</h3><table><tr><th>id</th><th>where</th>"
                 "<th>statistic</th><th>origin</th><th>published</th><th>reproduced</th><th>status</th>"
                 "<th>reason</th></tr>")
    for r in rest.itertuples():
        where = " · ".join(x for x in (r.table, r.row, r.column) if x)
        parts.append(f"<tr class='{r.status}'><td>{esc(r.target_id)}</td><td>{esc(where)}</td>"
                     f"<td>{esc(r.statistic)}</td><td>{esc(r.origin)}</td><td>{esc(r.published)}</td>"
                     f"<td>{esc(_shown(r))}</td><td>{esc(r.status)}</td><td>{esc(r.note)}</td></tr>")
    parts.append("</table></body></html>\n")
    return "".join(parts)
