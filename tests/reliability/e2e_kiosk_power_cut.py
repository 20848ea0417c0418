#!/usr/bin/env python3
"""Power cut (issue 12): the real cxkiosk under Xvfb with its data dir on powercut_fs (a
FUSE filesystem that keeps every unsynced write in memory, tests/reliability/powercut_fs.cpp),
customers answering short surveys by keys, and at a random moment the power goes: every
write not yet fsync'ed is dropped and every further operation fails with EIO. The kiosk is
killed (-9), the filesystem unmounted and mounted afresh over the same disk, --cuts times
(ctest: 5; tests/reliability/run-long.sh: POWER_CUTS, default 50). Every other cut comes
0-60 ms after a survey's last answer, so that some land before, during and after its commit.

After every cut: the store passes PRAGMA integrity_check and every response whose thank-you
screen was shown (the kiosk shows it only after the commit; after the cut no commit can
succeed) is stored, complete, exactly once; the kiosk starts again on the welcome screen. At
the end the seqs are 1..N without a gap and the hash chain verifies (the independent Python
seal of tests/scoring/seal_vectors.py). Prints the figures for tests/reliability/README.md:
responses acknowledged, found, lost, duplicated, and the moment of each cut after the last
thank-you screen (seen by polling the kiosk's log every 10 ms).
"""
import os
import random
import signal
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "kiosk"))
from e2e_kiosk import check, run_e2e  # noqa: E402
from e2e_kiosk_crash_loop import (ITEMS, answer_until_killed, integrity,  # noqa: E402
                                  stop_and_check_export, store_path, stored_complete_seqs,
                                  thanked_seqs)
from powercut_mount import PowerCutMount  # noqa: E402


def watch_thank_yous(s, stop, seen_at):
    """Appends the monotonic time at which each new thank-you screen shows up in the log."""
    seen = 0
    while not stop.is_set():
        count = s.log_text().count("screen thank_you")
        seen_at.extend([time.monotonic()] * (count - seen))
        seen = count
        time.sleep(0.01)


def start_on_welcome(s, name):
    s.start_kiosk(None, "--items-per-respondent", str(ITEMS))
    dump = s.wait_dump(lambda d: True, "no screen dumped", timeout=5)
    check(dump["screen"] == "welcome", f"{name}: first screen {dump['screen']}, expected welcome")
    check("moved to" not in s.log_text(), f"{name}: the store was moved aside as damaged")


def customers_until_the_cut(s, fs, at_commit, rng):
    """Customers answer until the power goes, then the kiosk is killed. The cut comes at a
    random moment 0.3-6.5 s after the start, or (`at_commit`) 0-60 ms after a survey's last
    answer: before, during or just after its commit. Returns the seconds from the last
    thank-you screen to the cut (None: there was none)."""
    stop = threading.Event()
    last_answer = threading.Event()
    thank_yous = []
    threads = [threading.Thread(target=answer_until_killed, args=(s, stop, last_answer)),
               threading.Thread(target=watch_thank_yous, args=(s, stop, thank_yous))]
    for thread in threads:
        thread.start()
    if at_commit:
        check(last_answer.wait(timeout=15), "no survey was answered to its end")
        time.sleep(rng.uniform(0, 0.06))
    else:
        time.sleep(rng.uniform(0.3, 6.5))
    fs.cut()
    cut_at = time.monotonic()
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return cut_at - thank_yous[-1] if thank_yous else None


def power_cuts(s, args):
    cuts = int(args.cuts)
    fs = PowerCutMount(args.powercut_fs, os.path.join(s.workdir, "disk"),
                       os.path.join(s.workdir, "mnt"), os.path.join(s.workdir, "powercut_fs.log"))
    # Made by the kiosk on its first start, parents and all: their names must survive too.
    s.data = os.path.join(fs.mountpoint, "var", "lib", "cxkiosk")
    rng = random.Random(20261130)
    acknowledged = found = lost = duplicates = 0
    with fs:
        for cut in range(1, cuts + 1):
            start_on_welcome(s, f"start {cut}")
            if cut == 2:
                s.screenshot("remount-1-welcome")
            at_commit = cut % 2 == 0
            after_thanks = customers_until_the_cut(s, fs, at_commit, rng)
            thanked = thanked_seqs(s.log_text())
            fs.remount()
            check(os.path.exists(store_path(s)), f"cut {cut}: no store after the remount")
            check(integrity(s) == "ok", f"cut {cut}: integrity_check failed: {integrity(s)}")
            stored = stored_complete_seqs(s)
            there = [seq for seq in thanked if stored.get(seq, 0) >= 1]
            acknowledged += len(thanked)
            found += len(there)
            lost += len(thanked) - len(there)
            duplicates += sum(stored.get(seq, 0) - 1 for seq in there)
            moment = "no thank-you screen before it" if after_thanks is None else \
                f"{after_thanks * 1000:+.0f} ms after the last thank-you screen"
            print(f"cut {cut} ({'at a commit' if at_commit else 'at a random moment'}): "
                  f"{len(thanked)} acknowledged, {len(there)} found, {len(stored)} complete "
                  f"responses stored in all; {moment}")
            check(there == thanked and all(stored[seq] == 1 for seq in thanked),
                  f"cut {cut}: thanked seqs {thanked}, stored {stored}")
        start_on_welcome(s, "after the last cut")
        lines = stop_and_check_export(s)
    check(acknowledged >= cuts // 2, f"only {acknowledged} thank-you screens before {cuts} cuts: "
                                     "the test did not exercise commits")
    print(f"kiosk power cut: {cuts} cuts, {acknowledged} responses acknowledged before a cut, "
          f"{found} found, {lost} lost, {duplicates} duplicates; {len(lines)} records, seqs 1.."
          f"{len(lines)}, chain verified; screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("kiosk-power-cut", ("umount",), power_cuts, options=("--cuts", "--powercut-fs")))
