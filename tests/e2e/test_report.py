"""The pipeline's HTML reports, from one run of a cohort of one's own selected with ``--config only=``: the run
analyses that cohort only (not the demonstration cohorts of the default config), writes its report page and the
combined page, and the pages open in headless Chromium — every table of the plan inline, every figure decoding at
the size of its PNG, no cell of an estimate broken across lines on a narrow screen, every link resolving, no
console error.

The browser is driven through the DevTools protocol over ``--remote-debugging-pipe`` (the browser reads commands on
fd 3 and writes replies and events on fd 4, NUL-terminated JSON), so no package beyond the Chromium binary is
needed. Without a Chromium binary the browser test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from tkicohort.cohort_files import cohort_data
from tkicohort.config import load_yaml
from tkicohort.figures import figures_for
from tkicohort.stats.tables import tables_for

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "cohorts" / "example"
pytestmark = pytest.mark.e2e
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)

# What the page shows, measured by the browser: the tables inline, each figure decoded, and every cell that must not
# wrap (every td without the "wrap" class) laid out on one line.
INSPECT = """(async () => {
  const out = {tables: [], figures: {}, wrapped: []};
  for (const s of document.querySelectorAll("section.table")) {
    out.tables.push([s.id, s.querySelectorAll("tbody tr").length]);
  }
  for (const img of document.querySelectorAll("figure img")) {
    try { await img.decode(); out.figures[img.alt] = [img.complete, img.naturalWidth, img.naturalHeight]; }
    catch (e) { out.figures[img.alt] = "does not decode: " + e; }
  }
  for (const td of document.querySelectorAll("table.journal td:not(.wrap)")) {
    if (!td.textContent) continue;
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > 1) out.wrapped.push(td.textContent);
  }
  return out;
})()"""


class Browser:
    """Headless Chromium driven through the DevTools protocol over a pipe."""

    def __init__(self, profile: Path):
        commands_r, self._commands = os.pipe()
        self._messages, messages_w = os.pipe()

        def on_fds_3_and_4():  # in the child, before exec
            a, b = os.dup(commands_r), os.dup(messages_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            close_fds=False, preexec_fn=on_fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_r)
        os.close(messages_w)
        self.events: list[dict] = []
        self._buffer, self._id, self.session = b"", 0, None

    def send(self, method: str, **params) -> int:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return self._id

    def wait_for(self, wanted, timeout: float = 60.0) -> dict:
        """The first message satisfying ``wanted``; every other message is kept in ``events``."""
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                self.events.append(message)
            ready, _, _ = select.select([self._messages], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise TimeoutError("no answer from the browser")
            chunk = os.read(self._messages, 1 << 20)
            if not chunk:
                raise EOFError(f"the browser exited (status {self.proc.poll()})")
            self._buffer += chunk

    def drain(self, seconds: float) -> None:
        """Collect the messages that arrive within ``seconds`` (late console messages)."""
        try:
            self.wait_for(lambda m: False, timeout=seconds)
        except TimeoutError:
            pass

    def call(self, method: str, **params) -> dict:
        i = self.send(method, **params)
        reply = self.wait_for(lambda m: m.get("id") == i)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            os.close(self._commands)
            os.close(self._messages)


def problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and browser log errors (e.g. failed loads)."""
    found = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            found.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            found.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append("log: " + params["entry"]["text"])
    return found


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def snakemake(work: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work), "--cores", "1",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=work,
                          preexec_fn=lambda: os.umask(0o022))


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A working directory whose default config holds the demonstration cohorts (as config/config.yaml does) and
    a config of one's own adding the cohort ``mine``; the workflow run with ``--config only=mine``."""
    work = tmp_path_factory.mktemp("report") / "work"
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "plans", work / "config" / "plans")
    default = load_yaml(REPO / "config" / "config.yaml")
    for cohort in default["cohorts"].values():
        for key in ("data", "published", "study"):
            if key in cohort:
                cohort[key] = str(REPO / cohort[key])
    default["studies"] = {name: str(REPO / path) for name, path in (default.get("studies") or {}).items()}
    if default.get("literature"):
        default["literature"] = str(REPO / default["literature"])
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(default))
    mine = {"cohorts": {"mine": {"data": str(EXAMPLE), "plan": "config/plans/example.yaml"}}}
    (work / "my.yaml").write_text(yaml.safe_dump(mine))
    run = snakemake(work, "--configfile", "my.yaml", "--config", "only=mine")
    assert run.returncode == 0, run.stderr[-3000:]
    return work


