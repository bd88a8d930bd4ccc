"""Derived variables named in the analysis plan (``derived:``), applied in the plan's order.

Rules (each adds one column, named by the plan):
- ``threshold``: 1 if ``variable`` ≥/>/≤/< the value (``ge``/``gt``/``le``/``lt``), 0 otherwise, missing if the
  source is missing.
- ``any``: 1 if any listed 0/1 variable is 1; 0 if all are 0; missing if none is 1 and some are missing.
- ``only``: 1 if ``variable`` is 1 and every ``others`` is 0; 0 if ``variable`` is 0 or any other is 1; else missing.
- ``cut``: labels of right-open bins of ``variable`` at ``breaks`` (n breaks → n + 1 labels).
- ``expression``: a condition of the plan expression language (:mod:`tkicohort.expression`) over the patients.csv
  columns and earlier derived variables, as 1 (true), 0 (false) or missing (unknown).
- ``adverse_event``: 1 if the patient had one of ``terms`` (or ``any``) at grade ≥ ``min_grade``.
- ``tg_response``: the thyroglobulin response at the plan's ``tg.decrease_threshold_pct``.
- ``dose_status``: standard / reduced / interrupted / discontinued.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..expression import ExpressionError, parse


class PlanError(ValueError):
    """A derived variable the data cannot provide; the message names the variable and what is missing."""


def _need(frame: pd.DataFrame, name: str, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanError(f"derived variable '{name}' reads column(s) {', '.join(missing)}, which the data do not have")


def _flag(values: np.ndarray, missing: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(np.where(missing, pd.NA, values.astype(int)), dtype="Int8"))


def derive_variables(frame: pd.DataFrame, derived: dict, context: dict) -> pd.DataFrame:
    """Add the plan's derived columns to ``frame`` (one row per patient). ``context`` holds per-patient Series
    aligned with ``frame``: ``ae_flag(terms, min_grade)`` (a function), ``tg_response`` and ``dose_status``."""
    out = frame.copy()
    for name, spec in (derived or {}).items():
        rule = spec["rule"]
        if rule == "threshold":
            _need(out, name, [spec["variable"]])
            x = pd.to_numeric(out[spec["variable"]], errors="coerce").to_numpy(dtype=float)
            op, value = next((k, v) for k, v in spec.items() if k in ("ge", "gt", "le", "lt"))
            res = {"ge": x >= value, "gt": x > value, "le": x <= value, "lt": x < value}[op]
            col = _flag(res, np.isnan(x))
        elif rule in ("any", "only"):
            cols = spec["variables"] if rule == "any" else [spec["variable"], *spec["others"]]
            _need(out, name, cols)
            m = np.column_stack([pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in cols])
            one = np.nan_to_num(m, nan=0) == 1
            na = np.isnan(m)
            if rule == "any":
                col = _flag(one.any(axis=1), ~one.any(axis=1) & na.any(axis=1))
            else:
                main, others = m[:, 0], m[:, 1:]
                yes = (main == 1) & (others == 0).all(axis=1)
                no = (main == 0) | (others == 1).any(axis=1)
                col = _flag(yes, ~yes & ~no)
        elif rule == "cut":
            _need(out, name, [spec["variable"]])
            x = pd.to_numeric(out[spec["variable"]], errors="coerce")
            if len(spec["labels"]) != len(spec["breaks"]) + 1:
                raise PlanError(f"derived variable '{name}': {len(spec['breaks'])} breaks need "
                                f"{len(spec['breaks']) + 1} labels")
            col = pd.cut(x, [-np.inf, *spec["breaks"], np.inf], right=False, labels=spec["labels"]).astype(object)
            col = col.where(x.notna(), None)
        elif rule == "expression":
            try:
                col = parse(spec["expr"]).evaluate(out).astype("Int8")
            except ExpressionError as err:
                raise PlanError(f"derived variable '{name}': {err}") from err
        elif rule == "adverse_event":
            col = context["ae_flag"](spec["terms"], spec.get("min_grade", 1))
        elif rule in ("tg_response", "dose_status"):
            col = context[rule]
        else:
            raise PlanError(f"derived variable '{name}': unknown rule '{rule}'")
        out[name] = pd.Series(col).to_numpy() if not isinstance(col, pd.Series) else col.to_numpy()
        if rule in ("threshold", "any", "only", "expression", "adverse_event", "tg_response"):
            out[name] = pd.array(out[name], dtype="Int8")
    return out
