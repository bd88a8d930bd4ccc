"""A job's messages and the error that stops it reach the log file its rule names (Snakemake's error message points
there), and the error still reaches Snakemake: jobs run side by side in threads of one process."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tkicohort.rule_log import JobFailure, fail, job_log

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_an_uncaught_error_writes_its_traceback_to_the_log_and_is_raised_again(tmp_path):
    log = tmp_path / "logs" / "job.log"
    with pytest.raises(ValueError, match="no such column: x"), job_log(log) as logger:
        logger.info("reading")
        raise ValueError("no such column: x")
    text = log.read_text()
    assert text.startswith("reading\n") and "Traceback (most recent call last)" in text
    assert "ValueError: no such column: x" in text


def test_fail_stops_with_one_message_in_the_log_and_no_traceback(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(JobFailure) as raised, job_log(log):
        fail("plan error in table efficacy of cohort c: unknown level")
    assert str(raised.value) == "plan error in table efficacy of cohort c: unknown level"
    assert log.read_text() == "plan error in table efficacy of cohort c: unknown level\n"


def test_a_rerun_replaces_the_log_and_a_report_written_by_the_job_itself_is_kept(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("an earlier run's messages\n")
    with pytest.raises(JobFailure), job_log(log):
        log.write_text("the job's own report\n")  # as ingestion writes its report
        fail("ingestion stopped")
    assert log.read_text() == "the job's own report\ningestion stopped\n"


def test_jobs_in_parallel_threads_each_log_only_their_own_messages(tmp_path):
    both_started = threading.Barrier(2)

    def job(name: str) -> None:
        with job_log(tmp_path / f"{name}.log") as logger:
            both_started.wait(timeout=10)  # both logs are open while either job writes
            for i in range(50):
                logger.info("%s %d", name, i)

    threads = [threading.Thread(target=job, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in ("a", "b"):
        assert (tmp_path / f"{name}.log").read_text().splitlines() == [f"{name} {i}" for i in range(50)]


def test_after_the_job_its_log_receives_nothing_more(tmp_path):
    log = tmp_path / "job.log"
    with job_log(log) as logger:
        logger.info("inside")
    logger.info("outside")
    assert log.read_text() == "inside\n"


def test_snakemake_shows_the_message_of_a_failed_run_job_on_the_console(tmp_path):
    # a rule's run: block, run in the snakemake process as the workflow's profile has it
    (tmp_path / "Snakefile").write_text(
        "from tkicohort.rule_log import fail, job_log\n\n"
        "rule a:\n    output: 'a.txt'\n    log: 'a.log'\n    run:\n"
        "        with job_log(log[0]):\n"
        "            fail('plan error in table efficacy of cohort c: unknown level')\n")
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS)}
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--force-use-threads"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "plan error in table efficacy of cohort c: unknown level" in done.stderr
    assert "Error in rule a" in done.stderr and "a.log" in done.stderr
    assert (tmp_path / "a.log").read_text() == "plan error in table efficacy of cohort c: unknown level\n"
    assert not (tmp_path / "a.txt").exists()

