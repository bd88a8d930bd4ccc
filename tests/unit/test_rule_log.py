"""A job's error reaches the log file its rule names (Snakemake's error message points there), not only the
console: run as a separate Python process, as Snakemake runs a rule script."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _run(tmp_path, body: str) -> tuple[subprocess.CompletedProcess, str]:
    log = tmp_path / "job.log"
    code = f"from tkicohort.rule_log import fail, rule_logging\nrule_logging({str(log)!r})\n{body}\n"
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    return done, log.read_text() if log.exists() else ""


def test_an_uncaught_error_writes_its_traceback_to_the_log_and_the_console(tmp_path):
    done, log = _run(tmp_path, "import logging\nlogging.info('reading')\nraise ValueError('no such column: x')")
    assert done.returncode != 0
    assert log.startswith("reading\n") and "Traceback (most recent call last)" in log
    assert "ValueError: no such column: x" in log and "ValueError: no such column: x" in done.stderr


def test_fail_stops_with_one_message_in_both_places_and_no_traceback(tmp_path):
    done, log = _run(tmp_path, "fail('plan error in table efficacy of cohort c: unknown level')")
    assert done.returncode == 1
    assert log.strip() == "plan error in table efficacy of cohort c: unknown level"
    assert done.stderr.strip() == "plan error in table efficacy of cohort c: unknown level"
    assert "Traceback" not in log + done.stderr
