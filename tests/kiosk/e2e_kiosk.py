#!/usr/bin/env python3
"""End-to-end test of the real cxkiosk under Xvfb, driven by xdotool.

Checks that a string the font lacks stops startup. Answers one survey by mouse (English, with N/A and Back) and one by keys
(Chinese), kills the kiosk with SIGKILL right after the second thank-you
screen, restarts it, lets a third survey time out as incomplete (checking the
double-tap debounce on the way), stops it with SIGTERM in the middle of a fourth survey, exports JSONL and CSV
and checks every record, and that the records are sealed (sync/PROTOCOL.md "Signed records"): each
signed by the key `cxkiosk pubkey` prints and linked to the one before, across the SIGKILL — checked
with the independent Python seal of tests/scoring/seal_vectors.py. Then answers a survey in large
text (大字模式), checking that every question's texts fit their targets and the window.
Screenshots of every screen go to --artifacts.
Click positions come from the kiosk itself (`--dump-layout FILE`, written by the
layout code its screens draw with); the items from --questionnaire.
"""
import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scoring"))
import seal_vectors  # noqa: E402  (the independent seal implementation beside the vectors)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

W, H = 1280, 800  # the virtual screen; the fullscreen kiosk's window is as large
TAP_PAUSE = 0.6  # well over the kiosk's 300 ms debounce, with room for a loaded machine


