#!/usr/bin/env python3
"""Drives Debian's headless Chromium over the DevTools protocol, for the dashboard tests.

Usage: headless-browser.py STEPS.json
STEPS is a JSON object: {"url": ..., "width": 1400, "height": 1400, "scale": 1, "steps": [...]}, each step one of
  {"eval": "JS expression"}                      -> its value (JSON-serialisable)
  {"wait": "JS expression", "seconds": 15}       -> true once the expression is truthy, false at the limit
  {"screenshot": "PATH"}                         -> PATH, a PNG of the whole page
  {"mark": "PATH"}                               -> PATH, created empty: tells the caller this point is reached
Prints one JSON list, a result per step, and exits 0; exits 1 with the reason on stderr when the
browser cannot be started or the page does not load. Standard library only: the browser speaks
over a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, messages ended by NUL), so no
WebSocket client is needed. Everything is bounded in time.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, width, height):
        binary = shutil.which("chromium-headless-shell") or shutil.which("chromium")
        if binary is None:
            raise RuntimeError("no headless Chromium on PATH: run Tools/bootstrap (apt-get install chromium-headless-shell)")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # Moved above the low numbers first, so that placing them on 3 and 4 overwrites nothing.
        child_in, child_out = os.dup2(to_browser_read, 100, inheritable=False), os.dup2(from_browser_write, 101, inheritable=False)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.profile = tempfile.mkdtemp(prefix="peloton-browser-")
        # The browser expects its pipe on fds 3 (commands) and 4 (answers) exactly.
        def map_fds():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)
            os.close(child_in)
            os.close(child_out)
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--remote-debugging-pipe",
             f"--window-size={width},{height}", f"--user-data-dir={self.profile}", "about:blank"],
            # Not pass_fds: the child would close 3 and 4 after preexec_fn placed them. Only
            # these two are inheritable (os.pipe's own fds are not), so nothing else leaks.
            preexec_fn=map_fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if os.environ.get("BROWSER_DEBUG") else subprocess.DEVNULL)
        os.close(child_in)
        os.close(child_out)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def receive(self, deadline):
        import select
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("the browser did not answer in time")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url, width, height, scale):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        # A larger scale gives OCR sharper text to read.
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})
        self.send("Page.navigate", {"url": url})
        if not self.wait("document.readyState === 'complete' && location.href !== 'about:blank'", 20):
            raise RuntimeError(f"{url} did not load")

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait(self, expression, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.evaluate(f"!!({expression})"):
                return True
            time.sleep(0.1)
        return False

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        return path

    def close(self):
        self.process.kill()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    with open(sys.argv[1]) as file:
        plan = json.load(file)
    width, height = plan.get("width", 1400), plan.get("height", 1400)
    browser = Browser(width, height)
    try:
        browser.open(plan["url"], width, height, plan.get("scale", 1))
        results = []
        for step in plan["steps"]:
            if "eval" in step:
                results.append(browser.evaluate(step["eval"]))
            elif "wait" in step:
                results.append(browser.wait(step["wait"], step.get("seconds", 15)))
            elif "screenshot" in step:
                results.append(browser.screenshot(step["screenshot"]))
            elif "mark" in step:
                open(step["mark"], "w").close()
                results.append(step["mark"])
            else:
                raise RuntimeError(f"unknown step {step}")
        print(json.dumps(results))
    finally:
        browser.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one clear line for the test's failure message
        print(f"headless-browser: {error}", file=sys.stderr)
        sys.exit(1)
