"""One figure style for every cohort, text fitted to the room it has, and deterministic saving.

- Colours: the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies). Each RECIST response
  code has a fixed colour in every figure; arms and subgroup levels take the palette in order.
- Sizes: journal column widths (single 89 mm, double 183 mm, as Nature and most journals print them), at most
  :data:`PAGE_HEIGHT_MM` high where the figure allows it; 7 pt text, 6 pt for dense labels, 8 pt titles, never
  below :data:`MIN_FONT_SIZE` (5 pt); DejaVu Sans (shipped with matplotlib, so the same glyphs on every machine).
- Text from a plan or a data file (subgroup, level and arm labels, adverse-event terms, patient ids) is fitted
  before it is drawn: wrapped at spaces, slashes and hyphens to the width it has, measured with the font's own glyph
  metrics (:func:`text_width_mm`); never beside a relation ("n = 12" stays whole) nor inside a number range; when it
  needs more lines than it may take, its size steps down by 0.5 pt to 5 pt;
  only labels that must stay on one line (risk-table rows, patient ids) are then cut with "…". Such text is drawn
  literally: ``$`` never starts mathematical notation (``text.parse_math`` off).
- Layout in millimetres: figures whose parts depend on their text (Kaplan–Meier panels, the forest plot) are laid
  out from measured text sizes (:func:`place`), the others by matplotlib's constrained layout.
- Saving: PNG at 300 dpi and SVG, rendered off-screen (figures are ``matplotlib.figure.Figure`` objects on an Agg
  canvas at 300 dpi, never pyplot windows, so no global backend is touched). SVG element ids come from a fixed salt
  and the date/creator metadata are removed, so the same data give byte-identical files. A figure of constrained
  layout is laid out once for both files (:func:`laid_out`); the PNG is written by Pillow as RGB (the figures are
  opaque) at zlib level 3 (:data:`PNG_COMPRESS_LEVEL`). Files are written through a temporary file and renamed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
from pathlib import Path

import matplotlib as mpl
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

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
MM_PER_POINT = MM_PER_INCH / 72
SINGLE_COLUMN_MM = 89.0
DOUBLE_COLUMN_MM = 183.0
PAGE_HEIGHT_MM = 240.0  # a journal page's printable height, less room for the legend line
FONT_SIZE, SMALL_FONT_SIZE, TITLE_FONT_SIZE, MIN_FONT_SIZE = 7.0, 6.0, 8.0, 5.0
LINE_SPACING = 1.2  # matplotlib's default distance between the baselines of a multi-line text, in font sizes
DPI = 300
SVG_SALT = "tkicohort"
FONT_FAMILY = "DejaVu Sans"

RC = {
    "font.family": FONT_FAMILY, "font.size": FONT_SIZE, "axes.titlesize": TITLE_FONT_SIZE,
    "axes.labelsize": FONT_SIZE, "xtick.labelsize": FONT_SIZE, "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": SMALL_FONT_SIZE, "legend.frameon": False, "axes.spines.top": False,
    "axes.spines.right": False, "axes.linewidth": 0.6, "lines.linewidth": 1.0, "xtick.major.width": 0.6,
    "ytick.major.width": 0.6, "svg.hashsalt": SVG_SALT, "svg.fonttype": "path", "path.simplify": False,
    "figure.dpi": DPI, "savefig.dpi": DPI, "text.parse_math": False,
}


def styled(func):
    """Run a figure builder under the project's rc settings (text and lines pick them up when created)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(RC):
            return func(*args, **kwargs)
    return wrapper


def column_width_mm(width: str) -> float:
    return DOUBLE_COLUMN_MM if width == "double" else SINGLE_COLUMN_MM


def new_figure(width: str = "single", height_mm: float = 70.0, layout: str | None = "constrained") -> Figure:
    """A figure one (``single``) or two (``double``) journal columns wide on an off-screen Agg canvas; with
    ``layout=None`` the axes are placed by :func:`place`."""
    fig = Figure(figsize=(column_width_mm(width) / MM_PER_INCH, height_mm / MM_PER_INCH), dpi=DPI, layout=layout)
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


# ---------------------------------------------------------------- measured text