def load_item_ids(questionnaire):
    with open(questionnaire, encoding="utf-8") as f:
        return [item["id"] for item in json.load(f)["items"]]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    """A TCP port free on 127.0.0.1 just now, for a server the test starts."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def inside(point, area):
    return area[0] <= point[0] <= area[2] and area[1] <= point[1] <= area[3]


def contains(area, box, slack=0.5):
    return (area[0] - slack <= box[0] and area[1] - slack <= box[1] and box[2] <= area[2] + slack
            and box[3] <= area[3] + slack)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


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
        self.layout = None  # the running kiosk's --dump-layout
        self.large = False  # click where the large-text layout puts the targets
        self.item_ids = []

    # ---- X server
    def start_xvfb(self):
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp",
             "-noreset"],
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
        layout_path = os.path.join(self.workdir, f"layout-{self.runs}.json")
        self.proc = subprocess.Popen(
            [self.kiosk, "--data-dir", data or self.data, "--device", "e2e-kiosk", "--org", "e2e-org",
             "--site", "lab", "--idle-timeout", "3", "--report-startup", "--dump-layout", layout_path,
             "--dump-texts", self.texts_path(), *extra],
            env=self.env, stdout=self.log, stderr=self.log)
        self.wait_for("first frame", 1, 30)
        with open(layout_path, encoding="utf-8") as f:  # written before the first frame
            self.layout = json.load(f)
        check((self.layout["width"], self.layout["height"]) == (W, H),
              f"window {self.layout['width']}x{self.layout['height']}, expected fullscreen {W}x{H}")
        time.sleep(0.3)

    def texts_path(self):
        return os.path.join(self.workdir, f"texts-{self.runs}.json")

    def wait_dump(self, condition, message, timeout=15):
        """Waits until what the kiosk shows (its --dump-texts: screen, staff mode, text size
        and texts) satisfies `condition`; returns it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with open(self.texts_path(), encoding="utf-8") as f:
                    dump = json.load(f)
                if condition(dump):
                    return dump
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise Failure(f"timed out: {message}")

    def wait_texts(self, condition, message, timeout=15):
        """Waits until the texts the kiosk shows satisfy `condition`."""
        dump = self.wait_dump(lambda d: condition([t["text"] for t in d["texts"]]), message, timeout)
        return [t["text"] for t in dump["texts"]]

    def check_fit(self, dump, name):
        """Every text of a customer screen lies inside the window and clear of every other
        text; a text whose centre is on a touch target lies inside it (its label, wrapped),
        any other text clear of every target. Targets are those of the dump's text size."""
        screens = self.layout["large_screens" if dump["text_size"] == "large" else "screens"]
        targets = screens.get(dump["screen"], {}) if dump["staff"] == 0 else {}
        texts = dump["texts"]
        check(texts, f"{name}: no text shown")
        problems = []
        for i, t in enumerate(texts):
            box = (t["x0"], t["y0"], t["x1"], t["y1"])
            if box[0] < 0 or box[1] < 0 or box[2] > W or box[3] > H:
                problems.append(f"{t['text']!r} {box} outside the window")
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            for target, r in targets.items():
                area = (r["x0"], r["y0"], r["x1"], r["y1"])
                if inside(centre, area):
                    if not contains(area, box):
                        problems.append(f"{t['text']!r} {box} sticks out of {target} {area}")
                elif overlaps(box, area):
                    problems.append(f"{t['text']!r} {box} overlaps {target} {area}")
            for other in texts[i + 1:]:
                if overlaps(box, (other["x0"], other["y0"], other["x1"], other["y1"])):
                    problems.append(f"{t['text']!r} overlaps {other['text']!r}")
        check(not problems, f"{name} ({dump['text_size']} text): " + "; ".join(problems))

    def write_token(self, token, data=None):
        """The upload token where enrolment puts it: DATA_DIR/token, mode 600 (never in argv)."""
        os.makedirs(data or self.data, exist_ok=True)
        path = os.path.join(data or self.data, "token")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")

    def target(self, screen, name):
        """Centre of a touch target, in window pixels, from the kiosk's layout dump (in the
        large-text layout while self.large)."""
        where = self.layout["large_screens" if self.large else "screens"][screen][name]
        return (where["x"], where["y"])

    def tap(self, screen, name):
        self.click(self.target(screen, name))

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

    def wait_without(self, text, seconds, message):
        """A negative check over a span of time the kiosk's own timers define: fails as soon
        as `text` is logged within `seconds`."""
        before = self.log_text().count(text)
        deadline = time.time() + seconds
        while time.time() < deadline:
            check(self.log_text().count(text) == before, message)
            check(self.proc.poll() is None, f"kiosk exited ({self.proc.returncode})")
            time.sleep(0.05)

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
    s.tap("welcome", "lang_en")
    s.screenshot("02-welcome-en")
    s.tap("welcome", "start")
    s.wait_for("screen question", 1, 10)
    s.screenshot("03-question-en")
    for index in range(len(s.item_ids)):
        if index == 2:
            s.tap("question", "not_applicable")
            expected[index] = None
            continue
        level = index % 5 + 1
        s.tap("question", f"level_{level}")
        expected[index] = level
        if index == 5:
            s.tap("question", "back")
            s.screenshot("04-question-back-en")
            s.tap("question", "level_1")
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
    for index in range(len(s.item_ids)):
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
    s.key("Escape")  # customers cannot quit: the space after it still starts a survey
    s.key("space")
    s.wait_for("screen question", 1, 10)
    s.xdotool("key", "--delay", "80", "4", "4")  # second tap inside the debounce
    time.sleep(TAP_PAUSE)
    s.key("2")
    s.wait_for("screen idle_prompt", 1, 10)
    time.sleep(0.3)
    s.screenshot("08-idle-prompt-zh")
    s.wait_for("saved response seq 3 (incomplete)", 1, 30)  # the prompt's 20 s
    s.wait_for("screen welcome", 1, 5)


def export(s, fmt, data=None):
    out = os.path.join(s.workdir, "export." + fmt)
    done = subprocess.run([s.kiosk, "export", "--data-dir", data or s.data, "--format", fmt, "--out",
                           out],
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"export {fmt} failed: {done.stderr}")
    with open(out, "rb") as f:
        return f.read()


