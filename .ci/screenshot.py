"""make screenshot: the Lifecycle Funnel of the demo database, as a salesperson sees it.

Run by .ci/screenshot.sh with .venv's Python:  screenshot.py URL DATABASE OUTPUT.png
Logs in as admin, opens the funnel in headless Chromium at 1366x768 (a laptop screen) through
the DevTools protocol, waits for the cards and saves a 256-colour PNG.
"""

import base64
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket
from PIL import Image

WIDTH, HEIGHT = 1366, 768


def session_id(url, database):
    response = requests.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": database, "login": "admin", "password": "admin"}},
        timeout=60,
    )
    response.raise_for_status()
    if "error" in response.json():
        sys.exit(f"login failed: {response.json()['error']['data']['message']}")
    return response.cookies["session_id"]


def start_chromium(profile):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        sys.exit("chromium not found (apt-get install chromium)")
    process = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in process.stderr:
        if match := re.search(r"DevTools listening on ws://([^/]+)/", line):
            return process, match.group(1)
    sys.exit("chromium did not start")


class Page:
    def __init__(self, host):
        page = next(
            target
            for target in requests.get(f"http://{host}/json/list", timeout=10).json()
            if target["type"] == "page"
        )
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, expression, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
            if result.get("result", {}).get("value"):
                return
            time.sleep(0.5)
        sys.exit(f"timed out waiting for {expression}")


def main(url, database, output):
    cookie = session_id(url, database)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        chromium, host = start_chromium(profile)
        try:
            page = Page(host)
            page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                      deviceScaleFactor=1, mobile=False)  # fmt: skip
            page.call("Network.enable")
            page.call("Network.setCookie", name="session_id", value=cookie, url=url)
            page.call("Page.navigate", url=f"{url}/odoo/lifecycle-funnel")
            page.wait_for(
                "document.querySelectorAll('.o_lifecycle_funnel .o_kanban_record').length > 10"
            )
            time.sleep(2)  # images and avatars
            shot = page.call("Page.captureScreenshot", format="png")
        finally:
            chromium.terminate()
            chromium.wait(timeout=10)
    # A palette of 256 colours halves the file and is invisible on a screen of flat UI colours.
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    image.quantize(colors=256).save(output, optimize=True)
    print(f"Saved {output}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
