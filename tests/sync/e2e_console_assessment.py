#!/usr/bin/python3
"""From uploaded responses to a graded, printed report, in Debian's headless Chromium.

The real cxserver on 127.0.0.1; 40 sealed test records uploaded by the real
uploader (upload_test_records); a certifier signs in, opens the organisation,
enters the management assessment in the form (first leaving one requirement out:
the error shows beside it and nothing entered is lost), sees the grade that
`cxscore score --assessment` computes on the server's export and the saved
document, opens the report and prints it to PDF (Chrome DevTools
Page.printToPDF), which must be exactly one A4 page; pdftoppm turns it into a PNG.
Screenshots of every page and the PNG are kept in --artifacts to be looked at.
"""
import argparse
import base64
import glob
import json
import os
import re
import shutil
import sys
import urllib.request

from console_browser import check, run, run_browser_test, start_chromium
from cxserver_process import start_cxserver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery"
ORG = "demo-org"
PERIOD = "from=2025-11-01&to=2025-12-01"  # the month of the test records (2025-11-25)


def api_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=20) as reply:
        return json.load(reply)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cxscore", required=True)
    parser.add_argument("--uploader", required=True)
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)

    def flow(workdir, held):
        db = "sqlite:" + os.path.join(workdir, "server.db")
        run(args.server, "add-user", "--db", db, "--name", "carla", "--role", "certifier",
            stdin=PASSWORD + "\n")
        device_token = run(args.server, "add-token", "--db", db, "--role", "device", "--org", ORG,
                           "--site", "hq", "--device", "kiosk-01").strip().splitlines()[-1]
        viewer_token = run(args.server, "add-token", "--db", db, "--role", "viewer", "--org",
                           ORG).strip().splitlines()[-1]
        held.server, url = start_cxserver(args.server, db, args.config_dir,
                                          os.path.join(workdir, "server.log"))
        run(args.uploader, url, device_token, ORG, "hq", "kiosk-01", "40")

        held.browser = browser = start_chromium(workdir, height=900)
        wait = WebDriverWait(browser, 20)

        def shot(name, full_page=True):
            path = os.path.join(args.artifacts, name + ".png")
            if full_page:  # the whole page, not the window: long forms are looked at whole
                height = browser.execute_script("return document.documentElement.scrollHeight")
                browser.set_window_size(1100, max(900, min(height, 8000)))
            check(browser.save_screenshot(path), f"no screenshot {path}")
            browser.set_window_size(1100, 900)

        browser.get(url + "/")
        browser.find_element(By.ID, "name").send_keys("carla")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form.signin button").click()
        wait.until(ready.url_to_be(url + "/console"))
        browser.find_element(By.LINK_TEXT, ORG).click()
        wait.until(ready.url_contains(url + "/console/orgs/" + ORG + "?from="))
        # The test records are of 2025-11-25, before the default period (the last 90 days):
        # the period picker selects their month, and every page after keeps it.
        for name, day in (("from", "2025-11-01"), ("to", "2025-12-01")):
            field = browser.find_element(By.ID, name)
            browser.execute_script("arguments[0].value = arguments[1]", field, day)
        browser.find_element(By.CSS_SELECTOR, "form.period button").click()
        wait.until(ready.url_contains(PERIOD))
        check("尚未录入管理要求审核" in browser.page_source, "a grade before any assessment")
        shot("1-organisation-before")

        browser.find_element(By.LINK_TEXT, "录入管理要求审核").click()
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "form.assessment")))
        shot("2-assessment-empty")
        with open(os.path.join(args.config_dir, "samples", "assessment.json"), encoding="utf-8") as f:
            sample = json.load(f)
        for requirement, level in sample["levels"].items():
            if requirement != "5.1":  # left out first: the form must say so and keep the rest
                browser.find_element(By.ID, f"level-{requirement}-{level}").click()
        browser.find_element(By.ID, "conformity-yes").click()
        browser.find_element(By.ID, "auditor").send_keys("王审核员 Auditor Wang")
        # A date field's typing order follows the browser's locale: set it as its value.
        browser.execute_script("arguments[0].value = '2026-11-30'",
                               browser.find_element(By.ID, "date"))
        browser.find_element(By.ID, "notes").send_keys("现场审核，资料齐全。")
        browser.find_element(By.CSS_SELECTOR, "form.assessment button").click()
        error = wait.until(ready.presence_of_element_located((By.ID, "level-5.1-error")))
        check('"5.1"' in error.text, f"the error beside 5.1 says {error.text!r}")
        check(browser.find_element(By.ID, "auditor").get_attribute("value") ==
              "王审核员 Auditor Wang", "the auditor was lost after the error")
        check(browser.find_element(By.ID, "level-4.1-%d" % sample["levels"]["4.1"]).is_selected(),
              "a level entered was lost after the error")
        browser.execute_script("arguments[0].scrollIntoView()", error)
        shot("3-assessment-error")

        browser.find_element(By.ID, "level-5.1-%d" % sample["levels"]["5.1"]).click()
        browser.find_element(By.CSS_SELECTOR, "form.assessment button").click()
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "p.confirmation")))
        check(PERIOD in browser.current_url, f"saving left the period: {browser.current_url}")
        shown_grade = browser.find_element(By.ID, "grade-value").text
        shot("4-organisation-graded")

        # cxscore on the server's export and the saved document: the same grade.
        export = os.path.join(workdir, "export.jsonl")
        run(args.server, "export", "--db", db, "--org", ORG, "--out", export)
        current = api_json(f"{url}/api/v1/orgs/{ORG}/assessment", viewer_token)
        check(current["saved_by"] == "carla", f"saved by {current['saved_by']!r}")
        document = os.path.join(workdir, "assessment.json")
        with open(document, "w", encoding="utf-8") as f:
            f.write(current["document"])
        scored = json.loads(run(args.cxscore, "score", "--responses", export, "--config",
                                args.config_dir, "--assessment", document))
        expected = "无（未达到任何级别）" if scored["grade"] == "none" else scored["grade"]
        check(shown_grade == expected,
              f"the page shows grade {shown_grade!r}, cxscore computes {scored['grade']!r}")
        server_score = api_json(f"{url}/api/v1/orgs/{ORG}/score", viewer_token)
        for field in ("grade", "management", "reasons", "service_score", "respondents"):
            check(server_score[field] == scored[field],
                  f"{field}: server {server_score[field]!r}, cxscore {scored[field]!r}")

        browser.find_element(By.LINK_TEXT, "认证报告").click()
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "article.report")))
        check(browser.find_element(By.ID, "report-period").text ==
              "2025-11-01T00:00:00Z – 2025-12-01T00:00:00Z", "the report's period")
        check(browser.find_element(By.ID, "report-auditor").text == "王审核员 Auditor Wang",
              "the report's auditor")
        check(browser.find_element(By.ID, "report-service-score").text ==
              json.dumps(server_score["service_score"]), "the report's service score")
        shot("5-report-screen")
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True,
                                                          "preferCSSPageSize": True})
        pdf_path = os.path.join(args.artifacts, "report.pdf")
        with open(pdf_path, "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        info = run("/usr/bin/pdfinfo", pdf_path)
        pages = re.search(r"^Pages:\s+(\d+)", info, re.M)
        size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        check(pages and pages.group(1) == "1", f"the report is not one page:\n{info}")
        # A4: 210 × 297 mm = 595.28 × 841.89 pt.
        check(size and abs(float(size.group(1)) - 595.28) < 1 and
              abs(float(size.group(2)) - 841.89) < 1, f"the report is not A4:\n{info}")
        run("/usr/bin/pdftoppm", "-png", "-r", "110", pdf_path,
            os.path.join(args.artifacts, "6-report-print"))
        pngs = glob.glob(os.path.join(args.artifacts, "6-report-print*.png"))
        check(len(pngs) == 1, f"pdftoppm made {len(pngs)} pages")
        print(f"e2e_console_assessment: ok (grade {scored['grade']}); artifacts in "
              f"{args.artifacts}")

    return run_browser_test("e2e_console_assessment", flow)


if __name__ == "__main__":
    sys.exit(main())
