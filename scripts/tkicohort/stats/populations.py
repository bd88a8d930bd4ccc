"""Which patients each endpoint is analysed in: the plan's ``populations`` (one expression per endpoint).

- ``pfs``: progression-free survival (overall summary, subgroup and arm tables, the multivariable model, the PFS
  figures). Default: every patient of the cohort.
- ``os``: overall survival (overall summary, subgroup and arm tables). Default: every patient of the cohort.
- ``response``: best overall response, DCR, ORR and duration of response (efficacy and response tables). Default:
  ``evaluable == 1``, the patients evaluable by RECIST. A patient of a wider response population who is not
  evaluable counts as a non-responder (intention to treat): in the denominator, not among the responders.

Each is a condition of the plan expression language (:mod:`tkicohort.expression`, checked when the workflow starts);
a plan value of ``null`` means every patient. A subgroup's own ``population:`` filter applies within the endpoint's
population (e.g. Zhujiang's "bone metastasis among patients with distant metastasis" of the PFS-evaluable patients).
Duration of response is analysed among the responders (ORR = 1) of the response population.
"""

from __future__ import annotations

import pandas as pd

from ..expression import select

ENDPOINTS = ("pfs", "os", "response")
DEFAULTS: dict[str, str | None] = {"pfs": None, "os": None, "response": "evaluable == 1"}


def expression_of(plan: dict, endpoint: str) -> str | None:
    """The plan's population expression of ``endpoint`` (its default when the plan does not name one)."""
    if endpoint not in DEFAULTS:
        raise KeyError(f"no population is defined for endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
    return (plan.get("populations") or {}).get(endpoint, DEFAULTS[endpoint])


def population(dataset: pd.DataFrame, plan: dict, endpoint: str) -> pd.DataFrame:
    """The patients of ``dataset`` in the plan's population of ``endpoint``."""
    return select(dataset, expression_of(plan, endpoint))


def response_population(dataset: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """The response population with DCR and ORR of its non-evaluable patients (missing flags) set to 0."""
    frame = population(dataset, plan, "response")
    flags = [c for c in ("dcr", "orr") if c in frame.columns]
    return frame.assign(**{c: frame[c].fillna(0) for c in flags}) if flags else frame
