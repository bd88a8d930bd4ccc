"""Run ingestion: validate a cohort folder and write its normalised tables, all or nothing.

Used by the Snakemake rule (tkicohort.jobs.data.ingest) and as a command for data managers who want to check their
files before running anything::

    tkicohort-ingest resources/cohorts/example            # validate only; exit 1 and list every violation
    tkicohort-ingest resources/cohorts/example --out DIR  # validate and write DIR/*.parquet + ingest_report.json
    tkicohort-ingest FOLDER --log FILE                    # and write the whole report to FILE

Exit status: 0 conforms (and written), 1 breaks the contract, 2 cannot write the results or the log, 3 an internal
error (a fault of the program: reported in one line, never as a traceback that might quote the data).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .contract import TABLES
from .validate import CohortTables, ScreenOptions, ingest_cohort
from .violations import ContractError

#: At most this many problems (after grouping repeats) are printed to the terminal; the log file gets them all.
TERMINAL_LIMIT = 200


def report_json(result: CohortTables, folder: Path, options: ScreenOptions) -> dict:
    return {
        "cohort_folder": str(folder),
        "files": {name: {"present": result.present[name], "rows": result.rows[name]} for name in TABLES},
        "warnings": result.warnings,
        "identifier_screen": {"safe_columns": sorted(options.safe_columns),
                              "cap_age_over_89": options.cap_age_over_89},
    }


STAGING_PREFIX = ".ingest-"


class OutputError(Exception):
    """The results cannot be written (a read-only or missing folder, a full disk)."""


def clean_stale_staging(folder: Path) -> list[Path]:
    """Remove the staging folders a killed ingestion left in ``folder`` (they may hold patient data).

    A staging folder is named ``.ingest-<pid>-…``; one whose process is still running (a concurrent ingestion into
    the same folder) is left alone. Returns the folders removed."""
    removed = []
    if not folder.is_dir():
        return removed
    for d in sorted(folder.glob(STAGING_PREFIX + "*")):
        pid = d.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_outputs(result: CohortTables, report: dict, outputs: dict[str, Path]) -> None:
    """Write every table and the report into a temporary folder, then move them into place.

    ``outputs`` maps a table name (and ``report``) to its path. Nothing is moved until everything is written, and a
    failure while moving removes what was moved, so a failure leaves no partial output behind. Raises
    :class:`OutputError` naming the folder when it cannot be written."""
    target_dirs = sorted({p.parent for p in outputs.values()})
    moved: list[Path] = []
    staging = None
    try:
        for d in target_dirs:
            d.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target_dirs[0]))
        staged = {}
        for name, path in outputs.items():
            tmp = staging / path.name
            if name == "report":
                tmp.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            else:
                result.tables[name].to_parquet(tmp, index=False)
            staged[tmp] = path
        for tmp, path in staged.items():
            os.replace(tmp, path)
            moved.append(path)
    except OSError as e:
        for path in moved:
            path.unlink(missing_ok=True)
        where = Path(e.filename) if e.filename else target_dirs[0]
        where = next((d for d in target_dirs if d == where or d in where.parents), where)
        raise OutputError(f"{where}: cannot write the results ({e.strerror or type(e).__name__}); expected a folder "
                          "you can write to, with free space") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def run(folder: str | Path, outputs: dict[str, Path] | None, options: ScreenOptions,
        log: str | Path | None = None) -> int:
    """Validate ``folder`` and (when ``outputs`` is given) write it; return the exit status.

    0: the cohort conforms (and is written); 1: it breaks the contract (every problem printed, nothing written);
    2: the results or the log cannot be written. Staging folders left by a killed earlier run are removed first."""
    folder = Path(folder)
    if outputs:
        for d in {p.parent for p in outputs.values()}:
            for stale in clean_stale_staging(d):
                print(f"{folder}: removed the temporary folder {stale} left by an interrupted run", file=sys.stderr)
    try:
        result = ingest_cohort(folder, options)
    except ContractError as err:
        head = f"{folder}: the cohort breaks the data contract ({len(err.violations)} problem(s)):"
        log_ok = _write_log(log, [head, err.report()])
        print(head, file=sys.stderr)
        print(err.report(limit=TERMINAL_LIMIT, log=str(log) if log and log_ok else None), file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"{folder}: warning: {w}", file=sys.stderr)
    log_lines = [f"{folder}: {sum(result.rows.values())} rows validated"] + [f"warning: {w}" for w in result.warnings]
    if outputs:
        try:
            write_outputs(result, report_json(result, folder, options), outputs)
        except OutputError as err:
            print(err, file=sys.stderr)
            _write_log(log, [*log_lines, str(err)])
            return 2
        log_lines.append("written: " + ", ".join(str(p) for p in outputs.values()))
    return 0 if _write_log(log, log_lines) else 2


def _write_log(log: str | Path | None, lines: list[str]) -> bool:
    """Write the log; False (and a message) when it cannot be written. No log asked: True."""
    if not log:
        return True
    try:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        Path(log).write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as e:
        print(f"{log}: cannot write the log ({e.strerror or type(e).__name__})", file=sys.stderr)
        return False
    return True


def default_outputs(outdir: Path) -> dict[str, Path]:
    out = {name: outdir / f"{name}.parquet" for name in TABLES}
    out["report"] = outdir / "ingest_report.json"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Validate a cohort folder against the data contract.")
    ap.add_argument("folder", help="folder holding patients.csv and the optional tables")
    ap.add_argument("--out", help="write the normalised tables here (default: validate only)")
    ap.add_argument("--log", help="write the full report here (the terminal shows the first "
                                  f"{TERMINAL_LIMIT} problems)")
    ap.add_argument("--safe-column", action="append", default=[],
                    help="a column asserted to hold no identifier (repeatable)")
    ap.add_argument("--cap-age-over-89", action="store_true", help="record ages over 89 as 90")
    args = ap.parse_args(argv)
    options = ScreenOptions(set(args.safe_column), args.cap_age_over_89)
    outputs = default_outputs(Path(args.out)) if args.out else None
    try:
        status = run(args.folder, outputs, options, log=args.log)
    except Exception as e:  # noqa: BLE001 - the last guard: one line, never a traceback that may quote data
        print(f"{args.folder}: internal error ({type(e).__name__}) while checking the cohort; nothing was written. "
              "This is a fault of tkicohort, not of your files: please report it with the list of your files and "
              "their header rows (not their data).", file=sys.stderr)
        return 3
    if status == 0:
        print(f"{args.folder}: conforms to the data contract")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
