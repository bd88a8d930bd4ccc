"""Where a job runs (tkicohort.jobs.workers): Snakemake's named lists as plain picklable stand-ins, a job's error
raised where Snakemake waits for it, its traceback in the job's log, in a worker process or in the calling thread."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest
from snakemake.iocontainers import InputFiles, Params, Wildcards
from tkicohort.jobs import workers


def named(cls, values: list, names: dict):
    out = cls(toclone=values)
    for name, (start, end) in names.items():
        out._set_name(name, start, end)
    return out


def test_a_named_list_becomes_a_plain_stand_in_that_pickles():
    files = named(InputFiles, ["a.csv", "b.json", "c.json"], {"dataset": (0, None), "tables": (1, 3)})
    stand_in = workers.Named.of(files)
    back = pickle.loads(pickle.dumps(stand_in))
    for got in (stand_in, back):
        assert got.dataset == "a.csv" and got["dataset"] == "a.csv" and got[2] == "c.json"
        assert got.tables == ["b.json", "c.json"] and list(got) == ["a.csv", "b.json", "c.json"] and len(got) == 3
        assert dict(got.items()) == {"dataset": "a.csv", "tables": ["b.json", "c.json"]}
        assert list(got.keys()) == ["dataset", "tables"] and got.get("literature") is None
        assert type(got.dataset) is str  # Snakemake's file objects carry their rule; the stand-in keeps the text
        with pytest.raises(AttributeError):
            _ = got.literature
    params = workers.Named.of(named(Params, [{"design": "single_arm"}, True], {"plan": (0, None), "flag": (1, None)}))
    assert params.plan == {"design": "single_arm"} and params.flag is True
    assert workers.Named.of(named(Wildcards, ["example", "baseline"], {"cohort": (0, None), "table": (1, None)})).get(
        "table") == "baseline"


@dataclass
class Workflow:
    is_main_process: bool
    cores: int | None = 1


def test_a_run_without_cores_gets_a_worker_per_core_of_the_machine():
    class NoCores:
        @property
        def cores(self):
            raise RuntimeError("Workflow requires a total number of cores to be defined")

    assert workers._cores(NoCores()) >= 1 and workers._cores(Workflow(True, 3)) == 3


@pytest.mark.parametrize("main", [True, False], ids=["worker process", "this thread"])
def test_a_failing_job_raises_its_own_error_and_logs_its_traceback(tmp_path, main):
    log = tmp_path / "logs" / "t.log"
    inputs = named(InputFiles, [str(tmp_path / "missing.json")], {"statistics": (0, None)})
    outputs = named(InputFiles, [str(tmp_path / f"t.{e}") for e in ("csv", "md", "html", "xlsx", "docx")],
                    {e: (i, None) for i, e in enumerate(("csv", "md", "html", "xlsx", "docx"))})
    params = named(Params, [{"design": "single_arm", "subgroups": []}, True], {"plan": (0, None),
                                                                              "tumour_data": (1, None)})
    wildcards = named(Wildcards, ["c", "baseline"], {"cohort": (0, None), "table": (1, None)})
    with pytest.raises(FileNotFoundError) as raised:
        workers.run_job("tables.table", inputs, outputs, params, wildcards, [str(log)], Workflow(main))
    assert raised.value.__cause__ is None  # the error itself, not the pool's remote traceback around it
    assert "Traceback" in log.read_text(encoding="utf-8") and "missing.json" in log.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("t.*"))  # nothing half-written


def test_a_worker_that_dies_fails_its_job_with_one_message_and_the_next_job_gets_a_new_pool(monkeypatch, tmp_path):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class DeadPool:
        shut = False

        def submit(self, *args):
            future = Future()
            future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
            return future

        def shutdown(self, wait=True, cancel_futures=False):
            DeadPool.shut = True

    dead = DeadPool()
    monkeypatch.setattr(workers, "_pool", dead)
    inputs = named(InputFiles, [str(tmp_path / "s.json")], {"statistics": (0, None)})
    with pytest.raises(RuntimeError, match="the worker process running job tables.table stopped before the job ended"):
        workers.run_job("tables.table", inputs, inputs, named(Params, [], {}), named(Wildcards, [], {}),
                        [str(tmp_path / "t.log")], Workflow(True))
    assert workers._pool is None and DeadPool.shut  # forgotten: the next job starts a new pool
