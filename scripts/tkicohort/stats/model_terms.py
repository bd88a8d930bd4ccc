"""What each term of the multivariable Cox model stands for, in the plan's words, with its patients and events.

A term is one column of the model's design matrix (:func:`tkicohort.stats.survival_tables.design_matrix`):

- an indicator ``var==level`` of a categorical variable: that level against the variable's first plan level;
- a 0/1 variable: level 1 against level 0;
- any other numeric variable: a one-unit increase (no levels).

Counts are over the model's complete cases (the patients the model is fitted to): ``n_level`` and ``events_level``
for the term's level, ``n_reference`` and ``events_reference`` for the reference level (the model's n and events for
a numeric variable). Labels: the variable's ``label`` and ``labels`` in the plan (subgroups, then baseline rows),
otherwise the column name and the values as written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .survival_tables import design_matrix

TERM_COLUMNS = ["variable_label", "level", "level_label", "reference_level", "reference_label", "n_level",
                "events_level", "n_reference", "events_reference"]


def _key(value) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def describe_terms(table: pd.DataFrame, dataset: pd.DataFrame, variables: list[dict], time: str,
                   event: str, baseline: list[dict] = ()) -> pd.DataFrame:
    """``table`` (one row per model term, column ``term``) with :data:`TERM_COLUMNS` added."""
    matrix, owner = design_matrix(dataset, variables)
    used = pd.concat([dataset[[time, event]], matrix], axis=1).dropna().index
    events = dataset.loc[used, event].astype(float)
    specs = {spec["variable"]: spec for spec in variables}
    labels_of = {row["variable"]: row for row in baseline}
    out = []
    for term in table["term"]:
        var = owner.get(term, term)
        spec = {**labels_of.get(var, {}), **{k: v for k, v in specs.get(var, {}).items() if v is not None}}
        names = {_key(k): str(v) for k, v in (spec.get("labels") or {}).items()}
        values = dataset.loc[used, var]
        row = {"variable_label": spec.get("label", var)}
        if "==" in term:
            levels = spec.get("levels") or sorted(dataset[var].dropna().unique().tolist())
            level = next(lv for lv in levels[1:] if f"{var}=={lv}" == term)
            reference = levels[0]
        elif values.dropna().isin([0, 1]).all():
            level, reference = 1, 0
        else:
            level = reference = None
        if level is None:
            row.update({"level": np.nan, "level_label": np.nan, "reference_level": np.nan,
                        "reference_label": np.nan, "n_level": len(used), "events_level": int(events.sum()),
                        "n_reference": np.nan, "events_reference": np.nan})
        else:
            at_level, at_reference = (values == level).to_numpy(), (values == reference).to_numpy()
            row.update({"level": _key(level), "level_label": names.get(_key(level), _key(level)),
                        "reference_level": _key(reference),
                        "reference_label": names.get(_key(reference), _key(reference)),
                        "n_level": int(at_level.sum()), "events_level": int(events[at_level].sum()),
                        "n_reference": int(at_reference.sum()), "events_reference": int(events[at_reference].sum())})
        out.append(row)
    return pd.concat([table.reset_index(drop=True), pd.DataFrame(out, columns=TERM_COLUMNS)], axis=1)
