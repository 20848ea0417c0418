#!/usr/bin/env python3
# Over the ~400-line guide on purpose: its steps build on each other (PIN set,
# lockout, exports, sync, refusals) in one kiosk session.
"""End-to-end test of staff mode in the real cxkiosk under Xvfb, driven by xdotool.

set-pin from stdin (and its refusals), F10 -> PIN pad, a wrong PIN by keys
(pad cleared and kept open), the right PIN by clicks -> panel, exports of
JSONL / CSV / XLSX to the configured export folder read back (CSV with a
BOM-aware reader, XLSX unzipped), five wrong PINs -> lockout countdown that
refuses the right PIN and survives a restart, the corner long press, staff
quit (exit 0), and `cxkiosk audit`. Screenshots go to --artifacts.
Click positions come from the kiosk's --dump-layout (see e2e_kiosk.Session.target).
"""
import csv
import hashlib
import json
import os
import pty
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # importing the kiosk e2e helpers leaves no __pycache__ in the tree
from e2e_kiosk import Failure, check, free_port, run_e2e  # noqa: E402

PIN = "2468"
PLANTED_SYNC_AT = "2026-11-25T08:30:00Z"
FORMATS = ("jsonl", "csv", "xlsx")


def run(s, *args, stdin=None):
    return subprocess.run([s.kiosk, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=s.env)


def set_pin_on_a_terminal(s, first, second):
    """set-pin with a terminal on stdin: prompts, echo off, the PIN twice."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(s.kiosk, [s.kiosk, "set-pin", "--data-dir", s.data])
    seen = b""

    def read_until(text):
        nonlocal seen
        deadline = time.time() + 20
        while text not in seen and time.time() < deadline:
            try:
                seen += os.read(fd, 1024)
            except OSError:
                break
        check(text in seen, f"set-pin on a terminal: no {text!r} in {seen!r}")

    read_until(b"New staff PIN")
    os.write(fd, first.encode() + b"\n")
    read_until(b"Repeat the PIN")
    os.write(fd, second.encode() + b"\n")
    read_until(b"cxkiosk: ")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    check(first.encode() not in seen, "the PIN must not be echoed")
    return os.waitstatus_to_exitcode(status)


def set_pin(s):
    check(set_pin_on_a_terminal(s, "1357", "1358") == 3, "two different PINs must exit 3")
    check(set_pin_on_a_terminal(s, "1357", "1357") == 0, "set-pin on a terminal")
    done = run(s, "set-pin", "--data-dir", s.data, "1234")
    check(done.returncode == 2 and "stdin" in done.stderr, f"argv PIN: {done.returncode} {done.stderr}")
    done = run(s, "set-pin", "--data-dir", s.data, stdin="12\n")
    check(done.returncode == 3 and "4 to 12 digits" in done.stderr, f"short PIN: {done.stderr}")
    done = run(s, "set-pin", "--data-dir", s.data, stdin=PIN + "\n")
    check(done.returncode == 0, f"set-pin failed: {done.stderr}")
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3")) as db:
        stored = db.execute("SELECT value FROM settings WHERE key = 'staff_pin_hash'").fetchone()[0]
    check(stored.startswith("$argon2id$") and PIN not in stored, "PIN stored as an Argon2id hash")


def no_pin_never_opens_the_panel(s):
    """Opened in the middle of a survey: the survey's idle timer (3 s here) stands still
    while the pad is open; leaving keeps the answer as incomplete and shows welcome."""
    s.start_kiosk(os.path.join(s.workdir, "no-pin"))
    s.key("Return")
    s.wait_for("screen question", 1, 10)
    s.key("4")
    s.key("F10")
    s.wait_for("staff pin pad (no PIN set)", 1, 10)
    type_pin(s, PIN)
    s.screenshot("staff-00-no-pin")
    # The survey's idle timeout is 3 s: it must not fire while the pad is open.
    s.wait_without("screen idle_prompt", 3.5, "the idle timer must not fire in staff mode")
    check("staff panel" not in s.log_text() and "staff_login" not in s.log_text(),
          "without a PIN the panel must never open")
    s.key("Escape")
    s.wait_for("staff mode closed", 1, 10)
    s.wait_for("saved response seq 1 (incomplete)", 1, 5)
    s.wait_for("screen welcome", 1, 5)
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def show_a_failed_sync(s):
    """What the uploader leaves through Outbox::record_sync (the uploader is not part of
    this test): the panel shows it."""
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3")) as db:
        db.execute("INSERT INTO sync_state (singleton, at, ok, http_status, sent, remaining, detail) "
                   f"VALUES (1, '{PLANTED_SYNC_AT}', 0, 503, 0, 3, "
                   "'server busy: database maintenance, retry later')")


def answer_short_surveys(s, count):
    """Short surveys of 3 items; all but the last slow enough (policy: 1 s per item, 10 s
    between responses) to be scored, the last one a flagged speeder."""
    last_done = 0.0
    for n in range(1, count + 1):
        if n > 1:  # the first welcome screen is not logged: it is no change
            s.wait_for("screen welcome", n - 1, 15)
        scored = n < count
        if scored:
            time.sleep(max(0.0, last_done + 10.5 - time.time()))
        s.key("Return")
        for level in (str(6 - n), "4", str(n)):
            s.key(level)
            if scored:
                time.sleep(0.8)
        s.wait_for("screen thank_you", n, 10)
        last_done = time.time()
    s.wait_for("screen welcome", count, 15)


def type_pin(s, pin):
    s.xdotool("type", "--delay", "120", pin)
    s.key("Return")


def click_pin(s, pin):
    for digit in pin:
        s.tap("staff_pad", "key_" + digit)
    s.tap("staff_pad", "ok")


def plant_a_refusal(s):
    """What the uploader leaves when the server refuses a record (Outbox::mark_refused)."""
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3"), timeout=10) as db:
        db.execute("UPDATE responses SET upload_state = 'refused', refusal_code = 'conflict', "
                   "refusal_detail = 'id already stored with other content', "
                   "refused_at = '2026-11-29T08:00:00Z' WHERE seq = 1")


def upload_state_of_first(s):
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3"), timeout=10) as db:
        return db.execute("SELECT upload_state FROM responses WHERE seq = 1").fetchone()[0]


def retry_refused_without_uploader(s):
    """The panel counts the refused record with the server's reason; "retry refused"
    (no uploader here) puts it back to waiting through the store."""
    s.wait_texts(lambda texts: any("被服务器拒收：1 条 — conflict: id already stored" in t for t in texts),
                 "the panel must show the refused record with its reason")
    s.screenshot("staff-03b-panel-refused")
    s.tap("staff_panel", "retry_refused")
    s.wait_for("1 refused records requeued by staff", 1, 10)
    check(upload_state_of_first(s) == "waiting", "retry refused must make the record waiting")
    s.wait_texts(lambda texts: not any("被服务器拒收" in t for t in texts),
                 "the refused line must go once nothing is refused")


def staff_login_and_exports(s, exports):
    plant_a_refusal(s)
    s.key("F10")
    s.wait_for("staff pin pad", 1, 10)
    s.screenshot("staff-01-pin-pad")
    s.key("F10")  # on the open pad: nothing
    type_pin(s, "1111")
    s.wait_for("staff_login_failed", 1, 10)  # handled after the F10
    check(s.log_text().count("staff pin pad") == 1, "F10 on the open pad must do nothing")
    check("staff mode closed" not in s.log_text(), "a wrong PIN must keep the pad open")
    s.screenshot("staff-02-wrong-pin")
    s.tap("staff_pad", "key_9")  # the pad was cleared: this and the right PIN make a wrong one
    type_pin(s, PIN)
    s.wait_for("staff_login_failed", 2, 10)
    click_pin(s, PIN)
    s.wait_for("staff panel", 1, 15)
    time.sleep(0.3)
    s.screenshot("staff-03-panel")
    retry_refused_without_uploader(s)
    for index, fmt in enumerate(FORMATS):
        s.tap("staff_panel", "format_" + fmt)
        s.tap("staff_panel", "export")
        s.wait_for("staff export ", index + 1, 20)
    time.sleep(0.3)
    s.screenshot("staff-04-panel-exported")
    names = sorted(os.listdir(exports))
    check(len(names) == 3, f"three export files expected, got {names}")
    s.tap("staff_panel", "leave")
    s.wait_for("staff mode closed", 1, 10)
    s.wait_for("screen welcome", 4, 10)
    return {name.rsplit(".", 1)[1]: os.path.join(exports, name) for name in names}


def check_exports(files, responses):
    with open(files["jsonl"], encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    check(len(records) == responses, f"JSONL records: {len(records)}")
    with open(files["csv"], encoding="utf-8-sig", newline="") as f:  # BOM-aware
        rows = list(csv.reader(f))
    check(rows[0][0] == "id" and len(rows) == responses + 1, f"CSV rows: {len(rows)}")
    with open(files["csv"], "rb") as f:
        check(f.read(3) == b"\xef\xbb\xbf", "CSV BOM")
    sheet = subprocess.run(["unzip", "-p", files["xlsx"], "xl/worksheets/sheet1.xml"],
                           capture_output=True, check=True, timeout=20).stdout.decode("utf-8")
    check("序号 seq" in sheet and re.search("1.1 [\u4e00-\u9fff]", sheet),
          "XLSX responses sheet with Chinese item headers")
    summary = subprocess.run(["unzip", "-p", files["xlsx"], "xl/worksheets/sheet2.xml"],
                             capture_output=True, check=True, timeout=20).stdout.decode("utf-8")
    check("平均体验系数" in summary, "XLSX summary sheet with the score breakdown")
    book = subprocess.run(["unzip", "-p", files["xlsx"], "xl/workbook.xml"], capture_output=True,
                          check=True, timeout=20).stdout.decode("utf-8")
    check("答卷 Responses" in book and "汇总 Summary" in book, "XLSX sheet names")


def lockout(s):
    s.key("F10")
    s.wait_for("staff pin pad", 2, 10)
    for attempt in range(5):
        type_pin(s, "9999")
    s.wait_for("staff_lockout", 1, 15)
    time.sleep(1.2)
    s.screenshot("staff-05-lockout")
    type_pin(s, PIN)  # ignored during the lockout
    click_pin(s, PIN)
    s.key("Escape")  # closes the pad, handled after the PINs
    s.wait_for("staff mode closed", 2, 10)
    check(s.log_text().count("staff panel") == 1, "the right PIN must not log in during a lockout")


def lockout_survives_restart_then_quit(s):
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    s.start_kiosk(None, "--export-dir", os.path.join(s.workdir, "exports"))
    s.key("F10")
    s.wait_for("staff pin pad", 1, 10)
    type_pin(s, PIN)
    s.key("Escape")  # closes the pad, handled after the PIN
    s.wait_for("staff mode closed", 1, 10)
    check("staff panel" not in s.log_text(), "a restart must not end the lockout")
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")

    # The lockout's end, without waiting a minute: its persisted deadline moved to the past.
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3")) as db:
        db.execute("UPDATE settings SET value = '0' WHERE key = 'staff_locked_until_ms'")
    s.start_kiosk(None, "--export-dir", os.path.join(s.workdir, "exports"))
    corner = s.layout["screens"]["any"]["staff_corner"]
    s.xdotool("mousemove", str(int(corner["x"])), str(int(corner["y"])), "mousedown", "1")
    time.sleep(3.4)  # the long press opens the pad while still held
    s.wait_for("staff pin pad", 1, 5)
    s.xdotool("mouseup", "1")
    time.sleep(0.3)  # the release drawn
    s.screenshot("staff-06-pin-pad-long-press")
    click_pin(s, PIN)
    s.wait_for("staff panel", 1, 15)  # handled after the release
    check("screen question" not in s.log_text(), "the long press must not start a survey")
    s.tap("staff_panel", "quit")
    check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")
    check("quit by staff" in s.log_text(), "quit message")


def check_audit(s, files, responses):
    done = run(s, "audit", "--data-dir", s.data)
    check(done.returncode == 0, f"audit failed: {done.stderr}")
    entries = [json.loads(line) for line in done.stdout.splitlines()]
    for entry in entries:
        check(set(entry) == {"event", "at", "detail"}, f"audit fields: {entry}")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["at"]), f"UTC time: {entry}")
    events = [e["event"] for e in entries]
    for name in ("pin_set", "staff_login_failed", "staff_lockout", "staff_login", "export",
                 "staff_quit"):
        check(name in events, f"audit log lacks {name}: {events}")
    check(events.count("staff_login") == 2, f"two logins: {events}")
    exports = [e["detail"] for e in entries if e["event"] == "export"]
    check(len(exports) == 3, "three export events")
    for detail in exports:
        with open(detail["file"], "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        check(detail["sha256"] == digest, f"sha256 of {detail['file']}")
        check(detail["records"] == responses, f"records in {detail}")
        check(os.path.realpath(detail["file"]) == os.path.realpath(files[detail["format"]]),
              "export file path")


def export_to_a_full_medium(s):
    """A panel export to a medium with no room left fails in every format: the panel says
    so, and nothing is left on the medium (no temporary file, no partial export)."""
    medium = os.path.join(s.workdir, "full-medium")
    os.makedirs(medium)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", medium],
                             capture_output=True, text=True, timeout=30)
    check(mounted.returncode == 0,
          f"cannot mount a small tmpfs as the full medium (the test must run as root): "
          f"{mounted.stderr.strip()}")
    try:
        fd = os.open(os.path.join(medium, "filler"), os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as error:
            check(error.errno == 28, f"filling the medium: {error}")  # ENOSPC: full
        finally:
            os.close(fd)
        s.start_kiosk(None, "--export-dir", medium)
        s.key("F10")
        s.wait_for("staff pin pad", 1, 10)
        type_pin(s, PIN)
        s.wait_for("staff panel", 1, 15)
        for index, fmt in enumerate(FORMATS):
            s.tap("staff_panel", "format_" + fmt)
            s.tap("staff_panel", "export")
            s.wait_for("staff export failed", index + 1, 20)
        # The reason comes first, before the long path the panel may shorten.
        s.wait_texts(lambda texts: any(t.startswith("导出失败：") and "No space left on device" in t[:120]
                                       for t in texts), "the export failure's reason on the panel")
        time.sleep(0.3)  # the message drawn
        s.screenshot("staff-09-panel-export-full-medium")
        check(os.listdir(medium) == ["filler"], f"a failed export left {os.listdir(medium)}")
        check("staff export /" not in s.log_text(), "no export may succeed on a full medium")
        s.tap("staff_panel", "quit")
        check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")
    finally:
        subprocess.run(["umount", medium], timeout=30)


def store_error_on_the_panel(s):
    """A store that can no longer be read (its file overwritten under the running kiosk)
    reads "store error" with the reason on the panel, never counts or "not synced"."""
    data = os.path.join(s.workdir, "broken-store")
    done = run(s, "set-pin", "--data-dir", data, stdin=PIN + "\n")
    check(done.returncode == 0, f"set-pin failed: {done.stderr}")
    s.start_kiosk(data)
    s.key("F10")
    s.wait_for("staff pin pad", 1, 10)
    type_pin(s, PIN)
    s.wait_for("staff panel", 1, 15)
    s.wait_texts(lambda texts: any("尚未同步" in t for t in texts), "the panel before the damage")
    for suffix in ("", "-wal", "-shm"):  # all three, or the connection reads its cached pages
        path = os.path.join(data, "responses.sqlite3" + suffix)
        if os.path.exists(path):
            with open(path, "r+b") as f:
                f.write(b"\0" * os.path.getsize(path))
    texts = s.wait_texts(lambda texts: sum("存储错误" in t for t in texts) >= 2,
                         "the panel must say store error in its counts and sync cards", 30)
    check(not any("尚未同步" in t for t in texts), "no 'not synced yet' when the store is unknown")
    time.sleep(0.3)  # drawn
    s.screenshot("staff-10-panel-store-error")
    s.tap("staff_panel", "quit")
    check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")


def audit_events(s):
    done = run(s, "audit", "--data-dir", s.data)
    check(done.returncode == 0, f"audit failed: {done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines()]


def wait_for_sync_event(s, result, count, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        events = [e for e in audit_events(s) if e["event"] == "sync"]
        if sum(e["detail"]["result"] == result for e in events) >= count:
            return events
        time.sleep(0.3)
    raise Failure(f"no sync {result} event in the audit log within {timeout} s")


def sync_now_reaches_the_server(s, server, config_dir):
    """The uploader fails while the server is down; staff see it on the panel, the
    server comes up, "sync now" uploads at once (the worker would otherwise wait
    out its retry delay or the hour-long interval), and the panel follows."""
    port = free_port()
    server_db = "sqlite:" + os.path.join(s.workdir, "server.db")
    added = subprocess.run([server, "add-token", "--db", server_db, "--role", "device", "--org", "e2e-org",
                            "--site", "lab", "--device", "e2e-kiosk"],
                           capture_output=True, text=True, timeout=30)
    check(added.returncode == 0, f"add-token: {added.stderr}")
    token = added.stdout.strip().splitlines()[-1]
    s.write_token(token)
    s.start_kiosk(None, "--server", f"http://127.0.0.1:{port}", "--sync-interval", "3600")
    # A failed attempt after the one planted by show_a_failed_sync (same result: no audit event).
    deadline = time.time() + 20
    while time.time() < deadline:
        with sqlite3.connect(os.path.join(s.data, "responses.sqlite3")) as store:
            at, ok = store.execute("SELECT at, ok FROM sync_state").fetchone()
        if at != PLANTED_SYNC_AT:
            break
        time.sleep(0.3)
    check(at != PLANTED_SYNC_AT and ok == 0, "the uploader must record its failed attempt")
    server_proc = subprocess.Popen([server, "serve", "--db", server_db, "--listen", f"127.0.0.1:{port}",
                                    "--config", config_dir],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server_proc.stdout.readline()
        check("listening on" in line, f"cxserver did not start: {line!r}")
        s.key("F10")
        s.wait_for("staff pin pad", 1, 10)
        type_pin(s, PIN)
        s.wait_for("staff panel", 1, 15)
        time.sleep(0.3)
        s.screenshot("staff-07-panel-sync-failed")
        s.tap("staff_panel", "sync_now")
        wait_for_sync_event(s, "ok", 1, 15)
        time.sleep(2.5)  # the panel re-reads the sync state every 2 s
        s.screenshot("staff-08-panel-synced")
        check(any(e["event"] == "sync_requested" for e in audit_events(s)), "sync_requested audit")
        exported = os.path.join(s.workdir, "server.jsonl")
        done = subprocess.run([server, "export", "--db", server_db, "--org", "e2e-org", "--out", exported],
                              capture_output=True, text=True, timeout=30)
        check(done.returncode == 0, f"server export: {done.stderr}")
        with open(exported, encoding="utf-8") as f:
            check(len(f.read().splitlines()) == 3, "the server must hold the 3 responses")
        s.tap("staff_panel", "quit")
        check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")
    finally:
        server_proc.terminate()
        server_proc.wait(timeout=10)


def staff_flows(s, args):
    exports = os.path.join(s.workdir, "exports")
    os.makedirs(exports)
    no_pin_never_opens_the_panel(s)
    set_pin(s)
    show_a_failed_sync(s)
    s.start_kiosk(None, "--items-per-respondent", "3", "--export-dir", exports)
    answer_short_surveys(s, 3)
    files = staff_login_and_exports(s, exports)
    check_exports(files, 3)
    lockout(s)
    lockout_survives_restart_then_quit(s)
    check_audit(s, files, 3)
    export_to_a_full_medium(s)
    if args.server:
        sync_now_reaches_the_server(s, args.server, args.config_dir)
    store_error_on_the_panel(s)
    print(f"e2e staff: passed, screenshots in {args.artifacts}")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e-staff", ("unzip",), staff_flows, ("--server", "--config-dir")))
