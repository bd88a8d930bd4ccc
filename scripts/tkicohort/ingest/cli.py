"""Run ingestion: validate a cohort folder and write its normalised tables, all or nothing.

Used by the Snakemake rule (scripts/rules/ingest.py) and as a command for data managers who want to check their
files before running anything::

    tkicohort-ingest resources/cohorts/example            # validate only; exit 1 and list every violation
    tkicohort-ingest resources/cohorts/example --out DIR  # validate and write DIR/*.parquet + ingest_report.json
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

#: At most this many violations are printed to the terminal; the log file gets them all.
TERMINAL_LIMIT = 200


def report_json(result: CohortTables, folder: Path, options: ScreenOptions) -> dict:
    return {
        "cohort_folder": str(folder),
        "files": {name: {"present": result.present[name], "rows": result.rows[name]} for name in TABLES},
        "warnings": result.warnings,
        "identifier_screen": {"safe_columns": sorted(options.safe_columns),
                              "cap_age_over_89": options.cap_age_over_89},
    }


def write_outputs(result: CohortTables, report: dict, outputs: dict[str, Path]) -> None:
    """Write every table and the report into a temporary folder, then move them into place.

    ``outputs`` maps a table name (and ``report``) to its path. Nothing is moved until everything is written, so a
    failure leaves no partial output behind.
    """
    target_dirs = {p.parent for p in outputs.values()}
    for d in target_dirs:
        d.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ingest-", dir=next(iter(sorted(target_dirs)))))
    try:
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
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run(folder: str | Path, outputs: dict[str, Path] | None, options: ScreenOptions,
        log: str | Path | None = None) -> int:
    """Validate ``folder`` and (when ``outputs`` is given) write it; return the exit status."""
    folder = Path(folder)
    log_lines: list[str] = []
    try:
        result = ingest_cohort(folder, options)
    except ContractError as err:
        head = f"{folder}: the cohort breaks the data contract ({len(err.violations)} problem(s)):"
        print(head, file=sys.stderr)
        print(err.report(limit=TERMINAL_LIMIT), file=sys.stderr)
        log_lines = [head, err.report()]
        _write_log(log, log_lines)
        return 1
    for w in result.warnings:
        print(f"{folder}: warning: {w}", file=sys.stderr)
    log_lines = [f"{folder}: {sum(result.rows.values())} rows validated"] + [f"warning: {w}" for w in result.warnings]
    if outputs:
        write_outputs(result, report_json(result, folder, options), outputs)
        log_lines.append("written: " + ", ".join(str(p) for p in outputs.values()))
    _write_log(log, log_lines)
    return 0


def _write_log(log: str | Path | None, lines: list[str]) -> None:
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        Path(log).write_text("\n".join(lines) + "\n", encoding="utf-8")


def default_outputs(outdir: Path) -> dict[str, Path]:
    out = {name: outdir / f"{name}.parquet" for name in TABLES}
    out["report"] = outdir / "ingest_report.json"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Validate a cohort folder against the data contract.")
    ap.add_argument("folder", help="folder holding patients.csv and the optional tables")
    ap.add_argument("--out", help="write the normalised tables here (default: validate only)")
    ap.add_argument("--safe-column", action="append", default=[],
                    help="a column asserted to hold no identifier (repeatable)")
    ap.add_argument("--cap-age-over-89", action="store_true", help="record ages over 89 as 90")
    args = ap.parse_args(argv)
    options = ScreenOptions(set(args.safe_column), args.cap_age_over_89)
    outputs = default_outputs(Path(args.out)) if args.out else None
    status = run(args.folder, outputs, options)
    if status == 0:
        print(f"{args.folder}: conforms to the data contract")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
