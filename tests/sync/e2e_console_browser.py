#!/usr/bin/python3
"""The certifier's console in Debian's headless Chromium, driven by Selenium.

The real cxserver on 127.0.0.1 with a certifier and one organisation with a
token: the sign-in page (Chinese by default), a wrong password, signing in,
the organisation list, an organisation page, the English version, and signing
out (after which the console sends back to sign-in). Screenshots of every page
are kept in --artifacts for people to look at (Chinese must render).
"""
import argparse
import os
import sys

from console_browser import check, run, run_browser_test, start_chromium
from cxserver_process import start_cxserver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    def flow(workdir, held):
        db = "sqlite:" + os.path.join(workdir, "server.db")
        run(args.server, "add-user", "--db", db, "--name", "carla", "--role", "certifier",
            stdin=PASSWORD + "\n")
        run(args.server, "add-token", "--db", db, "--role", "viewer", "--org", "demo-org")
        held.server, url = start_cxserver(args.server, db, args.config_dir,
                                          os.path.join(workdir, "server.log"))

        held.browser = browser = start_chromium(workdir)
        wait = WebDriverWait(browser, 20)

        def shot(name):
            path = os.path.join(args.artifacts, name + ".png")
            check(browser.save_screenshot(path), f"no screenshot {path}")

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
        wait.until(ready.url_to_be(url + "/console/orgs/demo-org"))
        check("服务得分" in browser.page_source, "no service score row")
        shot("4-organisation-zh")

        browser.find_element(By.LINK_TEXT, "English").click()
        wait.until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Organisation"))
        shot("5-organisation-en")

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
