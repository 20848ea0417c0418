#!/usr/bin/env python3
"""Kiosk crash loop (issue 12): the real cxkiosk under Xvfb, customers answering
short surveys by keys, killed with SIGKILL at random moments (on the welcome,
question and thank-you screens alike) and started again, --kills times
(ctest: 20; tests/reliability/run-long.sh: 200).

After every kill: the store passes PRAGMA integrity_check, and every response
whose thank-you screen was shown (the kiosk shows it only after the commit) is
stored, complete, exactly once. After every restart the kiosk is back on the
welcome screen within 2 s of its process start (its own --report-startup
figure, and the screen it drew). At the end the seqs are 1..N with no gap and
the hash chain verifies (tests/scoring/seal_vectors.py, independent of the C++).
"""
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kiosk"))
from e2e_kiosk import Failure, check, check_chain, export, run_e2e  # noqa: E402

ITEMS = 3  # --items-per-respondent: short surveys, many per run
KEY_PAUSE = 0.35  # over the kiosk's 300 ms debounce
WELCOME_WITHIN_MS = 2000


def store_path(s):
    return os.path.join(s.data, "responses.sqlite3")


def integrity(s):
    with sqlite3.connect(store_path(s)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def stored_complete_seqs(s):
    """seq → number of complete rows with it (the table's UNIQUE makes it 1; counted anyway)."""
    with sqlite3.connect(store_path(s)) as db:
        rows = db.execute("SELECT seq, COUNT(*) FROM responses WHERE status = 'complete' "
                          "GROUP BY seq").fetchall()
    return dict(rows)


def thanked_seqs(log):
    """The seqs whose thank-you screen the kiosk reached: each `screen thank_you` line
    follows the `saved response seq N (complete)` line of its commit."""
    thanked, last_saved = [], None
    for line in log.splitlines():
        saved = re.search(r"saved response seq (\d+) \(complete\)", line)
        if saved:
            last_saved = int(saved.group(1))
        elif line.endswith("screen thank_you"):
            check(last_saved is not None, "a thank-you screen without a commit before it")
            thanked.append(last_saved)
            last_saved = None
    return thanked


def answer_until_killed(s, stop, last_answer=None):
    """Customers one after another until the kiosk dies: start, answer, thank-you, again.
    `last_answer` (a threading.Event), if given, is set as each survey's last key is sent."""
    rng = random.Random(os.getpid())
    while not stop.is_set() and s.proc.poll() is None:
        try:
            s.xdotool("key", "Return")
            time.sleep(KEY_PAUSE)
            for item in range(ITEMS):
                s.xdotool("key", str(rng.randint(0, 5)))  # 0 is N/A
                if last_answer and item == ITEMS - 1:
                    last_answer.set()
                time.sleep(KEY_PAUSE)
            stop.wait(rng.uniform(0, 5.5))  # the thank-you screen lasts 5 s
        except subprocess.SubprocessError:
            return  # the X server went away at the end


def stop_and_check_export(s):
    """Screenshots the running kiosk, stops it with SIGTERM (exit 0), exports its store and
    checks that the seqs are 1..N without a gap and the hash chain verifies; returns the lines."""
    s.screenshot("final-welcome")
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    lines = export(s, "jsonl").decode("utf-8").splitlines()
    seqs = [int(re.search(r'"seq":(\d+)', line).group(1)) for line in lines]
    check(seqs == list(range(1, len(seqs) + 1)), f"seqs are not 1..{len(seqs)} without gaps")
    check_chain(s, lines)
    return lines


def crash_loop(s, args):
    kills = int(args.kills)
    rng = random.Random(20261130)
    thanked_total = 0
    startup_ms = []
    for kill in range(kills):
        s.start_kiosk(None, "--items-per-respondent", str(ITEMS))
        started = re.findall(r"first frame (\d+) ms after process start", s.log_text())
        check(started, "no startup figure")
        startup_ms.append(int(started[-1]))
        dump = s.wait_dump(lambda d: True, "no screen dumped", timeout=5)
        check(dump["screen"] == "welcome",
              f"restart {kill}: first screen {dump['screen']}, expected welcome")
        check(startup_ms[-1] <= WELCOME_WITHIN_MS,
              f"restart {kill}: welcome after {startup_ms[-1]} ms (> {WELCOME_WITHIN_MS})")
        if kill % 5 == 0:
            s.screenshot(f"restart-{kill:03d}-welcome")
        stop = threading.Event()
        customers = threading.Thread(target=answer_until_killed, args=(s, stop))
        customers.start()
        time.sleep(rng.uniform(0.3, 6.5))  # a random moment of the surveys
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=10)
        stop.set()
        customers.join(timeout=30)
        thanked = thanked_seqs(s.log_text())
        thanked_total += len(thanked)
        check(integrity(s) == "ok", f"kill {kill}: integrity_check failed: {integrity(s)}")
        stored = stored_complete_seqs(s)
        for seq in thanked:
            check(stored.get(seq) == 1, f"kill {kill}: seq {seq} was thanked but is stored "
                                        f"{stored.get(seq, 0)} times")
    s.start_kiosk()
    s.wait_dump(lambda d: d["screen"] == "welcome", "welcome after the last restart")
    lines = stop_and_check_export(s)
    check(thanked_total >= kills // 2, f"only {thanked_total} thank-you screens in {kills} runs: "
                                       "the loop did not exercise commits")
    startup_ms.sort()
    print(f"kiosk crash loop: {kills} kills, {len(lines)} records stored, {thanked_total} thanked "
          f"and all there once, lost 0; welcome after {startup_ms[len(startup_ms) // 2]} ms median, "
          f"{startup_ms[-1]} ms worst; screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("kiosk-crash-loop", (), crash_loop, options=("--kills",)))
