#!/usr/bin/env python3
"""End-to-end test of the real cxkiosk under Xvfb, driven by xdotool.

Checks that a string the font lacks stops startup. Answers one survey by mouse (English, with N/A and Back) and one by keys
(Chinese), kills the kiosk with SIGKILL right after the second thank-you
screen, restarts it, lets a third survey time out as incomplete (checking the
double-tap debounce on the way), stops it with SIGTERM in the middle of a fourth survey, exports JSONL and CSV
and checks every record. Screenshots of every screen go to --artifacts.
Click positions mirror kiosk/ui/src/layout.hpp.
"""
import argparse
import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

W, H = 1280, 800
TAP_PAUSE = 0.6  # well over the kiosk's 300 ms debounce, with room for a loaded machine


def centre(x0, y0, x1, y1):
    return ((x0 + x1) / 2 * W, (y0 + y1) / 2 * H)


START = centre(0.30, 0.42, 0.70, 0.64)
WELCOME_EN = centre(0.505, 0.79, 0.665, 0.91)
BACK = centre(0.04, 0.83, 0.27, 0.96)
NOT_APPLICABLE = centre(0.69, 0.83, 0.96, 0.96)
CARD_WIDTH = ((0.96 - 0.04) - 4 * 0.015) / 5


def level_target(level):
    x = 0.04 + (level - 1) * (CARD_WIDTH + 0.015) + CARD_WIDTH / 2
    return (x * W, (0.40 + 0.79) / 2 * H)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Session:
    def __init__(self, kiosk, artifacts, workdir):
        self.kiosk = kiosk
        self.artifacts = artifacts
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.xvfb = None
        self.proc = None
        self.log_path = None
        self.env = None
        self.runs = 0

    # ---- X server
    def start_xvfb(self):
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        deadline = time.time() + 15
        number = b""
        while time.time() < deadline and not number.endswith(b"\n"):
            chunk = os.read(read_fd, 16)
            if not chunk:
                break
            number += chunk
        os.close(read_fd)
        check(number.strip().isdigit(), "Xvfb did not report a display")
        self.env = dict(os.environ, DISPLAY=":" + number.decode().strip())

    # ---- kiosk process
    def start_kiosk(self, data=None, *extra):
        self.runs += 1
        self.log_path = os.path.join(self.workdir, f"kiosk-{self.runs}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [self.kiosk, "--data-dir", data or self.data, "--device", "e2e-kiosk", "--org", "e2e-org",
             "--site", "lab", "--idle-timeout", "3", "--report-startup", *extra],
            env=self.env, stdout=self.log, stderr=self.log)
        self.wait_for("first frame", 1, 30)
        time.sleep(0.3)

    def write_token(self, token, data=None):
        """The upload token where enrolment puts it: DATA_DIR/token, mode 600 (never in argv)."""
        os.makedirs(data or self.data, exist_ok=True)
        path = os.path.join(data or self.data, "token")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for(self, text, count, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.log_text().count(text) >= count:
                return
            check(self.proc.poll() is None, f"kiosk exited ({self.proc.returncode}):\n{self.log_text()}")
            time.sleep(0.05)
        raise Failure(f"timed out waiting for {text!r} x{count}:\n{self.log_text()}")

    # ---- input and screenshots
    def xdotool(self, *args):
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=10)

    def click(self, point):
        self.xdotool("mousemove", str(int(point[0])), str(int(point[1])), "click", "1")
        time.sleep(TAP_PAUSE)

    def key(self, name):
        self.xdotool("key", name)
        time.sleep(TAP_PAUSE)

    def screenshot(self, name):
        xwd = subprocess.run(["xwd", "-root", "-silent"], env=self.env, capture_output=True, check=True,
                             timeout=20)
        path = os.path.join(self.artifacts, name + ".png")
        subprocess.run(["convert", "xwd:-", "png:" + path], input=xwd.stdout, check=True, timeout=20)

    def stop(self):
        for proc in (self.proc, self.xvfb):
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def survey_by_clicks(s):
    """English, by mouse; item 3 N/A; item 6 answered, Back, answered again."""
    expected = {}
    s.screenshot("01-welcome-zh")
    s.click(WELCOME_EN)
    s.screenshot("02-welcome-en")
    s.click(START)
    s.wait_for("screen question", 1, 10)
    s.screenshot("03-question-en")
    for index in range(19):
        if index == 2:
            s.click(NOT_APPLICABLE)
            expected[index] = None
            continue
        level = index % 5 + 1
        s.click(level_target(level))
        expected[index] = level
        if index == 5:
            s.click(BACK)
            s.screenshot("04-question-back-en")
            s.click(level_target(1))
            expected[index] = 1
    s.wait_for("screen thank_you", 1, 10)
    time.sleep(0.3)
    s.screenshot("05-thank-you-en")
    return expected