def check_records(lines, item_ids, click_answers, key_answers):
    records = [json.loads(line) for line in lines]
    check(len(records) == 4, f"expected 4 records, got {len(records)}")
    check([r["seq"] for r in records] == [1, 2, 3, 4], "seq is not 1, 2, 3, 4")
    check(len({r["id"] for r in records}) == 4, "ids are not unique")
    check([r["status"] for r in records] == ["complete", "complete", "incomplete", "incomplete"],
          "statuses")
    check([r["lang"] for r in records] == ["en", "zh", "zh", "zh"], "languages")
    for r in records:
        check(r["device"] == "e2e-kiosk" and r["org"] == "e2e-org" and r["site"] == "lab", "identity")
    count = len(item_ids)
    check(list(records[0]["answers"].keys()) == item_ids,
          "the complete survey must answer every item, in questionnaire order")
    for record, expected in ((records[0], click_answers), (records[1], key_answers)):
        got = [record["answers"][item_ids[i]] for i in range(count)]
        want = [expected[i] for i in range(count)]
        check(got == want, f"answers {got} != {want}")
    check(records[2]["answers"] == {item_ids[0]: 4, item_ids[1]: 2},
          f"abandoned answers {records[2]['answers']}")
    check(records[2]["flags"] == ["incomplete"], "incomplete flag")
    check(records[3]["answers"] == {item_ids[0]: 3},
          "SIGTERM mid-survey keeps the answer as incomplete")
    check("speeder" in records[0]["flags"], f"{count} taps in under {count} s must be flagged speeder")


def check_chain(s, lines):
    done = subprocess.run([s.kiosk, "pubkey", "--data-dir", s.data], capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 0 and len(done.stdout) == 65, f"pubkey failed: {done.stderr}")
    key = done.stdout.strip()
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key))
    prev = seal_vectors.GENESIS
    for line in lines:
        record = json.loads(line)
        check(record["key"] == key, f"seq {record['seq']}: not sealed by the device key")
        check(record["prev_hash"] == prev, f"seq {record['seq']}: prev_hash is not the hash of the record before")
        data = seal_vectors.signing_bytes(record)
        try:
            public.verify(bytes.fromhex(record["sig"]), data)
        except Exception:  # cryptography's InvalidSignature
            check(False, f"seq {record['seq']}: the signature does not verify")
        prev = hashlib.sha256(data).hexdigest()