def test_only_the_selected_cohort_runs(work):
    assert sorted(p.name for p in (work / "results").iterdir()) == ["mine", "report.html"]
    assert sorted(p.name for p in (work / "logs").iterdir() if p.is_dir()) == ["mine"]


def test_an_unknown_cohort_name_stops_before_any_job(tmp_path, work):
    run = snakemake(work, "-n", "--configfile", "my.yaml", "--config", "only=mien")
    assert run.returncode != 0
    assert "config error at 'only': 'mien' is not a cohort of the config; the cohorts are decision, example, " \
           "luo_2014, mine, tehran, zhujiang_2023" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def _pages(work: Path) -> list[Path]:
    return [work / "results" / "report.html", work / "results" / "mine" / "report.html"]


def test_reports_are_self_contained_and_every_link_resolves(work):
    plan = load_yaml(REPO / "config" / "plans" / "example.yaml")
    tables = tables_for(plan, **cohort_data(EXAMPLE), literature=True)  # the default config names a literature file
    for page in _pages(work):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "<iframe" not in text.lower()
        assert set(re.findall(r'src="([a-z]+):', text)) == {"data"}  # every image embedded
        linked = re.findall(r'href="([^"#][^"]*)"', text)
        assert linked and all((page.parent / href).is_file() for href in linked), page
        ids = set(re.findall(r'id="([^"]+)"', text))
        assert all(anchor in ids for anchor in re.findall(r'href="#([^"]+)"', text))
        assert [m for m in re.findall(r'id="mine-table-([^"]+)"', text)] == tables
    # the same inputs give the same bytes
    first = _pages(work)[1].read_bytes()
    assert snakemake(work, "--configfile", "my.yaml", "--config", "only=mine", "--forcerun", "cohort_report",
                     "results/mine/report.html").returncode == 0
    assert _pages(work)[1].read_bytes() == first


def test_every_table_has_its_word_and_excel_files_readable_by_the_group(work):
    plan = load_yaml(REPO / "config" / "plans" / "example.yaml")
    folder = work / "results" / "mine" / "tables"
    for name in tables_for(plan, **cohort_data(EXAMPLE), literature=True):
        for ext in ("csv", "md", "html", "xlsx", "docx"):
            path = folder / f"{name}.{ext}"
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
    for page in _pages(work):
        assert stat.S_IMODE(page.stat().st_mode) == 0o644


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary on PATH (Debian: apt-get install chromium)")
@pytest.mark.parametrize("which", ["combined", "cohort"])
def test_report_opens_in_a_browser_with_tables_inline_and_figures_decoded(work, tmp_path, which):
    page = _pages(work)[0 if which == "combined" else 1]
    browser = Browser(tmp_path / "profile")
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        browser.session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable")
        # a narrow screen: estimates must still not break across lines
        browser.call("Emulation.setDeviceMetricsOverride", width=700, height=900, deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for(lambda m: m.get("method") == "Page.loadEventFired")
        shown = browser.call("Runtime.evaluate", expression=INSPECT, awaitPromise=True, returnByValue=True)
        shown = shown["result"]["value"]
        browser.drain(1.0)
    finally:
        browser.close()

    plan = load_yaml(REPO / "config" / "plans" / "example.yaml")
    tables = tables_for(plan, **cohort_data(EXAMPLE), literature=True)
    assert [t[0] for t in shown["tables"]] == [f"mine-table-{n}" for n in tables]
    assert all(rows > 0 for _, rows in shown["tables"])
    figures = work / "results" / "mine" / "figures"
    names = figures_for(plan, **cohort_data(EXAMPLE), literature=True)
    assert sorted(shown["figures"]) == sorted(names)
    for name, state in shown["figures"].items():
        assert state == [True, *png_size(figures / f"{name}.png")], f"{name}: {state}"
    assert shown["wrapped"] == []
    assert not problems(browser.events), problems(browser.events)