def survey_by_keys(s):
    """Chinese, by keys; 0 is N/A; BackSpace once; ends with SIGKILL on thank-you."""
    expected = {}
    s.wait_for("screen welcome", 1, 15)
    s.key("Return")
    s.wait_for("screen question", 2, 10)
    s.screenshot("06-question-zh")
    for index in range(19):
        level = 5 - index % 5
        if index == 0:
            s.key("0")
            expected[index] = None
            continue
        if index == 10:
            s.key("1")
            s.key("BackSpace")
        s.key(str(level))
        expected[index] = level
    s.wait_for("screen thank_you", 2, 10)
    time.sleep(0.2)
    s.screenshot("07-thank-you-zh")
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=10)
    return expected


def survey_abandoned(s):
    """Double tap counts once; idle prompt; silence saves it incomplete."""
    s.key("Escape")  # customers cannot quit
    check(s.proc.poll() is None, "Escape closed the kiosk")
    s.key("space")
    s.wait_for("screen question", 1, 10)
    s.xdotool("key", "--delay", "80", "4", "4")  # second tap inside the debounce
    time.sleep(TAP_PAUSE)
    s.key("2")
    s.wait_for("screen idle_prompt", 1, 10)
    time.sleep(0.3)
    s.screenshot("08-idle-prompt-zh")
    s.wait_for("saved response seq 3 (incomplete)", 1, 15)
    s.wait_for("screen welcome", 1, 5)


def export(s, fmt):
    out = os.path.join(s.workdir, "export." + fmt)
    done = subprocess.run([s.kiosk, "export", "--data-dir", s.data, "--format", fmt, "--out", out],
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"export {fmt} failed: {done.stderr}")
    with open(out, "rb") as f:
        return f.read()


def check_records(lines, click_answers, key_answers):
    records = [json.loads(line) for line in lines]
    check(len(records) == 4, f"expected 4 records, got {len(records)}")
    check([r["seq"] for r in records] == [1, 2, 3, 4], "seq is not 1, 2, 3, 4")
    check(len({r["id"] for r in records}) == 4, "ids are not unique")
    check([r["status"] for r in records] == ["complete", "complete", "incomplete", "incomplete"],
          "statuses")
    check([r["lang"] for r in records] == ["en", "zh", "zh", "zh"], "languages")
    for r in records:
        check(r["device"] == "e2e-kiosk" and r["org"] == "e2e-org" and r["site"] == "lab", "identity")
    item_ids = list(records[0]["answers"].keys())
    check(len(item_ids) == 19, "the complete survey must answer all 19 items")
    for record, expected in ((records[0], click_answers), (records[1], key_answers)):
        got = [record["answers"][item_ids[i]] for i in range(19)]
        want = [expected[i] for i in range(19)]
        check(got == want, f"answers {got} != {want}")
    check(records[2]["answers"] == {"1.1": 4, "1.2": 2}, f"abandoned answers {records[2]['answers']}")
    check(records[2]["flags"] == ["incomplete"], "incomplete flag")
    check(records[3]["answers"] == {"1.1": 3}, "SIGTERM mid-survey keeps the answer as incomplete")
    check("speeder" in records[0]["flags"], "19 taps in under 19 s must be flagged speeder")
    return item_ids


