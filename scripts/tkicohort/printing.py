"""How a number prints at a given precision: the one rounding rule shared by the reconstruction and reproduction.

Half-up on the decimal value as written (``repr``), as SPSS and most journals print, so 0.0445 printed at three
decimals is "0.045" (Python's ``round`` and ``format`` round the binary value half-to-even and would give "0.044").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def printed(value: float, precision: int) -> str:
    """``value`` as it prints at ``precision`` decimals, rounded half-up (as SPSS and most journals print)."""
    d = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
    text = f"{d:f}"
    return text[1:] if text.startswith("-") and d == 0 else text


def within_printed_range(published: str, low: float, high: float, precision: int) -> bool:
    """Whether a printed value lies in [low, high] once both limits are rounded to its precision (half-up): the
    rule by which a held-out number is recovered by an ensemble's 95 % range. ``<x`` is recovered when the low limit
    prints below x, ``>x`` when the high limit prints above it."""
    if low != low or high != high:  # NaN: the ensemble gives no estimate
        return False
    target = float(published.lstrip("<>"))
    lo, hi = float(printed(low, precision)), float(printed(high, precision))
    if published.startswith("<"):
        return lo < target
    if published.startswith(">"):
        return hi > target
    return lo <= target <= hi