_TEXT_PATHS = TextToPath()
_REFERENCE_SIZE = 100.0
# Widths are sums of the glyphs' advance widths (each glyph measured once, with the font's own metrics: shaping a
# whole string costs about a millisecond, and wrapping a label measures it many times). Measured on random strings
# of 1–60 characters at 5–8 pt, drawn text is at most 5 % wider than its unhinted width (Agg's hinting at
# 100–300 dpi) and at most 0.7 % wider than the sum of its advances (kerning mostly narrows): widths are reported
# with a 6 % margin.
RENDERING_MARGIN = 1.06
# a word, or a piece of one up to a slash or hyphen followed by a letter (so "0.02–1.76" and "-0.5" stay whole)
_BREAKS = re.compile(r"[^ ]+?[/-](?=[^\W\d_])|[^ ]+")
_GLUED = re.compile(r" ?[=<>≤≥] ?")  # no line break beside a relation: "n = 12", "p < 0.001", "≥ 55" stay whole
_NO_BREAK = "\u00a0"


@functools.lru_cache(maxsize=4096)
def _advance(char: str, weight: str) -> float:
    """Advance width (points) of one glyph at :data:`_REFERENCE_SIZE`."""
    prop = FontProperties(family=FONT_FAMILY, size=_REFERENCE_SIZE, weight=weight)
    return _TEXT_PATHS.get_text_width_height_descent(char, prop, ismath=False)[0]


def text_width_mm(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width of the widest line of ``text`` as drawn in the figures' font at ``size`` points."""
    widest = max((sum(_advance(c, weight) for c in line) for line in str(text).split("\n")), default=0.0)
    return widest * size / _REFERENCE_SIZE * MM_PER_POINT * RENDERING_MARGIN


def text_height_mm(lines: int, size: float = FONT_SIZE) -> float:
    """Height of ``lines`` lines of text at ``size`` points (ascender to descender)."""
    return max(lines, 1) * LINE_SPACING * size * MM_PER_POINT


def line_count(text: str) -> int:
    return str(text).count("\n") + 1


def wrap_lines(text: str, width_mm: float, size: float = FONT_SIZE, weight: str = "normal") -> list[str]:
    """Greedy line breaking at spaces and after slashes and hyphens so that no line is wider than ``width_mm``;
    a piece wider than a whole line is broken between characters."""
    return list(_wrapped(str(text), float(width_mm), float(size), weight))


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, width_mm: float, size: float, weight: str) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = _GLUED.sub(lambda m: m.group().replace(" ", _NO_BREAK), paragraph)
        line = ""
        for match in _BREAKS.finditer(paragraph):
            piece = match.group()
            space = " " if line and match.start() > 0 and paragraph[match.start() - 1] == " " else ""
            if text_width_mm(line + space + piece, size, weight) <= width_mm:
                line += space + piece
                continue
            if line:
                lines.append(line)
            while len(piece) > 1 and text_width_mm(piece, size, weight) > width_mm:
                cut = max(1, next(k for k in range(len(piece) - 1, 0, -1)
                                  if text_width_mm(piece[:k], size, weight) <= width_mm or k == 1))
                lines.append(piece[:cut])
                piece = piece[cut:]
            line = piece
        lines.append(line)
    return tuple(line.replace(_NO_BREAK, " ") for line in lines)


def wrap_text(text: str, width_mm: float, size: float = FONT_SIZE, weight: str = "normal") -> str:
    """``text`` wrapped to ``width_mm`` at its size, in as many lines as it needs."""
    return "\n".join(wrap_lines(text, width_mm, size, weight))


def shorten(text: str, width_mm: float, size: float = FONT_SIZE, weight: str = "normal") -> str:
    """One line no wider than ``width_mm``: the text itself, or its longest fitting start followed by "…"."""
    text = " ".join(str(text).split())
    if text_width_mm(text, size, weight) <= width_mm:
        return text
    keep = next((k for k in range(len(text) - 1, 0, -1)
                 if text_width_mm(text[:k].rstrip() + "…", size, weight) <= width_mm), 0)
    return text[:keep].rstrip() + "…"


