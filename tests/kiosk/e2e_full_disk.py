#!/usr/bin/env python3
"""The real cxkiosk under Xvfb with its data dir on a small tmpfs the test mounts (as root),
filled while customers answer.

One survey is thanked and stored. The disk is filled; the next customer answers every question
and sees the unavailable screen (暂停服务 — 请告知工作人员, and that their answers were not saved),
never a thank-you; taps and keys start no survey. Staff mode shows why (disk full, since when, the
free space, the last write check) and that the login went unrecorded; an export (to a folder
with room) is refused because its audit line cannot be written, and leaves no file. Leaving
staff mode keeps the kiosk unavailable. The filler is deleted: the kiosk returns to the welcome screen by itself, and the
next response is saved. Every thanked response is in the store exactly once, `PRAGMA
integrity_check` is ok and the audit log records the outage. Screenshots go to --artifacts.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # importing the kiosk e2e helpers leaves no __pycache__ in the tree
from e2e_kiosk import check, run_e2e  # noqa: E402
from e2e_staff import PIN, run, type_pin  # noqa: E402

DISK = "4m"  # the small filesystem: the store and a few responses fit, the filler takes the rest
NOT_SAVED = ("您刚才的评价未能保存", "The answers you just gave were not saved")
UNAVAILABLE = ("暂停服务 — 请告知工作人员", "Temporarily unavailable — please tell the staff")


def mount_small_disk(path):
    check(os.geteuid() == 0, "this test mounts a tmpfs: it runs as root (here and in CI)")
    os.makedirs(path)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "cxkiosk-e2e",
                           path], capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"cannot mount a tmpfs at {path}: {done.stderr}")


def fill(path):
    """Writes a filler file until the filesystem refuses more (ENOSPC)."""
    block = b"\0" * (64 * 1024)
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as error:
            check(error.errno == 28, f"filling the disk: {error}")
    # Whatever a partial block left: a byte at a time until none fits.
    with open(path, "ab", buffering=0) as f:
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass


def answer_short_survey(s):
    s.key("Return")
    s.wait_dump(lambda d: d["screen"] == "question", "a survey starts")
    s.key("4")
    s.key("5")  # the short form's second and last item


def full_disk(s, args):
    disk = os.path.join(s.workdir, "small")
    mount_small_disk(disk)
    try:
        flow(s, disk)
    finally:
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait(timeout=10)
        subprocess.run(["umount", "-l", disk], timeout=30)


def flow(s, disk):
    data = os.path.join(disk, "data")
    exports = os.path.join(s.workdir, "exports")  # room there: only the audit line fails
    os.makedirs(exports)
    done = run(s, "set-pin", "--data-dir", data, stdin=PIN + "\n")
    check(done.returncode == 0, f"set-pin failed: {done.stderr}")
    s.start_kiosk(data, "--items-per-respondent", "2", "--export-dir", exports)

    answer_short_survey(s)  # the first customer: thanked and stored
    s.wait_for("saved response seq 1 (complete)", 1, 10)
    s.wait_for("screen thank_you", 1, 10)
    s.wait_for("screen welcome", 1, 15)

    filler = os.path.join(disk, "filler")
    fill(filler)
    answer_short_survey(s)  # the second customer: the disk is full
    dump = s.wait_dump(lambda d: d["screen"] == "unavailable", "the unavailable screen")
    texts = [t["text"] for t in dump["texts"]]
    for text in NOT_SAVED + UNAVAILABLE:
        check(text in texts, f"the unavailable screen lacks {text!r}: {texts}")
    s.check_fit(dump, "unavailable")
    time.sleep(0.3)  # past the fade-in
    s.screenshot("fulldisk-01-unavailable-answers-not-saved")
    check(s.log_text().count("screen thank_you") == 1, "a thank-you for an answer not saved")
    s.wait_for("write probe failed (disk_full)", 1, 10)

    # Customers cannot start a survey that could not be saved.
    s.key("Return")
    s.click((640, 500))
    s.wait_without("screen question", 2, "a survey started while responses cannot be stored")

    # Staff: the reason, and what cannot be audited is not done.
    s.key("F10")
    s.wait_for("staff pin pad", 1, 10)
    type_pin(s, PIN)
    panel = s.wait_texts(lambda t: any(x.startswith("原因：") for x in t), "the outage on the panel")
    for start in ("原因：磁盘已满", "开始于 ", "数据目录可用空间：", "上次写入检查 ", "本次登录未能写入审计日志"):
        check(any(x.startswith(start) for x in panel), f"the panel lacks {start!r}: {panel}")
    time.sleep(0.3)
    s.screenshot("fulldisk-02-staff-reason")
    s.tap("staff_panel", "export")
    s.wait_texts(lambda t: any(x.startswith("导出失败") and "audit log cannot record" in x for x in t),
                 "an export the audit log cannot record is refused")
    check(os.listdir(exports) == [], f"a refused export left {os.listdir(exports)}")
    time.sleep(0.3)
    s.screenshot("fulldisk-03-staff-export-refused")
    s.tap("staff_panel", "leave")
    s.wait_for("staff mode closed", 1, 10)
    s.wait_dump(lambda d: d["staff"] == 0 and d["screen"] == "unavailable",
                "still unavailable after staff mode")
    # The notice was for the customer who answered; the next one reads only that it is paused.
    later = s.wait_dump(lambda d: d["staff"] == 0 and not any(t["text"] in NOT_SAVED for t in d["texts"]),
                        "the notice goes after its 15 s", timeout=20)
    check(later["screen"] == "unavailable" and
          all(text in [t["text"] for t in later["texts"]] for text in UNAVAILABLE),
          f"the next customer's screen: {later}")
    s.check_fit(later, "unavailable without the notice")
    time.sleep(0.3)
    s.screenshot("fulldisk-04-unavailable-next-customer")

    # Space returns: back to the welcome screen by itself, and the next response is kept.
    os.remove(filler)
    s.wait_for("write probe passed", 1, 30)
    s.wait_dump(lambda d: d["screen"] == "welcome", "the welcome screen after space returns")
    answer_short_survey(s)
    s.wait_for("saved response seq 2 (complete)", 1, 10)
    s.wait_for("screen thank_you", 2, 10)
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    check_store(s, data)


def check_store(s, data):
    thanked = s.log_text().count("screen thank_you")
    with sqlite3.connect(f"file:{os.path.join(data, 'responses.sqlite3')}?mode=ro", uri=True) as db:
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check")
        rows = db.execute("SELECT seq, status FROM responses ORDER BY seq").fetchall()
    check(rows == [(1, "complete"), (2, "complete")] and thanked == 2,
          f"stored {rows}, thanked {thanked}: every thanked response exactly once")
    done = run(s, "audit", "--data-dir", data)
    check(done.returncode == 0, f"cxkiosk audit failed: {done.stderr}")
    events = [json.loads(line) for line in done.stdout.splitlines()]
    outages = [e for e in events if e["event"] == "store_unavailable"]
    check(len(outages) == 1 and outages[0]["detail"]["reason"] == "disk_full",
          f"the audit log must record the outage: {outages}")
    check(not any(e["event"] == "export" for e in events), "an export that did not happen")
    print("full disk e2e: 2 responses thanked and stored once, the outage seen and recorded")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("kiosk_fulldisk_e2e", ("mount", "umount"), full_disk))
