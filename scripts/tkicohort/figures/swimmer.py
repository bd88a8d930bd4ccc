"""Swimmer plot: one lane per patient, time on treatment with response onset and progression.

Each lane starts at day 0. The coloured bar is the time on treatment: up to a final 0-mg record of ``doses.csv``
(treatment stopped, or interrupted and never resumed), otherwise up to death or last contact (``os_days``); a thin
grey line continues to death or last contact when follow-up went on after treatment stopped. Bars are coloured by
best overall response (confirmed when the plan requires it; NE for patients not evaluable) and sorted by the lane's
length, longest first (ties by patient id). Markers: ▲ response onset, ◆ progression (``pd_day``), ✕ death,
▶ alive at last contact. Response onset is the first assessment with an overall response of CR or PR before
progression (``visits.csv``); with confirmation required it is the first assessment of the confirmed response
(``first_response_day``).

Size: one journal column; lanes 3.2 mm apart with the patient ids up to :data:`MAX_ID_LABELS` lanes, then the
lanes share :data:`LANES_MM` (down to 0.95 mm a lane at :data:`MAX_LANES`), numbered by rank instead of id, markers
shrinking with them. Above :data:`MAX_LANES` patients only the first :data:`MAX_LANES` lanes in the order above are
drawn, i.e. the patients followed longest, and the figure says so above the lanes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import response_column, time_unit, to_time_unit
from .style import (
    OKABE_ITO,
    RESPONSE_ORDER,
    SINGLE_COLUMN_MM,
    SMALL_FONT_SIZE,
    fit_text,
    message,
    new_figure,
    response_colours,
    shorten,
    styled,
)

MAX_ID_LABELS, MAX_LANES = 60, 200
LANE_MM, LANES_MM, FRAME_MM, ID_MM = 3.2, 190.0, 36.0, 14.0  # lane pitch, room of many lanes, the rest, id labels
MARKER_AREA = 12.0  # points² at the full lane pitch
MARKERS = {
    "onset": {"marker": "^", "color": "black", "label": "response onset"},
    "progression": {"marker": "D", "color": OKABE_ITO["yellow"], "label": "progression"},
    "death": {"marker": "x", "color": "black", "label": "died"},
    "ongoing": {"marker": ">", "color": "black", "label": "alive at last contact"},
}
FOLLOW_UP = {"color": "black", "linewidth": 0.6}


def treatment_stop_day(doses: pd.DataFrame | None) -> pd.Series:
    """Per patient: the day of the last dose record when it is 0 mg (treatment not taken after it)."""
    if doses is None or doses.empty:
        return pd.Series(dtype=float)
    last = doses.sort_values(["patient_id", "day"], kind="mergesort").groupby("patient_id", sort=False).tail(1)
    stopped = last[last["dose_mg_per_day"] == 0]
    return pd.Series(stopped["day"].to_numpy(float), index=stopped["patient_id"].astype(str).to_numpy())


def response_onset_day(best_response: pd.DataFrame, visits: pd.DataFrame | None, plan: dict) -> pd.Series:
    """Per patient: the day of response onset (see the module docstring)."""
    best = best_response.assign(patient_id=best_response["patient_id"].astype(str))
    if response_column(plan) == "bor_confirmed" or visits is None:
        return best.set_index("patient_id")["first_response_day"].astype(float)
    v = visits.assign(patient_id=visits["patient_id"].astype(str)).merge(best[["patient_id", "pd_day"]],
                                                                       on="patient_id", how="left")
    counted = v["overall_response"].isin(["CR", "PR"]) & (v["day"] > 0) & ~(v["day"] > v["pd_day"])
    return v[counted].groupby("patient_id")["day"].min().astype(float)


def swimmer_data(dataset: pd.DataFrame, best_response: pd.DataFrame, plan: dict,
                 visits: pd.DataFrame | None = None, doses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lanes top to bottom: patient_id, response, end (death or last contact), treated (end of treatment), onset,
    progression (plan time unit), died."""
    ids = dataset["patient_id"].astype(str)
    last = dataset["os_days"].to_numpy(float)
    stop = ids.map(treatment_stop_day(doses)).to_numpy(float)
    pd_day = ids.map(best_response.set_index(best_response["patient_id"].astype(str))["pd_day"]).to_numpy(float)
    lanes = pd.DataFrame({
        "patient_id": ids.to_numpy(), "response": dataset[response_column(plan)].fillna("NE").to_numpy(),
        "end": to_time_unit(last, plan), "treated": to_time_unit(np.fmin(stop, last), plan),
        "onset": to_time_unit(ids.map(response_onset_day(best_response, visits, plan)), plan),
        "progression": to_time_unit(pd_day, plan), "died": dataset["os_event"].to_numpy() == 1,
    })
    lanes = lanes.sort_values(["end", "patient_id"], ascending=[False, True], kind="mergesort")
    return lanes.reset_index(drop=True)