def fit_text(text: str, width_mm: float, size: float = FONT_SIZE, max_lines: int = 2, weight: str = "normal",
             min_size: float = MIN_FONT_SIZE, cut: bool = False) -> tuple[str, float]:
    """``text`` wrapped to ``width_mm`` in at most ``max_lines`` lines, stepping its size down by 0.5 pt (not below
    ``min_size``) until it does. At the smallest size it takes the lines it needs, or with ``cut`` its last
    allowed line ends in "…". Returns the wrapped text and its size."""
    while True:
        lines = wrap_lines(text, width_mm, size, weight)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, size - 0.5)
    if cut and len(lines) > max_lines:
        rest = text if max_lines == 1 else " ".join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [shorten(rest, width_mm, size, weight)]
    return "\n".join(lines), size


def place(ax, left_mm: float, top_mm: float, width_mm: float, height_mm: float) -> None:
    """Put ``ax`` at a rectangle given in millimetres from the figure's top-left corner."""
    x0, y1 = figure_point(ax.figure, left_mm, top_mm)
    x1, y0 = figure_point(ax.figure, left_mm + width_mm, top_mm + height_mm)
    ax.set_position([x0, y0, x1 - x0, y1 - y0])


def figure_point(fig, x_mm: float, y_mm: float) -> tuple[float, float]:
    """Figure coordinates (0–1, from the bottom) of a point given in millimetres from the top-left corner."""
    width, height = (v * MM_PER_INCH for v in fig.get_size_inches())
    return x_mm / width, 1 - y_mm / height


# ---------------------------------------------------------------- axes


def time_ticks(t_max: float, unit: str, max_intervals: int = 8) -> np.ndarray:
    """Evenly spaced ticks from 0 covering ``t_max``: the smallest clinically usual step giving at most
    ``max_intervals`` intervals (months: 1, 2, 3, 6, 12, 24, …; weeks: 1, 2, 4, 8, 13, 26, 52, …; days: 7, 14, 30,
    60, 90, …). A time at most 2 % of a step beyond a tick (e.g. 731 days = 24.02 months) does not open another
    interval."""
    steps = {"months": (1, 2, 3, 6, 12, 24, 36, 60), "weeks": (1, 2, 4, 8, 13, 26, 52, 104),
             "days": (7, 14, 30, 60, 90, 180, 365, 730)}[unit]
    t_max, max_intervals = max(float(t_max), 0.0), max(int(max_intervals), 1)
    intervals = lambda s: max(int(np.ceil(t_max / s - 0.02)), 1)  # noqa: E731
    step = next((s for s in steps if intervals(s) <= max_intervals),
                steps[-1] * max(1.0, np.ceil(t_max / steps[-1] / max_intervals)))
    return np.arange(intervals(step) + 1) * step


def log_ticks(low: float, high: float, width_mm: float, size: float = FONT_SIZE) -> np.ndarray:
    """Ticks of a logarithmic ratio axis covering [low, high], every one labelled: the first series whose labels
    fit side by side in ``width_mm`` of 1–2–5 (…, 0.2, 0.5, 1, 2, 5, …), 1–3 (…, 0.3, 1, 3, 10, …), powers of ten
    and every other power of ten. The axis is meant to run from the first to the last tick (its limits are rounded
    out to the series)."""
    decades = np.arange(np.floor(np.log10(low)) - 1, np.ceil(np.log10(high)) + 2)
    series = [np.outer(10.0 ** decades, [1, 2, 5]).ravel(), np.outer(10.0 ** decades, [1, 3]).ravel(),
              10.0 ** decades, 10.0 ** decades[decades % 2 == 0]]
    for values in series:
        ticks = np.concatenate([values[values <= low * (1 + 1e-9)][-1:], values[(values > low) & (values < high)],
                                values[values >= high * (1 - 1e-9)][:1]])
        if log_labels_fit(ticks, width_mm, size):
            return ticks
    return ticks


