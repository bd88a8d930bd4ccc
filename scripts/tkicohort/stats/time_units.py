"""The plan's time scale, in one place: the unit its analyses are in (``time.unit``: days, weeks or months; months
of ``time.days_per_month`` days, 30.4375 = 365.25 / 12 by default), and the factors between it, days and months.

A plan's ``*_months`` settings (landmarks, the RMST horizon) are in months whatever the unit of its analyses, and
are converted with :func:`per_month`; analyses that work in days convert with :func:`days_per_unit`.
"""

from __future__ import annotations

DEFAULT_DAYS_PER_MONTH = 30.4375


def days_per_month(plan: dict) -> float:
    return plan.get("time", {}).get("days_per_month", DEFAULT_DAYS_PER_MONTH)


def time_unit(plan: dict) -> str:
    return plan.get("time", {}).get("unit", "months")


def days_per_unit(plan: dict) -> float:
    """Days in one of the plan's time units."""
    return {"months": days_per_month(plan), "weeks": 7.0, "days": 1.0}[time_unit(plan)]


def per_month(plan: dict) -> float:
    """How many of the plan's time units make a month."""
    return days_per_month(plan) / days_per_unit(plan)
