"""Fuzzing ingestion with random mutations of the example cohort.

Byte flips, truncation, inserted delimiters, quotes, NUL bytes, byte-order marks and line breaks, other encodings,
duplicated or dropped columns and rows, removed or emptied files, and identifiers written into a random cell or
header. Whatever the mutation, ``tkicohort-ingest FOLDER --out OUT --log LOG`` must

- exit 0 with every output written, or exit 1 with a message naming a file; never a traceback, never the internal-
  error exit (3), which would mean an unforeseen exception;
- write nothing outside OUT and the log, and leave the input untouched;
- never repeat an injected identifier, on the terminal, in the log or in an output.

CI runs a bounded, fixed set of examples (seconds); ``TKICOHORT_FUZZ_EXAMPLES=2000 pytest
tests/unit/test_ingest_fuzz.py`` runs a deeper, randomised search.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from cohort_fixtures import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tkicohort.ingest.cli import main
from tkicohort.ingest.contract import TABLES

EXAMPLE = REPO / "resources" / "cohorts" / "example"
FILES = {p.name: p.read_bytes() for p in sorted(EXAMPLE.glob("*.csv"))}
EXAMPLES = int(os.environ.get("TKICOHORT_FUZZ_EXAMPLES", "60"))

#: Identifiers the screen must refuse wherever they are written (each also a unique string to look for).
IDENTIFIERS = ["José García", "Anna-Lena Meier", "12-Mar-2019", "surgery 20190312", "MRN 7654321",
               "+44 20 7946 0958", "221B Baker Street", "jane.doe@example.org", "SW1A 1AA", "Hauptstr. 5",
               "03/2019", "10115 Berlin"]
INSERTS = [b",", b";", b"\t", b'"', b"\x00", b"\xef\xbb\xbf", b"\r", b"\n", b"\r\n", b",,,,\n", b"   \n", b"\xff",
           "\u200b".encode(), "Ｆ".encode(), b"sep=,\n", b"1e-320", b"1e400", b"-"]


def _split_rows(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _mutate(files: dict[str, bytes], op: tuple) -> None:
    kind, name, a, b = op
    if name not in files:
        return
    data = files[name]
    n = len(data)
    if kind == "flip" and n:
        i = a % n
        files[name] = data[:i] + bytes([data[i] ^ (b % 255 + 1)]) + data[i + 1:]
    elif kind == "truncate":
        files[name] = data[: a % (n + 1)]
    elif kind == "insert":
        i = a % (n + 1)
        files[name] = data[:i] + INSERTS[b % len(INSERTS)] + data[i:]
    elif kind == "encode":
        text = data.decode("utf-8", errors="replace")
        codec = ["latin-1", "utf-16", "cp1252", "utf-8-sig", "utf-32"][b % 5]
        files[name] = text.encode(codec, errors="replace")
    elif kind in ("dup_row", "drop_row"):
        rows = _split_rows(data)
        if len(rows) > 1:
            i = a % len(rows)
            rows[i:i + 1] = [rows[i], rows[i]] if kind == "dup_row" else []
            files[name] = b"\n".join(rows)
    elif kind in ("dup_col", "drop_col"):
        rows = [r.split(b",") for r in _split_rows(data)]
        j = a % max(len(rows[0]), 1)
        for r in rows:
            if j < len(r):
                r[j:j + 1] = [r[j], r[j]] if kind == "dup_col" else []
        files[name] = b"\n".join(b",".join(r) for r in rows)
    elif kind == "delete":
        del files[name]
    elif kind == "empty":
        files[name] = b""


def _inject(files: dict[str, bytes], name: str, row: int, col: int, identifier: str) -> None:
    """Write ``identifier`` as the whole of one cell (header cells included), quoted if it holds a comma."""
    if name not in files:
        return
    text = files[name].decode("utf-8", errors="replace")
    rows = text.split("\n")
    cells = rows[row % len(rows)].split(",")
    cells[col % len(cells)] = f'"{identifier}"' if "," in identifier else identifier
    rows[row % len(rows)] = ",".join(cells)
    files[name] = "\n".join(rows).encode("utf-8")


names = st.sampled_from(sorted(FILES))
operations = st.tuples(st.sampled_from(["flip", "truncate", "insert", "encode", "dup_row", "drop_row", "dup_col",
                                        "drop_col", "delete", "empty"]),
                       names, st.integers(0, 10_000), st.integers(0, 10_000))
injections = st.lists(st.tuples(names, st.integers(0, 30), st.integers(0, 40), st.sampled_from(IDENTIFIERS)),
                      max_size=2)


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _output_text(out: Path) -> str:
    parts = []
    for p in sorted(out.glob("*.parquet")):
        frame = pd.read_parquet(p)
        parts += list(map(str, frame.columns))
        for col in frame.columns:
            if frame[col].dtype == object:
                parts += [str(v) for v in frame[col].dropna().unique()]
    parts += [p.read_text(encoding="utf-8") for p in sorted(out.glob("*.json"))]
    return "\n".join(parts)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # "Exception ignored" is a traceback
@settings(max_examples=EXAMPLES, deadline=None, derandomize="TKICOHORT_FUZZ_EXAMPLES" not in os.environ, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(operations, min_size=0, max_size=4), injections)
def test_ingestion_survives_mutations(capsys, ops, injected):
    files = dict(FILES)
    for op in ops:
        _mutate(files, op)
    for name, row, col, identifier in injected:  # last, so that the identifier stays whole
        _inject(files, name, row, col, identifier)
    with tempfile.TemporaryDirectory(prefix="tkicohort-fuzz-") as tmp:
        root = Path(tmp)
        folder = root / "cohort"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        before = _tree(root)
        out, log = root / "results" / "data", root / "logs" / "ingest.log"
        capsys.readouterr()

        status = main([str(folder), "--out", str(out), "--log", str(log)])

        captured = capsys.readouterr()
        terminal = captured.out + captured.err
        assert status in (0, 1), f"exit {status}:\n{terminal}"
        assert "Traceback" not in terminal
        after = _tree(root)
        new = {k for k in after if k not in before}
        assert all(k.startswith(("results", "logs")) for k in new), new
        assert {k: v for k, v in after.items() if k in before} == before, "input modified"
        expected = {p.name for p in out.glob("*")} if out.exists() else set()
        if status == 0:
            assert expected == {f"{n}.parquet" for n in TABLES} | {"ingest_report.json"}
            assert "patients.csv" in files
        else:
            assert expected == set(), "no output for a refused cohort"
            assert re.search(r"\b[a-z_]+\.csv\b|" + re.escape(str(folder)), captured.err)
        seen = terminal + (log.read_text(encoding="utf-8") if log.exists() else "")
        if status == 0:
            seen += _output_text(out)
        for _, _, _, identifier in injected:
            assert identifier not in seen, f"{identifier!r} leaked:\n{terminal}"


def test_fuzz_corpus_is_the_example_cohort():
    assert set(FILES) == {t.file for t in TABLES.values()}


def test_ragged_row_that_is_not_utf8_is_reported_without_a_traceback(tmp_path, capsys):
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    (folder / "doses.csv").write_bytes(FILES["doses.csv"] + b"EX01,9,\xa2\n")
    assert main([str(folder)]) == 1
    err = capsys.readouterr().err
    assert "doses.csv:22 — cannot be decoded as UTF-8" in err and "Traceback" not in err
