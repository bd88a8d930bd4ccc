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
