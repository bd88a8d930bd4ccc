"""Overall survival, response flags and response durations.

Conventions:
- Months = days / ``days_per_month`` (default 30.4375 = 365.25 / 12).
- OS: event = death (os_days = death_day); otherwise censored at the last contact (followup_days).
- DCR = best response CR, PR or SD (or NON-CR/NON-PD, the non-target-only equivalent of SD); ORR = CR or PR. From
  the confirmed best response when the plan requires confirmation. With ``clinical_benefit_sd_months`` (DECISION's
  clinical benefit), SD counts towards DCR only when PFS lasts at least that long. Non-evaluable patients are in
  neither denominator: their flags are missing, not 0.
- Duration of response (RECIST 1.1 §4.5), for patients with ORR = 1: from the first assessment at which CR or PR is
  met — of the confirmed response when the plan requires confirmation (``first_response_day``), otherwise the first
  CR or PR assessment (``first_response_day_unconfirmed``) — to PD or death (event), or censored where PFS is (the
  last adequate assessment): dor_days = pfs_days − start, dor_event = pfs_event. Duration of disease control: from
  day 0 to PD or death, or censored, for patients with DCR = 1; it equals their PFS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def to_months(days, days_per_month: float = 30.4375):
    return np.asarray(days, dtype=float) / days_per_month


def derive_os(patients: pd.DataFrame, days_per_month: float = 30.4375) -> pd.DataFrame:
    died = patients["death"].to_numpy() == 1
    days = np.where(died, patients["death_day"].to_numpy(dtype=float, na_value=np.nan),
                    patients["followup_days"].to_numpy(dtype=float))
    return pd.DataFrame({"patient_id": patients["patient_id"].to_numpy(), "os_days": days.astype(np.int64),
                         "os_event": died.astype(np.int8), "os_months": to_months(days, days_per_month)})


def derive_response_flags(best: pd.DataFrame, require_confirmation: bool = False,
                          clinical_benefit_sd_months: float | None = None,
                          days_per_month: float = 30.4375) -> pd.DataFrame:
    bor = best["bor_confirmed" if require_confirmation else "bor"]
    orr = bor.isin(["CR", "PR"])
    stable = bor.isin(["SD", "NON-CR/NON-PD"])
    if clinical_benefit_sd_months is not None:
        stable &= to_months(best["pfs_days"], days_per_month) >= clinical_benefit_sd_months
    evaluable = best["evaluable"].to_numpy() == 1
    return pd.DataFrame({
        "patient_id": best["patient_id"].to_numpy(),
        "dcr": pd.array(np.where(evaluable, (orr | stable).astype(int), pd.NA), dtype="Int8"),
        "orr": pd.array(np.where(evaluable, orr.astype(int), pd.NA), dtype="Int8"),
    })


def derive_durations(best: pd.DataFrame, flags: pd.DataFrame, days_per_month: float = 30.4375,
                     require_confirmation: bool = False) -> pd.DataFrame:
    """Duration of response (responders) and of disease control (patients with disease control), in days and months."""
    start_column = "first_response_day" if require_confirmation else "first_response_day_unconfirmed"
    start = best[start_column].to_numpy(dtype=float)
    responder = flags["orr"].to_numpy(dtype=float, na_value=0) == 1
    controlled = flags["dcr"].to_numpy(dtype=float, na_value=0) == 1
    pfs_days = best["pfs_days"].to_numpy(dtype=float)
    dor = np.where(responder, pfs_days - start, np.nan)
    dcd = np.where(controlled, pfs_days, np.nan)
    event = best["pfs_event"].to_numpy(dtype=float)
    return pd.DataFrame({
        "patient_id": best["patient_id"].to_numpy(),
        "dor_days": dor, "dor_event": np.where(responder, event, np.nan), "dor_months": to_months(dor, days_per_month),
        "dcd_days": dcd, "dcd_event": np.where(controlled, event, np.nan), "dcd_months": to_months(dcd, days_per_month),
    })
