#!/usr/bin/python3
"""The certifier's console in Debian's headless Chromium, driven by Selenium.

The real cxserver on 127.0.0.1 with a certifier and one organisation whose
four kiosks uploaded gen_responses' sealed records: the sign-in page (Chinese
by default), a wrong password, signing in, the organisation list, an
organisation page with its charts for a period (the picker's GET form), the
English version, and signing out (after which the console sends back to
sign-in). Screenshots of every page (whole pages) are kept in --artifacts for
people to look at (Chinese must render, nothing may overlap or spill).
"""
import argparse
import json
import os
import sys
import urllib.request

from console_browser import check, run, run_browser_test, start_chromium
from cxserver_process import start_cxserver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery"
RECORDS = 3000  # gen_responses: four kiosks on one site, from 2026-11-29 for a few days
PERIOD = "from=2026-11-22&to=2026-12-20"  # four weeks: the trend shows empty ones as gaps


def upload(server, db, gen_responses, url):
    """gen_responses' records, each kiosk's with its own device token, in batches of 500."""
    lines = run(gen_responses, str(RECORDS), "2026", "demo-org").splitlines()
    by_device = {}
    for line in lines:
        by_device.setdefault(json.loads(line)["device"], []).append(line)
    for device, records in by_device.items():
        token = run(server, "add-token", "--db", db, "--role", "device", "--org", "demo-org",
                    "--site", "hq", "--device", device).splitlines()[-1]
        for start in range(0, len(records), 500):
            body = '{"responses":[' + ",".join(records[start:start + 500]) + "]}"
            request = urllib.request.Request(
                url + "/api/v1/responses", data=body.encode(), method="POST",
                headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
            with urllib.request.urlopen(request, timeout=30) as reply:
                stored = json.load(reply)
                check(stored.get("refused") == [], f"records refused: {stored}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--gen-responses", required=True)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    def flow(workdir, held):
        db = "sqlite:" + os.path.join(workdir, "server.db")
        run(args.server, "add-user", "--db", db, "--name", "carla", "--role", "certifier",
            stdin=PASSWORD + "\n")
        run(args.server, "add-token", "--db", db, "--role", "viewer", "--org", "demo-org")
        held.server, url = start_cxserver(args.server, db, args.config_dir,
                                          os.path.join(workdir, "server.log"))
        upload(args.server, db, args.gen_responses, url)

        held.browser = browser = start_chromium(workdir)
        wait = WebDriverWait(browser, 20)

        def shot(name):
            # The whole page: the window as tall as the document (WebDriver's script, not
            # the page's: the console's CSP allows none).
            browser.set_window_size(1100, 800)
            height = browser.execute_script("return document.documentElement.scrollHeight")
            # The window's bars take some of its height from the page's.
            browser.set_window_size(1100, max(800, height + 200))
            path = os.path.join(args.artifacts, name + ".png")
            check(browser.save_screenshot(path), f"no screenshot {path}")
            width = browser.execute_script("return document.documentElement.scrollWidth")
            check(width <= 1100, f"{name}: the page spills sideways ({width} px)")

        browser.get(url + "/")
        check(browser.title == "登录 · 认证管理台", f"sign-in page title {browser.title!r}")
        shot("1-signin-zh")

        def sign_in(password):
            browser.find_element(By.ID, "name").send_keys("carla")
            browser.find_element(By.ID, "password").send_keys(password)
            browser.find_element(By.CSS_SELECTOR, "form.signin button").click()

        sign_in("not her password")
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "p.error")))
        check("用户名或密码错误" in browser.page_source, "no message for a wrong password")
        shot("2-signin-wrong-zh")

        sign_in(PASSWORD)
        wait.until(ready.url_to_be(url + "/console"))
        check(browser.find_element(By.LINK_TEXT, "demo-org"), "demo-org not listed")
        shot("3-organisations-zh")

        browser.find_element(By.LINK_TEXT, "demo-org").click()
        wait.until(ready.url_contains(url + "/console/orgs/demo-org?from="))
        check("服务得分" in browser.page_source, "no service score row")
        # The period picker: a GET form; every figure follows it.
        for name, day in (("from", "2026-11-22"), ("to", "2026-12-20")):
            field = browser.find_element(By.ID, name)
            browser.execute_script("arguments[0].value = arguments[1]", field, day)
        browser.find_element(By.CSS_SELECTOR, "form.period button").click()
        wait.until(ready.url_contains(PERIOD))
        check(browser.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]"), "no charts")
        check("各题目的等级分布" in browser.page_source, "no item chart")
        shot("4-organisation-zh")

        browser.get(url + "/console/orgs/demo-org?" + PERIOD + "&lang=en")
        wait.until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Organisation"))
        check("Weekly score trend" in browser.page_source, "no trend chart")
        shot("5-organisation-en")
        browser.get(url + "/console?" + PERIOD)
        shot("5b-organisations-en-period")

        browser.find_element(By.CSS_SELECTOR, "header.bar form button").click()
        wait.until(ready.url_to_be(url + "/"))
        check(browser.find_element(By.ID, "password"), "signing out did not lead to sign-in")
        browser.get(url + "/console")
        check(browser.current_url == url + "/", "the console opened after signing out")
        shot("6-signed-out-en")
        print(f"e2e_console_browser: ok; screenshots in {args.artifacts}")

    return run_browser_test("e2e_console_browser", flow)


if __name__ == "__main__":
    sys.exit(main())
