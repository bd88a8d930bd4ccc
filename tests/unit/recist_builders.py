"""Small builders of normalised measurement frames for RECIST tests."""

from __future__ import annotations

import pandas as pd


def targets(pid: str, series: dict[str, list], days: list[int], nodal: dict[str, int] | None = None) -> list[dict]:
    """Target rows: series maps lesion id → diameters at ``days`` (None = not evaluated, a skipped row if 'skip')."""
    rows = []
    for lesion, values in series.items():
        for day, d in zip(days, values, strict=True):
            if d == "skip":
                continue
            rows.append({"patient_id": pid, "day": day, "lesion_id": lesion, "lesion_type": "target",
                         "organ": "lymph_node" if (nodal or {}).get(lesion) else "lung",
                         "nodal": (nodal or {}).get(lesion, 0), "diameter_mm": d, "status": None})
    return rows


def nontargets(pid: str, series: dict[str, list], days: list[int]) -> list[dict]:
    rows = []
    for lesion, values in series.items():
        for day, st in zip(days, values, strict=True):
            if st == "skip":
                continue
            rows.append({"patient_id": pid, "day": day, "lesion_id": lesion, "lesion_type": "non_target",
                         "organ": "bone", "nodal": 0, "diameter_mm": None, "status": st})
    return rows


def new_lesion(pid: str, day: int, status: str = "present") -> list[dict]:
    return [{"patient_id": pid, "day": day, "lesion_id": f"NEW{day}", "lesion_type": "new", "organ": "liver",
             "nodal": 0, "diameter_mm": None, "status": status}]


def frame(rows: list[dict]) -> pd.DataFrame:
    m = pd.DataFrame(rows, columns=["patient_id", "day", "lesion_id", "lesion_type", "organ", "nodal",
                                    "diameter_mm", "status"])
    m["day"] = m["day"].astype("int64")
    m["nodal"] = m["nodal"].astype("int8")
    m["diameter_mm"] = m["diameter_mm"].astype("float64")
    m["status"] = m["status"].astype(object).where(m["status"].notna(), None)
    return m


def patients(ids, death_day: dict | None = None, excluded: dict | None = None) -> pd.DataFrame:
    death_day = death_day or {}
    excluded = excluded or {}
    return pd.DataFrame({
        "patient_id": list(ids),
        "death": [1 if i in death_day else 0 for i in ids],
        "death_day": pd.array([death_day.get(i) for i in ids], dtype="Int64"),
        "followup_days": [1000] * len(ids),
        "excluded_reason": [excluded.get(i) for i in ids],
    })


def visits(pid: str, responses: list[str], days: list[int]) -> pd.DataFrame:
    """A visit table with only overall responses (for best-response tests)."""
    return pd.DataFrame({"patient_id": pid, "day": days, "sum_mm": float("nan"),
                         "pct_from_baseline": float("nan"), "pct_from_nadir": float("nan"),
                         "target_response": None, "nontarget_response": None, "new_lesion": 0,
                         "overall_response": responses})