def log_labels_fit(ticks, width_mm: float, size: float = FONT_SIZE, gap_mm: float = 1.0) -> bool:
    """Whether the labels of ``ticks`` on a log axis spanning ``width_mm`` from the first to the last tick leave
    ``gap_mm`` between neighbours."""
    ticks = np.asarray(ticks, float)
    if len(ticks) < 2:
        return True
    at = width_mm * np.log(ticks / ticks[0]) / np.log(ticks[-1] / ticks[0])
    half = np.array([text_width_mm(tick_label(t), size) for t in ticks]) / 2
    return bool(np.all(np.diff(at) >= half[:-1] + half[1:] + gap_mm))


def ratio_axis(ax, low: float, high: float, width_mm: float, size: float = FONT_SIZE) -> tuple[float, float]:
    """Make the x axis of ``ax`` (``width_mm`` wide) a logarithmic ratio axis covering [low, high]: limits rounded
    out to the ticks of :func:`log_ticks`, every tick labelled with its number, no minor ticks, a dashed line at 1.
    Returns the limits (a hazard ratio beyond them is drawn at the limit, e.g. as an arrow)."""
    ticks = log_ticks(low, high, width_mm, size)
    ax.set_xscale("log")
    ax.set_xlim(ticks[0], ticks[-1])
    ax.set_xticks(ticks, [tick_label(t) for t in ticks], fontsize=size)
    ax.minorticks_off()
    ax.axvline(1.0, **REFERENCE_LINE)
    ax.spines["bottom"].set_bounds(ticks[0], ticks[-1])
    return float(ticks[0]), float(ticks[-1])


def tick_label(value: float) -> str:
    """A ratio printed as a number: 0.01, 0.2, 1, 50."""
    return f"{value:g}"


def save(fig: Figure, png_path: str | Path, svg_path: str | Path) -> None:
    """Write the figure as PNG (300 dpi) and SVG; identical figures give identical bytes."""
    with laid_out(fig):
        for path, fmt in ((png_path, "png"), (svg_path, "svg")):
            _write_bytes(rendered(fig, fmt), path)


@contextlib.contextmanager
def laid_out(fig: Figure):
    """Within this block, ``fig``'s constrained layout is done once, not at each saving. For a figure with a layout
    engine, savefig draws twice: a draw without output that lays the figure out and then measures every artist,
    and the real draw; saving a figure of constrained layout twice so laid it out twice and drew it four times.
    Here the engine lays it out once, on the Agg canvas at 300 dpi, as the PNG always was (the same pixels), and is
    then set aside, so that each file is drawn once; the SVG takes the PNG's positions."""
    engine = fig.get_layout_engine()
    if engine is None:
        yield fig
        return
    with mpl.rc_context({**RC, "figure.autolayout": False, "figure.constrained_layout.use": False}):
        engine.execute(fig)  # what savefig's draw without output does first; the rest of it only measures text
        fig.set_layout_engine(None)  # the axes stay where the layout put them; savefig draws the figure once
    try:
        yield fig
    finally:
        fig.set_layout_engine(engine)


# PNG compression: zlib level 3 of an RGB image. matplotlib writes RGBA at level 6; the figures are opaque, so the
# alpha channel is all 255 and is dropped when it is. Measured on the 35 figures of the default cohorts: encoding
# 1.16 s instead of 2.02 s for 4.70 MB instead of 4.72 MB (RGB at level 6 would be 1.64 s for 4.21 MB; RGBA at level 3
# 1.46 s for 5.36 MB). The pixels are the same; only the encoding differs.
PNG_COMPRESS_LEVEL = 3
_SVG_METADATA = {"Date": None, "Creator": None}


def rendered(fig: Figure, fmt: str) -> bytes:
    """The bytes of the figure as ``png`` (300 dpi) or ``svg``, without the metadata that would make them vary."""
    with mpl.rc_context(RC):
        buffer = io.BytesIO()
        if fmt == "png":
            fig.savefig(io.BytesIO(), format="rgba", dpi=DPI)  # draws the figure on its Agg canvas
            image = PIL.Image.fromarray(np.asarray(fig.canvas.buffer_rgba()))
            if image.getchannel("A").getextrema() == (255, 255):
                image = image.convert("RGB")
            image.save(buffer, format="png", dpi=(DPI, DPI), compress_level=PNG_COMPRESS_LEVEL)
        else:
            fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_SVG_METADATA)
        return buffer.getvalue()


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