def check_csv(data, item_ids):
    check(data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    check(len(rows) == 5, f"CSV rows: {len(rows)}")
    header = rows[0]
    check(header[:5] == ["id", "device", "org", "site", "seq"], "CSV header")
    check(header[-len(item_ids):] == item_ids, "one CSV column per item")
    check(rows[1][header.index(item_ids[2])] == "N/A", "N/A cell")
    check(rows[3][header.index(item_ids[-1])] == "", "unshown item cell is empty")


def check_startup_refusals(s):
    """Bad config stops startup with exit 3 and the line; a string the font cannot
    show, naming it; a bad flag exits 2; a device key others may read, exit 4 before any store."""
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
    exposed = os.path.join(s.workdir, "exposed-key")
    done = subprocess.run([s.kiosk, "pubkey", "--data-dir", exposed], capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 0, f"pubkey: exit {done.returncode}, {done.stderr}")
    os.chmod(os.path.join(exposed, "device.key"), 0o644)
    done = subprocess.run([s.kiosk, "--data-dir", exposed], env=s.env, capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 4 and "readable by others" in done.stderr,
          f"exposed key: exit {done.returncode}, {done.stderr}")
    check(not os.path.exists(os.path.join(exposed, "responses.sqlite3")),
          "no store may be created without a usable key")


def damaged_store_and_failed_save(s):
    """A damaged store is moved aside and staff see a notice; a save that cannot
    commit (another process holds the write lock) makes the survey unavailable."""
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
        s.wait_for("screen unavailable", 1, 15)
        time.sleep(0.3)
        s.screenshot("10-unavailable-zh")
    finally:
        lock.rollback()
        lock.close()
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def text_sizes(dump):
    return {t["text"]: t["size"] for t in dump["texts"]}


def survey_large_text(s):
    """大字模式, Chinese, by clicks on the large-text layout: the welcome screen's button,
    every question checked to fit, + and keypad + switching back and forth mid-survey;
    the record is checked and the next customer gets normal text again."""
    data = os.path.join(s.workdir, "large")
    s.start_kiosk(data)
    normal = s.wait_dump(lambda d: d["screen"] == "welcome", "the welcome screen")
    check(normal["text_size"] == "normal", "the kiosk starts with normal text")
    s.tap("welcome", "text_size")
    s.large = True
    large = s.wait_dump(lambda d: d["text_size"] == "large", "large text after the 大字 button")
    for text, size in text_sizes(normal).items():
        if text in text_sizes(large):
            check(text_sizes(large)[text] >= 1.5 * size - 0.01, f"{text!r} is not 1.5x larger")
    check("标准字 A−" in text_sizes(large), "the button reads as active in large text")
    s.check_fit(large, "welcome")
    s.screenshot("11-welcome-large-zh")
    s.tap("welcome", "start")
    expected = {}
    count = len(s.item_ids)
    for index in range(count):
        progress = f"第 {index + 1} 题，共 {count} 题"
        shown = s.wait_dump(lambda d: d["screen"] == "question" and progress in text_sizes(d),
                            progress)
        check(shown["text_size"] == "large", f"question {index + 1} is not in large text")
        s.check_fit(shown, f"question {index + 1}")
        if index == 0:
            s.screenshot("12-question-large-zh")
        if index == 3:
            s.key("plus")
            s.large = False
            s.check_fit(s.wait_dump(lambda d: d["text_size"] == "normal", "+ to normal text"),
                        "question 4 after +")
            s.key("KP_Add")
            s.large = True
            s.wait_dump(lambda d: d["text_size"] == "large", "keypad + to large text")
        level = index * 2 % 5 + 1
        s.tap("question", f"level_{level}")
        expected[s.item_ids[index]] = level
    thanks = s.wait_dump(lambda d: d["screen"] == "thank_you", "the thank-you screen")
    check(thanks["text_size"] == "large", "the thank-you screen keeps the customer's large text")
    s.check_fit(thanks, "thank-you")
    time.sleep(0.3)
    s.screenshot("13-thank-you-large-zh")
    s.large = False
    after = s.wait_dump(lambda d: d["screen"] == "welcome", "welcome after the thank-you")
    check(after["text_size"] == "normal", "the next customer must start with normal text")
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    records = [json.loads(line) for line in export(s, "jsonl", data).decode("utf-8").splitlines()]
    check(len(records) == 1 and records[0]["status"] == "complete" and records[0]["lang"] == "zh",
          f"large-text survey records: {records}")
    check(records[0]["answers"] == expected,
          f"large-text answers {records[0]['answers']} != {expected}")


def run_e2e(name, tools, body, options=()):
    """Parses --kiosk/--artifacts (and `options`, names of further optional flags),
    starts Xvfb, runs body(session, args) and always cleans up; returns the exit status."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--questionnaire", required=True, help="config/questionnaire.json")
    for option in options:
        parser.add_argument(option)
    args = parser.parse_args()
    for tool in ("Xvfb", "xdotool", "xwd", "convert", *tools):
        check(shutil.which(tool), f"{tool} is not installed")
    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)
    workdir = tempfile.mkdtemp(prefix=f"cxkiosk-{name}-")
    s = Session(args.kiosk, args.artifacts, workdir)
    s.item_ids = load_item_ids(args.questionnaire)
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
    check_records(lines, s.item_ids, click_answers, key_answers)
    check_chain(s, lines)
    check_csv(export(s, "csv"), s.item_ids)
    damaged_store_and_failed_save(s)
    survey_large_text(s)
    print(f"e2e: 4 records and a large-text survey checked, screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e", (), customer_flows))