def check_csv(data, item_ids):
    check(data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    check(len(rows) == 5, f"CSV rows: {len(rows)}")
    header = rows[0]
    check(header[:5] == ["id", "device", "org", "site", "seq"], "CSV header")
    check(header[-19:] == item_ids, "one CSV column per item")
    check(rows[1][header.index("1.3")] == "N/A", "N/A cell")
    check(rows[3][header.index("7")] == "", "unshown item cell is empty")


def check_startup_refusals(s):
    """Bad config stops startup with exit 3 and the line; a string the font cannot
    show, naming it; a bad flag exits 2."""
    config = os.path.join(s.workdir, "tibetan.json")
    with open(config, "w", encoding="utf-8") as f:
        json.dump({"org_name": {"zh": "服务\u0fcf中心", "en": "Centre"}}, f, ensure_ascii=False)
    done = subprocess.run([s.kiosk, "--config", config, "--data-dir", s.data], env=s.env,
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 3, f"missing glyph: exit {done.returncode}, expected 3")
    check("org_name.zh" in done.stderr and "U+0FCF" in done.stderr, f"message: {done.stderr}")
    broken = os.path.join(s.workdir, "broken.json")
    with open(broken, "w", encoding="utf-8") as f:
        f.write('{\n  "device": "kiosk-01",\n  "org": \n}\n')
    done = subprocess.run([s.kiosk, "--config", broken], env=s.env, capture_output=True, text=True,
                          timeout=30)
    check(done.returncode == 3 and "broken.json:4:" in done.stderr,
          f"bad JSON: exit {done.returncode}, {done.stderr}")
    done = subprocess.run([s.kiosk, "--idle-timeout", "soon"], env=s.env, capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 2, f"usage error: exit {done.returncode}")


def damaged_store_and_failed_save(s):
    """A damaged store is moved aside and staff see a notice; a save that cannot
    commit (another process holds the write lock) shows the error screen."""
    data = os.path.join(s.workdir, "damaged")
    os.makedirs(data)
    with open(os.path.join(data, "responses.sqlite3"), "wb") as f:
        f.write(b"not a database" * 1000)
    s.start_kiosk(data, "--items-per-respondent", "2")
    s.wait_for("moved to", 1, 5)
    check(any(n.startswith("responses.sqlite3.corrupt-") for n in os.listdir(data)),
          "the damaged store must be kept under a .corrupt- name")
    s.screenshot("09-welcome-store-recovered")
    lock = sqlite3.connect(os.path.join(data, "responses.sqlite3"), isolation_level=None, timeout=5)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        s.key("Return")
        s.wait_for("screen question", 1, 10)
        s.key("4")
        s.key("5")  # the short form's second and last item: the save waits for the lock
        s.wait_for("screen save_failed", 1, 15)
        time.sleep(0.3)
        s.screenshot("10-save-failed-zh")
    finally:
        lock.rollback()
        lock.close()
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def run_e2e(name, tools, body, options=()):
    """Parses --kiosk/--artifacts (and `options`, names of further optional flags),
    starts Xvfb, runs body(session, args) and always cleans up; returns the exit status."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", required=True)
    parser.add_argument("--artifacts", required=True)
    for option in options:
        parser.add_argument(option)
    args = parser.parse_args()
    for tool in ("Xvfb", "xdotool", "xwd", "convert", *tools):
        check(shutil.which(tool), f"{tool} is not installed")
    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)
    workdir = tempfile.mkdtemp(prefix=f"cxkiosk-{name}-")
    s = Session(args.kiosk, args.artifacts, workdir)
    try:
        s.start_xvfb()
        body(s, args)
        return 0
    except (Failure, subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        print(f"{name} FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        s.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def customer_flows(s, args):
    check_startup_refusals(s)
    s.start_kiosk()
    click_answers = survey_by_clicks(s)
    key_answers = survey_by_keys(s)

    s.start_kiosk()  # after kill -9: both surveys must be there
    survey_abandoned(s)
    s.key("Return")  # a fourth customer is mid-survey when the kiosk is stopped
    s.wait_for("screen question", 2, 10)
    s.key("3")
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    check("cxkiosk: stopped" in s.log_text(), "clean shutdown message")

    lines = export(s, "jsonl").decode("utf-8").splitlines()
    item_ids = check_records(lines, click_answers, key_answers)
    check_csv(export(s, "csv"), item_ids)
    damaged_store_and_failed_save(s)
    print(f"e2e: 4 records checked, screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e", (), customer_flows))
