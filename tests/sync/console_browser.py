"""What the console's browser tests share: failing with a message, running cxserver's
commands, and Debian's headless Chromium as a Chinese browser, driven by Selenium."""
import shutil
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(*args, stdin=""):
    result = subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"{args[0]} {args[1]} failed: {result.stderr}")
    return result.stdout


def start_chromium(workdir, height=800):
    """Headless Chromium with its profile in `workdir`, 1100 px wide; Chinese first in its
    Accept-Language, which the console follows until ?lang= chooses."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--lang=zh-CN",
                 f"--window-size=1100,{height}", f"--user-data-dir={workdir}/chromium"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Held:
    """What a browser test started and must stop: cxserver's process, the browser."""
    server = None
    browser = None


def run_browser_test(name, flow):
    """flow(workdir, held) in a fresh temporary folder; whatever it started (in `held`) is
    stopped and the folder removed however it ends. The exit status: 0, or 1 on a Failure."""
    workdir = tempfile.mkdtemp(prefix=f"cx-{name}-")
    held = Held()
    try:
        flow(workdir, held)
        return 0
    except Failure as failure:
        print(f"{name}: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if held.browser:
            held.browser.quit()
        if held.server:
            held.server.terminate()
            held.server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
