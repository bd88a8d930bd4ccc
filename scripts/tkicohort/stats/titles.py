"""Printed titles of the tables: which response definition a response table uses and which patients a survival table
covers (:func:`title_for`). Apart from :mod:`tkicohort.stats.tables` so that rendering a table imports no survival
library."""

from __future__ import annotations

from ..cohort_outputs import TIME_TO_EVENT, time_to_event_endpoints
from .populations import expression_of

ENDPOINT_NAMES = {"pfs": "Progression-free survival", "os": "Overall survival"}

TITLES = {
    "baseline": "Baseline characteristics", "efficacy": "Best overall response and disease control",
    "pfs_overall": "Progression-free and overall survival", "adverse_events": "Adverse events (worst grade per patient)",
    "response_by_subgroup": "Disease control and objective response by subgroup",
    **{f"{e}_by_subgroup": f"{ENDPOINT_NAMES[e]} by subgroup" for e in TIME_TO_EVENT},
    "cox_multivariable": "Multivariable Cox model of PFS",
    "response_by_arm": "Response and clinical benefit by arm",
    **{f"{e}_by_arm": f"{ENDPOINT_NAMES[e]} by arm" for e in TIME_TO_EVENT},
    **{f"{e}_by_subgroup_and_arm": f"{ENDPOINT_NAMES[e]}: treatment effect by subgroup, with interaction test"
       for e in TIME_TO_EVENT},
    "qol": "Quality of life (EORTC QLQ-C30) by arm",
    "pfs_post_baseline": "Progression-free survival by post-baseline variables: naive, landmark and time-dependent",
    "os_post_baseline": "Overall survival by post-baseline variables: naive, landmark and time-dependent",
    "model_discrimination": "Discrimination of the multivariable Cox model (C-index, time-dependent AUC)",
    "context": "Median PFS and response rate beside published trials and real-world studies (months of 365.25/12 "
               "days; a study's response is CR + PR where its table gives both, otherwise PR)",
}
RESPONSE_TABLES = ("efficacy", "response_by_subgroup", "response_by_arm")


def title_for(name: str, plan: dict, tumour_data: bool = True) -> str:
    """The printed title of table ``name``: which response definition a response table uses, which patients a
    survival table covers, and what a survival-only cohort lacks."""
    title = TITLES[name]

    def patients(endpoint: str) -> str:
        expression = expression_of(plan, endpoint)
        return f"patients with {expression}" if expression else "all patients"

    if name in RESPONSE_TABLES:
        recist = plan.get("recist", {})
        if recist.get("require_confirmation", False):
            which = (f"confirmed responses: CR and PR confirmed ≥ {recist.get('confirmation_days', 28)} days "
                     "later, RECIST 1.1")
        else:
            which = "responses without confirmation, RECIST 1.1"
        title += f" ({which}; {patients('response')})"
    endpoint = name.split("_", 1)[0]
    if endpoint in TIME_TO_EVENT and name != "pfs_overall":
        title += f" ({patients(endpoint)})"
    if name == "pfs_overall":  # the cohort's overview table says once what a survival-only cohort lacks
        endpoints = time_to_event_endpoints(plan, tumour_data)
        names = [ENDPOINT_NAMES[e] for e in endpoints]
        title = names[0] + "".join(f" and {n.lower()}" for n in names[1:])
        title += " (" + "; ".join(f"{e.upper()}: {patients(e)}" for e in endpoints) + ")"
        if not tumour_data:
            title += " — no tumour assessments in this cohort: no progression-free survival and no response tables"
    return title
