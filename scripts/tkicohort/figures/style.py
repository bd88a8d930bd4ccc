"""One figure style for every cohort, and deterministic saving.

- Colours: the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies). Each RECIST response
  code has a fixed colour in every figure; arms and subgroup levels take the palette in order.
- Sizes: journal column widths (single 85 mm, double 174 mm); 7 pt text, 6 pt for dense labels, 8 pt titles;
  DejaVu Sans (shipped with matplotlib, so the same glyphs on every machine).
- Saving: PNG at 300 dpi and SVG, rendered off-screen (figures are ``matplotlib.figure.Figure`` objects on an Agg
  canvas, never pyplot windows, so no global backend is touched). SVG element ids come from a fixed salt and the date/creator metadata are
  removed, so the same data give byte-identical files. Files are written through a temporary file and renamed.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..stats.render import fmt_p

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
RESPONSE_COLOURS = {
    "CR": OKABE_ITO["blue"], "PR": OKABE_ITO["sky_blue"], "SD": OKABE_ITO["bluish_green"],
    "NON-CR/NON-PD": OKABE_ITO["orange"], "PD": OKABE_ITO["vermillion"], "NE": OKABE_ITO["grey"],
}
RESPONSE_ORDER = tuple(RESPONSE_COLOURS)
#: Arms and subgroup levels, in order (reference arm / first level first).
SERIES_COLOURS = tuple(OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple",
                                              "sky_blue", "black", "yellow"))
GRADE_COLOURS = {"grade_1_2": OKABE_ITO["sky_blue"], "grade_3_4": OKABE_ITO["vermillion"],
                 "grade_5": OKABE_ITO["black"]}
REFERENCE_LINE = {"color": OKABE_ITO["grey"], "linestyle": "--", "linewidth": 0.7}

MM_PER_INCH = 25.4
SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 174.0
FONT_SIZE, SMALL_FONT_SIZE, TITLE_FONT_SIZE = 7.0, 6.0, 8.0
DPI = 300
SVG_SALT = "tkicohort"

RC = {
    "font.family": "DejaVu Sans", "font.size": FONT_SIZE, "axes.titlesize": TITLE_FONT_SIZE,
    "axes.labelsize": FONT_SIZE, "xtick.labelsize": FONT_SIZE, "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": SMALL_FONT_SIZE, "legend.frameon": False, "axes.spines.top": False,
    "axes.spines.right": False, "axes.linewidth": 0.6, "lines.linewidth": 1.0, "xtick.major.width": 0.6,
    "ytick.major.width": 0.6, "svg.hashsalt": SVG_SALT, "svg.fonttype": "path", "path.simplify": False,
    "figure.dpi": 100, "savefig.dpi": DPI,
}


def styled(func):
    """Run a figure builder under the project's rc settings (text and lines pick them up when created)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(RC):
            return func(*args, **kwargs)
    return wrapper


def new_figure(width: str = "single", height_mm: float = 70.0) -> Figure:
    """A constrained-layout figure one (``single``) or two (``double``) journal columns wide."""
    width_mm = DOUBLE_COLUMN_MM if width == "double" else SINGLE_COLUMN_MM
    fig = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), layout="constrained")
    FigureCanvasAgg(fig)  # off-screen Agg canvas; no pyplot state, no GUI backend
    return fig


def series_colour(i: int) -> str:
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def response_colours(codes) -> list[str]:
    """Fixed colour of each response code (grey for anything unknown or missing)."""
    return [RESPONSE_COLOURS.get(str(c), OKABE_ITO["grey"]) for c in codes]


def p_text(p) -> str:
    """A p-value as printed on a figure: ``p = 0.123``, ``p < 0.001`` or ``p = —`` when missing."""
    p = float(p) if p is not None else np.nan
    if np.isnan(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {fmt_p(p)}"


def message(ax, text: str) -> None:
    """Say on an empty panel why there is nothing to draw."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=OKABE_ITO["grey"])
    ax.set_xticks([])
    ax.set_yticks([])


def time_ticks(t_max: float, unit: str) -> np.ndarray:
    """Evenly spaced ticks from 0 covering ``t_max``: the smallest clinically usual step giving at most 8
    intervals (months: 1, 2, 3, 6, 12, 24, …; weeks: 1, 2, 4, 8, 13, 26, 52, …; days: 7, 14, 30, 60, 90, …).
    A time at most 2 % of a step beyond a tick (e.g. 731 days = 24.02 months) does not open another interval."""
    steps = {"months": (1, 2, 3, 6, 12, 24, 36, 60), "weeks": (1, 2, 4, 8, 13, 26, 52, 104),
             "days": (7, 14, 30, 60, 90, 180, 365, 730)}[unit]
    t_max = max(float(t_max), 0.0)
    intervals = lambda s: max(int(np.ceil(t_max / s - 0.02)), 1)  # noqa: E731
    step = next((s for s in steps if intervals(s) <= 8), steps[-1] * max(1.0, np.ceil(t_max / steps[-1] / 8)))
    return np.arange(intervals(step) + 1) * step


def save(fig: Figure, png_path: str | Path, svg_path: str | Path) -> None:
    """Write the figure as PNG (300 dpi) and SVG; identical figures give identical bytes."""
    with mpl.rc_context(RC):
        for path, fmt, metadata in ((png_path, "png", {"Software": None}),
                                    (svg_path, "svg", {"Date": None, "Creator": None})):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
            _write_bytes(buffer.getvalue(), path)


def _write_bytes(data: bytes, path: str | Path) -> None:
    """Write through a temporary file in the same folder (created with the usual permissions) and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
