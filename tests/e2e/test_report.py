"""The Snakemake HTML report of the example cohort, opened in headless Chromium: every figure listed under the
cohort's "5 figures" menu opens and its image decodes at the size of the PNG on disk, and the page logs no error.

The report is a single-page app with every result embedded as a data URI; an image exists in the page only after
its entry is clicked. The browser is driven through the DevTools protocol over ``--remote-debugging-pipe`` (the
browser reads commands on fd 3 and writes replies and events on fd 4, NUL-terminated JSON), so no package beyond
the Chromium binary is needed. Without a Chromium binary the test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from tkicohort.config import load_yaml
from tkicohort.figures import figures_for

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)

# Opens each figure entry as a user would (menu: cohort -> "5 figures", then the entry's view button) and reports
# the rendered <img>: [complete, naturalWidth, naturalHeight], or why there is none.
OPEN_FIGURES = """(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  for (let i = 0; typeof app === "undefined" && i < 500; i++) await sleep(20);
  if (typeof app === "undefined") return "the report app did not start";
  app.setView({navbarMode: "subcategory", category: COHORT, subcategory: "5 figures"});
  await sleep(100);
  const out = {};
  for (const path of Object.keys(results).filter(p => p.startsWith(`results/${COHORT}/figures/`))) {
    const row = [...document.querySelectorAll("tr")].find(tr => tr.innerText.includes(path));
    const button = row && row.querySelector("a");
    if (!button) { out[path] = "not listed in the menu"; continue; }
    button.click();
    let img = null;
    for (let i = 0; i < 250 && !img; i++) {
      await sleep(20);
      img = [...document.querySelectorAll("img")].find(x => x.src === results[path].data_uri);
    }
    if (!img) { out[path] = "no image shown"; continue; }
    try { await img.decode(); } catch (e) { out[path] = "image does not decode: " + e; continue; }
    out[path] = [img.complete, img.naturalWidth, img.naturalHeight];
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


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The example cohort run in a temporary working directory, then ``--report report.html``."""
    work = tmp_path_factory.mktemp("report") / "work"
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "plans", work / "config" / "plans")
    config = {"cohorts": {"example": {"data": str(REPO / "resources" / "cohorts" / "example"),
                                      "plan": "config/plans/example.yaml"}}}
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    base = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work), "--cores", "1"]
    for extra in ([], ["--report", str(work / "report.html")]):
        run = subprocess.run(base + extra, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-3000:]
    return work


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary on PATH (Debian: apt-get install chromium)")
def test_report_figures_load_in_a_browser_without_console_errors(report, tmp_path):
    browser = Browser(tmp_path / "profile")
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        browser.session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=(report / "report.html").as_uri())
        browser.wait_for(lambda m: m.get("method") == "Page.loadEventFired")
        script = OPEN_FIGURES.replace("COHORT", json.dumps("example"))
        shown = browser.call("Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True)
        shown = shown["result"]["value"]
        browser.drain(1.0)
    finally:
        browser.close()

    names = figures_for(load_yaml(REPO / "config" / "plans" / "example.yaml"), has_qol=True)
    figures = report / "results" / "example" / "figures"
    assert isinstance(shown, dict), shown
    assert sorted(shown) == sorted(f"results/example/figures/{n}.png" for n in names)
    for path, state in shown.items():
        assert state == [True, *png_size(figures / Path(path).name)], f"{path}: {state}"
    assert not problems(browser.events), problems(browser.events)
