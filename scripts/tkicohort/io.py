"""Deterministic, atomic output shared by every stage, safe to open in a spreadsheet.

Every file is written through a temporary file in the same folder and renamed, so a reader never sees a
half-written file; it ends up readable by the group and others as the process's umask allows (0644 under the usual
umask 022), like any file the user writes, not 0600 as a bare temporary file would be.

**Spreadsheet formula injection** (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return, possibly after spaces, is read by Excel, LibreOffice and Google Sheets as a formula and
may run commands or leak data when a colleague opens the CSV. Cohort files and plans come from other institutions,
so :func:`write_csv` prefixes such text cells with an apostrophe (``'=HYPERLINK(...)``), which spreadsheets show as
text and which OWASP recommends. Numeric columns are never touched, and neither is a text cell that is a plain number
(``-2.5``, ``+3``): it cannot be a formula. A carriage return inside a text cell is written as a line feed, so
the cell stays one quoted field. :func:`read_csv` does not undo the prefix; a value that needed it reads
back with it, in every stage alike.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

#: Characters that make a spreadsheet read a cell as a formula (leading white space is skipped by some of them).
FORMULA_START = re.compile(r"^(\s*[=+\-@]|[\t\r])")
#: A plain number: a spreadsheet reads it as a number, never as a formula.
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_formula(value):
    """``value`` with an apostrophe in front when a spreadsheet would read it as a formula, and with a carriage
    return inside it written as a line feed (Python's CSV writer quotes a field with a line feed but not one with
    a bare carriage return, which would split the row); other values as they are."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    if FORMULA_START.match(text) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text cell neutralised (column names too); numeric columns untouched."""
    text = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    renamed = {c: neutralise_formula(c) for c in frame.columns if isinstance(c, str)}
    risky = [c for c in text if frame[c].map(lambda v: neutralise_formula(v) != v if isinstance(v, str) else False).any()]
    if not risky and all(k == v for k, v in renamed.items()):
        return frame
    out = frame.copy()
    for c in risky:
        out[c] = out[c].map(neutralise_formula)
    return out.rename(columns=renamed)


def _open_replacing(path: Path):
    """A temporary file beside ``path`` with the permissions a new file of this process gets (umask applied)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    return fd, Path(tmp)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as UTF-8 CSV with ``\\n`` line ends and full float precision, via a temporary file, with
    formula-like text cells neutralised (see the module docstring).

    The same frame always gives the same bytes (no index, fixed line terminator, Python's shortest round-trip
    float repr), and a reader never sees a half-written file.
    """
    path = Path(path)
    fd, tmp = _open_replacing(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            spreadsheet_safe(frame).to_csv(fh, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv`; floats are parsed exactly (round trip)."""
    return pd.read_csv(path, float_precision="round_trip", **kwargs)


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write bytes atomically (temporary file, then rename)."""
    path = Path(path)
    fd, tmp = _open_replacing(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text atomically (temporary file, then rename)."""
    write_bytes(text.encode("utf-8"), path)


#: dtypes a table keeps exactly through :func:`write_frame_json` / :func:`read_frame_json` ("str": pandas 3's
#: default for text; "string": pandas' nullable text).
JSON_DTYPES = ("object", "float64", "int64", "bool", "str", "string")


def write_frame_json(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table so that :func:`read_frame_json` gives back an equal frame: column names, dtypes and every
    value, with Python's types inside text columns (a level ``1`` stays an int beside ``"M"``), floats as their
    shortest round-trip repr, NaN as ``NaN``. JSON rather than a binary pickle: such a file may come from elsewhere,
    and reading it runs no code. Only the dtypes of :data:`JSON_DTYPES` and a plain row index are kept."""
    dtypes = [str(t) for t in frame.dtypes]
    odd = [f"{c} ({t})" for c, t in zip(frame.columns, dtypes, strict=True) if t not in JSON_DTYPES]
    if odd or not frame.index.equals(pd.RangeIndex(len(frame))):
        raise TypeError(f"cannot keep these columns or this index in JSON: {', '.join(odd) or 'index'}")
    payload = {"columns": list(frame.columns), "dtypes": dtypes,
               "data": [frame[c].tolist() for c in frame.columns], "attrs": frame.attrs}
    write_text(json.dumps(payload, ensure_ascii=False, allow_nan=True, separators=(",", ":"), default=_native) + "\n",
               path)


def _native(value):
    """A numpy scalar inside a text column as the Python value it stands for."""
    if value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def read_frame_json(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_frame_json`."""
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    frame = pd.DataFrame({n: pd.Series(values, dtype=dtype) for n, (values, dtype)
                          in enumerate(zip(payload["data"], payload["dtypes"], strict=True))})
    frame.columns = payload["columns"]
    frame.attrs = payload["attrs"]
    return frame
