#!/usr/bin/env python3
"""WCAG 2.1 AA contrast of every text on every kiosk screen, measured in screenshots.

The real cxkiosk under Xvfb writes the texts each frame shows with their boxes
(--dump-texts). For each screen (welcome, question, idle prompt, thank-you,
save failed — each in normal and in large text —, staff PIN pad with and without
a PIN, wrong PIN, panel) in both languages, and the closed screen outside the opening
hours (it shows both languages at once) in normal and large text, the customer screens' texts are
checked to fit (e2e_kiosk.Session.check_fit), a screenshot is taken and each text's box is read back: its
background is the most common colour in the box, its ink the colour in it
farthest from that, and their contrast ratio must be at least 4.5 : 1, or 3 : 1
for large text. Large is bold from 18.7 px only: the issue counts the regular
29 px card labels as normal text, so regular text is held to 4.5 : 1 at any size.
Screenshots go to --artifacts.
"""
import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

sys.dont_write_bytecode = True
from e2e_kiosk import Failure, check, run_e2e  # noqa: E402

PIN = "2468"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
LARGE_BOLD_TEXT_PX = 18.7  # WCAG "large text" (14 pt bold) at the 1280x800 reference


def luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def read_ppm(data):
    """(width, height, bytes) of a binary PPM (P6, maxval 255)."""
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    check(fields[0] == b"P6" and fields[3] == b"255", "screenshot is not a P6 PPM")
    return int(fields[1]), int(fields[2]), data[pos + 1:]


class Contrast:
    def __init__(self, s):
        self.s = s
        self.measured = 0
        self.failures = []

    def shown(self, screen, staff=0):
        """The kiosk's text dump once it shows `screen` (staff: 0 closed, 1 pad, 2 panel) in
        the text size the session expects."""
        size = "large" if self.s.large else "normal"
        return self.s.wait_dump(
            lambda d: d["screen"] == screen and d["staff"] == staff and d["text_size"] == size,
            f"the text dump never showed screen {screen} (staff {staff}, {size} text)", timeout=10)

    def check_screen(self, name, screen, staff=0):
        dump = self.shown(screen, staff)
        if staff == 0:
            self.s.check_fit(dump, name)
        texts = dump["texts"]
        time.sleep(0.4)  # past the fade-in
        # A loaded machine may not have drawn the screen yet (the fade's veil hides every
        # text): look again, a few times, before measuring.
        for _ in range(6):
            ratios = self.measure(name, texts)
            if any(ratio > 1.05 for _, ratio, _ in ratios):
                break
            time.sleep(0.5)
        for text, ratio, detail in ratios:
            needed = 3.0 if text["bold"] and text["size"] >= LARGE_BOLD_TEXT_PX else 4.5
            self.measured += 1
            if ratio < needed:
                self.failures.append(f"{name}: {text['text']!r} ({text['size']:.0f} px) "
                                     f"{detail}: {ratio:.2f} < {needed}")

    def measure(self, name, texts):
        """(text, contrast, "ink on background") for each text in a new screenshot."""
        self.s.screenshot(name)
        xwd = subprocess.run(["xwd", "-root", "-silent"], env=self.s.env, capture_output=True,
                             check=True, timeout=20)
        ppm = subprocess.run(["convert", "xwd:-", "ppm:-"], input=xwd.stdout, capture_output=True,
                             check=True, timeout=20).stdout
        width, height, pixels = read_ppm(ppm)
        results = []
        for text in texts:
            x0, y0 = max(0, int(text["x0"])), max(0, int(text["y0"]))
            x1, y1 = min(width, int(text["x1"]) + 1), min(height, int(text["y1"]) + 1)
            if x1 <= x0 or y1 <= y0:
                continue
            colours = Counter()
            for y in range(y0, y1):
                row = pixels[(y * width + x0) * 3:(y * width + x1) * 3]
                colours.update(tuple(row[i:i + 3]) for i in range(0, len(row), 3))
            background = colours.most_common(1)[0][0]
            ink = max(colours, key=lambda c: contrast(c, background))
            results.append((text, contrast(ink, background), f"{ink} on {background}"))
        return results


def set_pin(s, data):
    done = subprocess.run([s.kiosk, "set-pin", "--data-dir", data], input=PIN + "\n",
                          capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, f"set-pin: {done.stderr}")


