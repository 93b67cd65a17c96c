"""A real browser opens the portfolio from disk: headless Chromium driven over the
Chrome DevTools Protocol (CDP), through `websocket-client`.

Without Chromium the test skips with the reason; with MLPREP_REQUIRE_BROWSER=1 (CI sets
it) the skip becomes a failure. MLPREP_SCREENSHOT_DIR keeps the screenshots for a look.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_portfolio import make_results_tree

from mlprep.portfolio import build
from mlprep.portfolio.projects import PROJECTS

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1280,900", "--remote-debugging-port=0"]


def skip_or_fail(reason: str) -> None:
    if os.environ.get("MLPREP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MLPREP_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def find_chromium() -> str | None:
    candidates = [os.environ.get("MLPREP_CHROMIUM", ""), "chromium", "chromium-browser",
                  "google-chrome", "google-chrome-stable"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


class Browser:
    """Just enough CDP: send a command, wait for its reply, keep the events seen meanwhile."""

    def __init__(self, binary: str, profile: Path) -> None:
        import websocket

        self.log = open(profile.parent / "chromium.log", "wb")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=self.log, stderr=self.log)
        port_file, deadline = profile / "DevToolsActivePort", time.time() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.time() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError(f"Chromium did not start; see {profile.parent / 'chromium.log'}")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id, self.events = 0, []
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]

    def errors(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


IMAGES = "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight])"


def test_site_renders_in_headless_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = find_chromium()
    if binary is None:
        skip_or_fail("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        skip_or_fail("the websocket-client package is not installed (pip install websocket-client)")
    results_root, cards = make_results_tree(tmp_path, monkeypatch)
    index = build(tmp_path / "site", name="Ada Lovelace", results_root=results_root, cards_dir=cards)
    (tmp_path / "profile").mkdir()
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.open(index.as_uri())
        assert browser.evaluate("document.querySelectorAll('.project-card').length") == len(PROJECTS)
        assert browser.evaluate("document.querySelectorAll('.project-card img').length") == 2  # 01 and 04 have figures
        images = browser.evaluate(IMAGES)
        assert images and all(complete and w > 0 and h > 0 for _, complete, w, h in images), images
        assert browser.errors() == []
        browser.screenshot(tmp_path / "index.png")
        card_width = browser.evaluate("document.querySelector('.project-card').getBoundingClientRect().width")
        assert card_width > 250  # the grid laid the cards out side by side, not squashed

        browser.open((index.parent / "01_image_classification.html").as_uri())
        images = browser.evaluate(IMAGES)
        assert len(images) == 2 and all(complete and w > 0 and h > 0 for _, complete, w, h in images), images
        assert "Bias, Risks, and Limitations" in browser.evaluate("document.body.innerText")
        assert browser.errors() == []
        browser.screenshot(tmp_path / "project.png")
    finally:
        browser.close()
    for shot in ("index.png", "project.png"):
        data = (tmp_path / shot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page compresses to less
        if os.environ.get("MLPREP_SCREENSHOT_DIR"):
            Path(os.environ["MLPREP_SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / shot, Path(os.environ["MLPREP_SCREENSHOT_DIR"]) / shot)
