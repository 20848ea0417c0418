#!/usr/bin/env python3
"""Opening hours end to end: the real cxkiosk under Xvfb with opening_hours built from
the current local time (no clock is faked).

1. Closed now, opening at the first whole minute at least 40 s away: the closed screen
   ("暂停服务 / Closed" and when it opens) is shown and starts no survey on a tap or a key;
   + gives large text; the corner long press and the PIN open staff mode from it, and
   leaving staff mode returns to it. At the opening minute the welcome screen comes back
   by itself.
2. Open now (00:00-24:00 today and tomorrow): the welcome screen, never the closed one.
Screenshots go to --artifacts (look at them).
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
from e2e_kiosk import check, run_e2e  # noqa: E402

PIN = "1357"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def write_settings(s, name, hours):
    path = os.path.join(s.workdir, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"opening_hours": hours}, f)
    return path


def shown(s, screen, staff=0, size="normal", timeout=15):
    return s.wait_dump(
        lambda d: d["screen"] == screen and d["staff"] == staff and d["text_size"] == size,
        f"the kiosk never showed {screen} (staff {staff}, {size} text)", timeout)


def stop(s):
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def texts_of(dump):
    return [t["text"] for t in dump["texts"]]


def closed_then_open(s):
    now = datetime.datetime.now()
    opening = (now + datetime.timedelta(seconds=40 + 59)).replace(second=0, microsecond=0)
    day = DAYS[opening.weekday()]
    settings = write_settings(s, "closed.json", {day: [opening.strftime("%H:%M") + "-24:00"]})
    data = os.path.join(s.workdir, "data-closed")
    done = subprocess.run([s.kiosk, "set-pin", "--data-dir", data], input=PIN + "\n",
                          capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, f"set-pin: {done.stderr}")
    s.start_kiosk(data, "--config", settings)

    dump = shown(s, "closed")
    when = "今天" if opening.date() == now.date() else "明天"
    expected = ["暂停服务", "Closed", f"{when} {opening:%H:%M} 开放",
                f"Opens {'today' if when == '今天' else 'tomorrow'} {opening:%H:%M}"]
    check(texts_of(dump) == expected, f"closed screen texts {texts_of(dump)}, expected {expected}")
    s.check_fit(dump, "closed")
    time.sleep(0.4)  # past the fade-in
    s.screenshot("hours-01-closed")

    # Nothing to start: a tap and the keys that start or answer on the welcome screen.
    s.click((640, 400))
    s.key("Return")
    s.key("3")
    s.wait_without("screen question", 1.0, "the closed screen must not start a survey")
    s.key("plus")
    s.large = True
    s.check_fit(shown(s, "closed", size="large"), "closed (large)")
    time.sleep(0.4)
    s.screenshot("hours-02-closed-large")
    s.key("plus")
    s.large = False
    shown(s, "closed")

    # Staff mode from the closed screen: the corner long press, then the PIN.
    corner = s.layout["screens"]["any"]["staff_corner"]
    s.xdotool("mousemove", str(int(corner["x"])), str(int(corner["y"])), "mousedown", "1")
    shown(s, "closed", staff=1, timeout=10)
    s.xdotool("mouseup", "1")
    s.xdotool("type", "--delay", "120", PIN)
    s.key("Return")
    shown(s, "closed", staff=2, timeout=10)
    s.screenshot("hours-03-staff-panel-while-closed")
    s.tap("staff_panel", "leave")
    shown(s, "closed")
    check("screen question" not in s.log_text(), "no survey may start while closed")

    # Opening time: the welcome screen by itself, with no input.
    left = (opening - datetime.datetime.now()).total_seconds()
    check(left > 2, f"the steps above took too long: {left:.0f} s left before opening")
    shown(s, "welcome", timeout=left + 10)
    late = (datetime.datetime.now() - opening).total_seconds()
    check(late < 5, f"the welcome screen came {late:.1f} s after the opening time")
    time.sleep(0.4)
    s.screenshot("hours-04-opened")
    stop(s)


def open_now(s):
    today = datetime.date.today()
    days = {DAYS[today.weekday()]: ["00:00-24:00"],
            DAYS[(today + datetime.timedelta(days=1)).weekday()]: ["00:00-24:00"]}
    settings = write_settings(s, "open.json", days)
    s.start_kiosk(os.path.join(s.workdir, "data-open"), "--config", settings)
    shown(s, "welcome")
    s.wait_without("screen closed", 1.0, "a kiosk inside its opening hours must not close")
    s.screenshot("hours-05-open")
    s.key("Return")
    s.wait_for("screen question", 1, 10)
    stop(s)


def hours_flows(s, args):
    open_now(s)
    closed_then_open(s)
    print(f"e2e hours: closed screen, staff mode from it, opening by itself and an open "
          f"kiosk checked; screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e-hours", (), hours_flows))