def _rank_ticks(n: int) -> list[int]:
    """Lane ranks labelled on a long swimmer plot: 1 and every multiple of 25 or 50 up to ``n``."""
    step = 25 if n <= 100 else 50
    return [1] + list(range(step, n + 1, step))


@styled
def swimmer(dataset: pd.DataFrame, best_response: pd.DataFrame, plan: dict, visits: pd.DataFrame | None = None,
            doses: pd.DataFrame | None = None):
    lanes = swimmer_data(dataset, best_response, plan, visits, doses)
    n_patients = len(lanes)
    lanes = lanes.head(MAX_LANES)
    pitch = LANE_MM if len(lanes) <= MAX_ID_LABELS else LANES_MM / len(lanes)
    fig = new_figure("single", FRAME_MM + pitch * max(len(lanes), 10))
    ax = fig.add_subplot()
    ax.set_label("swimmer")
    ax.set_xlabel(f"Time since start of treatment ({time_unit(plan)})")
    ax.set_ylabel(f"Patients (n = {n_patients})")
    if lanes.empty:
        message(ax, "no patients")
        return fig
    if n_patients > len(lanes):
        note = (f"The {len(lanes)} patients followed longest of {n_patients} (lanes sorted by time to death or "
                "last contact)")
        note, size = fit_text(note, SINGLE_COLUMN_MM - 20, SMALL_FONT_SIZE, max_lines=2)
        ax.set_title(note, loc="left", fontsize=size)
    y = np.arange(len(lanes))[::-1].astype(float)
    end = lanes["end"].to_numpy(float)
    treated = lanes["treated"].to_numpy(float)
    off = treated < end
    ax.hlines(y[off], treated[off], end[off], **FOLLOW_UP)
    on = np.where(np.isnan(treated), end, treated)
    ax.barh(y, on, height=0.6, color=response_colours(lanes["response"]), edgecolor="none")
    nudge = 0.015 * np.nanmax(end, initial=1.0)
    died = lanes["died"].to_numpy()
    points = {
        "onset": (lanes["onset"].to_numpy(float), lanes["onset"].notna().to_numpy()),
        "progression": (lanes["progression"].to_numpy(float), lanes["progression"].notna().to_numpy()),
        "death": (end, died),
        "ongoing": (end + nudge, ~died),
    }
    handles = [Patch(color=c, label=r) for r, c in zip(RESPONSE_ORDER, response_colours(RESPONSE_ORDER), strict=True)
               if (lanes["response"] == r).any()]
    if off.any():
        handles.append(Line2D([], [], label="off treatment", **FOLLOW_UP))
    area = MARKER_AREA * min(1.0, pitch / LANE_MM) ** 2
    for name, (x, mask) in points.items():
        style = MARKERS[name]
        edge = {"edgecolors": "black", "linewidths": 0.5} if name == "progression" else {"linewidths": 0.8}
        ax.scatter(x[mask], y[mask], marker=style["marker"], s=area, color=style["color"], zorder=3, clip_on=False,
                   label=f"_{name}", **edge)
        if mask.any():
            handles.append(Line2D([], [], linestyle="none", marker=style["marker"], color=style["color"],
                                  markeredgecolor="black", label=style["label"]))
    ax.set_xlim(0, np.nanmax(end, initial=1.0) * 1.06)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    if len(lanes) <= MAX_ID_LABELS:
        ax.set_yticks(y, [shorten(p, ID_MM, SMALL_FONT_SIZE) for p in lanes["patient_id"]],
                      fontsize=SMALL_FONT_SIZE)
    else:  # lane ranks, 1 = top
        ranks = _rank_ticks(len(lanes))
        ax.set_yticks([len(lanes) - r for r in ranks], [str(r) for r in ranks], fontsize=SMALL_FONT_SIZE)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3))
    return fig
