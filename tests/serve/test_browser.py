"""The pages in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`, installed by
.ci/run) driven over the W3C WebDriver protocol with httpx; no browser is downloaded at run time.

`hyperlink serve --assess` runs on the demo store with its tiny real videos. Checked: the anchor list
renders, an anchor shows its targets, its <video> seeks to the span's start, a judgment click changes
the exported qrels, a text search returns results, and the static report opens offline. A screenshot
of each page type is kept under the test's tmp folder (``screenshots/``), and copied to
``$HYPERLINK_SCREENSHOTS`` when that is set (how the README's pictures are made).

Without Chromium the tests skip with the reason, except under ``HYPERLINK_REQUIRE_SERVICES`` (CI),
where they fail.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


def _need_browser() -> None:
    if CHROMIUM and DRIVER:
        return
    reason = "headless Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it)"
    if os.environ.get("HYPERLINK_REQUIRE_SERVICES"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 30.0):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = check()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - retried until the timeout
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Browser:
    """A tiny W3C WebDriver client: just what these tests use."""

    def __init__(self, port: int):
        import httpx

        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        _wait(lambda: self.http.get("/status").json()["value"]["ready"], "chromedriver")
        options = {"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                                "--disable-dev-shm-usage", "--window-size=1280,1500",
                                                "--mute-audio", "--allow-file-access-from-files"]}
        r = self.http.post("/session", json={"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        assert r.status_code == 200, r.text
        self.session = r.json()["value"]["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        r = self.http.request(method, f"/session/{self.session}{path}", json=body)
        value = r.json()["value"]
        assert r.status_code == 200, value
        return value

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def run(self, script: str, *args):
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        found = self._call("POST", "/element", {"using": "css selector", "value": css})
        return found[ELEMENT]

    def click(self, css: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css: str, text: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/value", {"text": text})

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))
        keep = os.environ.get("HYPERLINK_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(keep) / path.name)

    def close(self) -> None:
        try:
            self.http.delete(f"/session/{self.session}")
        finally:
            self.http.close()


@pytest.fixture
def browser():
    _need_browser()
    port = _free_port()
    driver = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        b = Browser(port)
        yield b
        b.close()
    finally:
        driver.terminate()
        driver.wait(timeout=20)


@pytest.fixture
def server(demo_copy):
    """`hyperlink serve --assess` on a copy of the demo store, as a user starts it."""
    import httpx

    port = _free_port()
    cmd = [sys.executable, "-m", "hyperlink", "--db", str(demo_copy.db), "serve", "--assess", "--port", str(port),
           "--run", str(demo_copy.run)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(base + "/api/anchors", timeout=5).status_code == 200, "hyperlink serve")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_pages_in_a_real_browser(browser, server, demo_copy, tmp_path):
    import httpx

    shots = tmp_path / "screenshots"
    # the anchor list renders
    browser.open(server + "/")
    rows = browser.run("return document.querySelectorAll('#anchors tbody tr').length")
    assert rows == len(httpx.get(server + "/api/anchors").json()) == 8
    browser.screenshot(shots / "anchors.png")

    # an anchor shows its targets; its video seeks to the span's start
    browser.click("a.anchor-link")
    anchor = httpx.get(server + "/api/anchors").json()[0]
    assert browser.run("return document.querySelector('h1').textContent") == anchor["id"]
    assert browser.run("return document.querySelectorAll('li.target').length") == 10
    src = browser.run("return document.getElementById('anchor-video').getAttribute('src')")
    assert src.endswith(f"#t={anchor['start']:g},{anchor['end']:g}")
    at = _wait(lambda: browser.run("const v = document.getElementById('anchor-video');"
                                   "return v.readyState >= 1 ? v.currentTime : null"), "the video's metadata")
    assert abs(at - anchor["start"]) < 1.0, at
    shown = _wait(lambda: browser.run("return Array.from(document.querySelectorAll('.thumbs img'))"
                                      ".filter(i => i.complete && i.naturalWidth > 0).length"), "thumbnails")
    assert shown > 0
    browser.screenshot(shots / "anchor.png")

    # a judgment click changes the exported qrels
    before = httpx.get(server + "/api/qrels").text.splitlines()
    target = browser.run("const li = document.querySelector('li.target.rel-u');"
                         "return [li.dataset.video, li.dataset.start, li.dataset.end];")
    browser.click("li.target.rel-u form.judge button.yes")
    _wait(lambda: browser.run("return document.readyState") == "complete", "the page after judging")
    after = httpx.get(server + "/api/qrels").text.splitlines()
    from hyperlink.timecode import format_mss

    added = set(after) - set(before)
    assert added == {f"{anchor['id']} Q0 {target[0]} {format_mss(float(target[1]))} {format_mss(float(target[2]))} 1"}
    assert browser.run("return document.querySelectorAll('li.target.rel-1').length") >= 1

    # two sources side by side
    browser.open(server + f"/anchors/{anchor['id']}?model=tiny&other=text-run&k=5")
    assert browser.run("return document.querySelectorAll('section.column').length") == 2
    browser.screenshot(shots / "compare.png")

    # a text search returns results
    browser.open(server + "/")
    words = httpx.get(server + "/api/anchors/anchor_1/targets", params={"model": "tiny", "k": 1}).json()["hits"][0]["text"]
    query = " ".join(words.split()[:8])
    assert query
    browser.type("form.search input[name=q]", query)
    browser.click("form.search button")
    _wait(lambda: browser.run("return document.querySelector('h1').textContent") == "Search", "the search page")
    assert browser.run("return document.querySelectorAll('li.target').length") == 10
    assert browser.run("return document.querySelectorAll('li.target mark').length") > 0
    browser.screenshot(shots / "search.png")

    # the static report opens offline (file://), thumbnails included
    out = tmp_path / "report"
    code, _, err = cli("--db", demo_copy.db, "report-html", "--out", out, "--model", "tiny", "-k", "5")
    assert code == 0, err
    browser.open((out / "index.html").as_uri())
    assert browser.run("return document.querySelectorAll('#anchors tbody tr').length") == 8
    browser.click("a.anchor-link")
    assert browser.run("return document.querySelectorAll('li.target').length") == 5
    assert _wait(lambda: browser.run("return Array.from(document.querySelectorAll('.thumbs img'))"
                                     ".filter(i => i.complete && i.naturalWidth > 0).length"), "offline thumbnails")
    browser.screenshot(shots / "report.png")
    assert sorted(p.name for p in shots.iterdir()) == ["anchor.png", "anchors.png", "compare.png", "report.png",
                                                      "search.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in shots.iterdir())