def type_pin(s, pin):
    s.xdotool("type", "--delay", "120", pin)
    s.key("Return")


def new_customer(s, c, lang, size):
    """On the welcome screen: the language, and + for large text (each customer starts
    in Chinese at the normal size)."""
    c.shown("welcome")
    if lang == "en":
        s.tap("welcome", "lang_en")
    if size == "large":
        s.key("plus")
        s.large = True


def customer_screens(s, c, lang, size):
    tag = f"{lang}-{size}"
    new_customer(s, c, lang, size)
    c.check_screen(f"{tag}-01-welcome", "welcome")
    s.key("Return")
    c.check_screen(f"{tag}-02-question", "question")
    s.key("4")
    c.check_screen(f"{tag}-03-question-answered", "question")
    c.check_screen(f"{tag}-04-idle-prompt", "idle_prompt")  # after the 3 s idle timeout
    resumed = s.log_text().count("screen question") + 1
    s.key("space")
    s.wait_for("screen question", resumed, 10)  # resumed: the next key is not inside the debounce
    time.sleep(0.6)
    s.key("5")  # the second and last item of the short form
    c.check_screen(f"{tag}-05-thank-you", "thank_you")
    s.large = False


def unavailable_screen(s, c, lang, data, size):
    lock = sqlite3.connect(os.path.join(data, "responses.sqlite3"), isolation_level=None, timeout=5)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        new_customer(s, c, lang, size)
        s.key("Return")
        s.key("3")
        s.key("3")
        c.check_screen(f"{lang}-{size}-06-unavailable", "unavailable")
    finally:
        lock.rollback()
        lock.close()
        s.large = False


def staff_screens(s, c, lang):
    s.key("F10")
    c.check_screen(f"{lang}-07-staff-pad", "welcome", 1)
    type_pin(s, "1111")
    s.wait_for("staff_login_failed", 1, 10)
    c.check_screen(f"{lang}-08-staff-wrong-pin", "welcome", 1)
    type_pin(s, PIN)
    c.check_screen(f"{lang}-09-staff-panel", "welcome", 2)


def one_language(s, c, lang, workdir):
    data = os.path.join(workdir, "data-" + lang)
    exports = os.path.join(workdir, "exports-" + lang)
    os.makedirs(exports)
    s.start_kiosk(data, "--items-per-respondent", "2", "--export-dir", exports)
    if lang == "en":
        s.tap("welcome", "lang_en")
    s.key("F10")
    c.check_screen(f"{lang}-00-staff-pad-no-pin", "welcome", 1)
    s.key("Escape")
    for size in ("normal", "large"):
        customer_screens(s, c, lang, size)
    for size in ("normal", "large"):
        unavailable_screen(s, c, lang, data, size)
        s.proc.send_signal(signal.SIGTERM)  # rather than wait for a write probe
        check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
        if size == "normal":
            s.start_kiosk(data, "--items-per-respondent", "2")
    set_pin(s, data)
    s.start_kiosk(data, "--export-dir", exports)
    if lang == "en":
        s.tap("welcome", "lang_en")
    staff_screens(s, c, lang)
    s.tap("staff_panel", "quit")
    check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")


def closed_screen(s, c, workdir):
    """Closed today, open tomorrow 08:30-17:30: the closed screen in both text sizes."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    settings = os.path.join(workdir, "closed.json")
    with open(settings, "w", encoding="utf-8") as f:
        json.dump({"opening_hours": {DAYS[tomorrow.weekday()]: ["08:30-17:30"]}}, f)
    s.start_kiosk(os.path.join(workdir, "data-closed"), "--config", settings)
    c.check_screen("zh+en-normal-10-closed", "closed")
    s.key("plus")
    s.large = True
    c.check_screen("zh+en-large-10-closed", "closed")
    s.large = False
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def contrast_flows(s, args):
    c = Contrast(s)
    for lang in ("zh", "en"):
        one_language(s, c, lang, s.workdir)
    closed_screen(s, c, s.workdir)
    check(not c.failures, "texts below WCAG 2.1 AA contrast:\n" + "\n".join(c.failures))
    print(f"e2e contrast: {c.measured} texts measured, all at WCAG 2.1 AA; "
          f"screenshots in {args.artifacts}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e-contrast", (), contrast_flows))
