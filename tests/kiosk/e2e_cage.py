#!/usr/bin/env python3
"""The kiosk session of deploy/systemd/cxkiosk-session.service, headless: its own ExecStart
(cage, then cxkiosk) run as systemd would run it, on wlroots' headless backend.

PID 1 here is not systemd, so the test plays systemd's part itself: an unprivileged user (cage
refuses to run as root; the unit runs it as cxkiosk, the test as nobody), an XDG_RUNTIME_DIR of
its own (0700), NOTIFY_SOCKET and WATCHDOG_USEC, and WATCHDOG_PID set to cage's PID as systemd
sets it to the main process's. It checks:
1. READY=1 from cxkiosk (through cage and `env -u WATCHDOG_PID`), then its watchdog pings;
2. a `grim` screenshot of cage's output shows the welcome screen (pixels checked, PNG kept);
3. `kill -9` of cxkiosk ends cage and its Xwayland: the unit's main process exits, which is
   what Restart=always restarts (systemd's part: e2e_session_systemd.py runs it);
4. the same ExecStart started again (as that restart does) brings the welcome screen back on
   the same data dir, READY=1 and pings again.
cage 0.1.4 on the headless backend shows black for a fullscreen view it tries to scan out
directly (the output commit is refused and the frame is then not rendered), so the test adds
`-r -r` (a half turn; the kiosk still sees 1280x720 landscape, grim turns the shot upright):
a transformed output is never scanned out directly.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.dont_write_bytecode = True
from e2e_contrast import read_ppm  # noqa: E402
from e2e_kiosk import Failure, check  # noqa: E402
from e2e_watchdog import NotifySocket  # noqa: E402

NOBODY = 65534
WATCHDOG_USEC = 2_000_000
HALF = WATCHDOG_USEC / 2e6


def exec_start(unit_path):
    """The unit's ExecStart= as an argv."""
    with open(unit_path, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.startswith("ExecStart=")]
    check(len(lines) == 1, f"{unit_path}: expected one ExecStart=, found {len(lines)}")
    return shlex.split(lines[0][len("ExecStart="):])


def session_argv(unit_argv, kiosk, settings, texts):
    """The unit's command with this build's cxkiosk, the test's settings (and in them its data
    dir), and the headless backend's half turn; every other word as the unit has it."""
    replace = {"/usr/bin/cxkiosk": kiosk, "/etc/cxkiosk/kiosk.json": settings}
    argv = [replace.get(word, word) for word in unit_argv]
    for word in replace:
        check(word in unit_argv, f"ExecStart no longer names {word}: update this test")
    check(argv[0].endswith("/cage") and "--" in argv, "ExecStart must be cage -- …")
    split = argv.index("--")
    return argv[:split] + ["-r", "-r"] + argv[split:] + ["--dump-texts", texts, "--report-startup"]


class Session:
    def __init__(self, argv, runtime, notify_path, log_path):
        self.log = open(log_path, "w")
        self.log_path = log_path
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_RUNTIME_DIR": runtime,
               "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1",
               "NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": str(WATCHDOG_USEC),
               "CXKIOSK_CONFIG_DIR": os.environ["CXKIOSK_CONFIG_DIR"]}
        for name in ("CXKIOSK_FONT", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]

        def as_systemd_would():
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.environ.clear()
            os.environ.update(env, WATCHDOG_PID=str(os.getpid()))  # the main process's PID

        # env=None: the child execs with the environment as_systemd_would() left it.
        self.cage = subprocess.Popen(argv, preexec_fn=as_systemd_would, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=None)

    def children(self):
        """PIDs of cage's direct children (cxkiosk; env execs it)."""
        with open(f"/proc/{self.cage.pid}/task/{self.cage.pid}/children") as f:
            return [int(pid) for pid in f.read().split()]

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def xwayland_of(runtime):
    """PIDs of the Xwayland servers that cage started for this XDG_RUNTIME_DIR."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != "Xwayland":
                    continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"XDG_RUNTIME_DIR={runtime}".encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise Failure(f"timed out: {message}")


def read_texts(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def screenshot(runtime, path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_RUNTIME_DIR": runtime,
           "WAYLAND_DISPLAY": "wayland-0"}
    subprocess.run(["grim", path], env=env, check=True, timeout=30)
    ppm = subprocess.run(["convert", path, "ppm:-"], capture_output=True, check=True, timeout=20)
    return read_ppm(ppm.stdout)


def dominant(image, box):
    width, height, pixels = image
    x0, y0, x1, y1 = (max(0, int(v)) for v in box)
    colours = Counter()
    for y in range(y0, min(y1, height)):
        row = pixels[(y * width + x0) * 3:(y * width + min(x1, width)) * 3]
        colours.update(tuple(row[i:i + 3]) for i in range(0, len(row), 3))
    return colours.most_common(1)[0][0]


def check_welcome(image, dump, name):
    """The welcome screen in the pixels: a light page, the dark title, the blue start button."""
    width, height, _ = image
    check((width, height) == (1280, 720), f"{name}: screenshot {width}x{height}, expected 1280x720")
    page = dominant(image, (0, 0, width, 60))  # the top band: page only, no text or target
    check(min(page) >= 200, f"{name}: the page is {page}, not the welcome screen's light background "
          "(black: cage showed nothing)")
    title = next(t for t in dump["texts"] if t["text"] == "服务体验评价")
    ink = min(Counter(dominant(image, (x, title["y0"], x + 4, title["y1"]))
                      for x in range(int(title["x0"]), int(title["x1"]) - 4, 4)), key=sum)
    check(sum(ink) < 200, f"{name}: no dark title ink where 服务体验评价 is drawn ({ink})")
    start = next(t for t in dump["texts"] if t["text"] == "开始评价")
    button = dominant(image, (start["x0"] - 40, start["y0"] - 20, start["x1"] + 40, start["y1"] + 20))
    check(button[2] > button[0] + 80, f"{name}: the start button is {button}, not blue")


def start_session(argv, runtime, notify, log_path, texts, name):
    s = Session(argv, runtime, notify.path, log_path)
    notify.expect("READY=1", 60, f"{name}: READY=1 from cxkiosk under cage")
    notify.expect("WATCHDOG=1", 2 * HALF, f"{name}: cxkiosk's watchdog pings reach systemd's socket "
                  "(env -u WATCHDOG_PID)")
    dump = wait_until(lambda: (d := read_texts(texts)) and d["screen"] == "welcome" and d,
                      15, f"{name}: the welcome screen")
    return s, dump


def shot_of_welcome(runtime, artifacts, name, dump):
    """The welcome screen as cage shows it (looked at again while a loaded machine draws)."""
    path = os.path.join(artifacts, name + ".png")
    for attempt in range(10):
        try:
            check_welcome(screenshot(runtime, path), dump, name)
            return
        except Failure:
            if attempt == 9:
                raise
            time.sleep(0.5)


def run(args):
    for tool in ("cage", "grim", "Xwayland", "convert"):
        check(shutil.which(tool), f"{tool} is not installed (deploy/install-deps.sh --tests)")
    check(os.geteuid() == 0, "the test must run as root to start the session as another user")
    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)
    work = tempfile.mkdtemp(prefix="cxkiosk-cage-")
    os.chmod(work, 0o755)
    runtime = os.path.join(work, "runtime")
    os.mkdir(runtime, 0o700)
    os.chown(runtime, NOBODY, NOBODY)
    data = os.path.join(work, "data")
    os.mkdir(data, 0o700)
    os.chown(data, NOBODY, NOBODY)
    settings = os.path.join(work, "kiosk.json")
    with open(settings, "w", encoding="utf-8") as f:
        json.dump({"device": "cage-kiosk", "org": "e2e-org", "site": "lab", "data_dir": data}, f)
    texts = os.path.join(data, "texts.json")
    notify_path = os.path.join(work, "notify")
    notify = NotifySocket(notify_path)
    os.chmod(notify_path, 0o666)
    # The program and its questionnaire where nobody may read them, as a package installs
    # them: a checkout or build folder may be its owner's alone (mktemp -d is 0700).
    kiosk = os.path.join(work, "cxkiosk")
    shutil.copy(args.kiosk, kiosk)
    config_dir = os.path.join(work, "config")
    shutil.copytree(args.config_dir, config_dir)
    os.environ["CXKIOSK_CONFIG_DIR"] = config_dir
    argv = session_argv(exec_start(args.unit), kiosk, settings, texts)
    print("session:", shlex.join(argv))
    sessions = []
    try:
        s, dump = start_session(argv, runtime, notify, os.path.join(args.artifacts, "session-1.log"),
                                texts, "first start")
        sessions.append(s)
        shot_of_welcome(runtime, args.artifacts, "cage-01-welcome", dump)
        xwayland = xwayland_of(runtime)
        check(xwayland, "cage started no Xwayland for cxkiosk")

        # A crash: cxkiosk killed outright. cage ends with it, and so does the session's
        # Xwayland: the unit's main process is gone, which Restart=always restarts.
        kiosk = s.children()
        check(len(kiosk) == 1, f"cage has children {kiosk}, expected cxkiosk alone")
        os.kill(kiosk[0], signal.SIGKILL)
        # cage exits 0 even then: only Restart=always (not on-failure) brings the session back.
        print(f"cage exited with {s.cage.wait(timeout=15)} after kill -9 of cxkiosk")
        wait_until(lambda: not xwayland_of(runtime), 15, "Xwayland outlived the session")
        notify.drain()
        os.remove(texts)

        s, dump = start_session(argv, runtime, notify, os.path.join(args.artifacts, "session-2.log"),
                                texts, "restart")
        sessions.append(s)
        shot_of_welcome(runtime, args.artifacts, "cage-02-welcome-after-restart", dump)

        # systemctl stop: SIGTERM to the session; cxkiosk exits 0 and cage ends with it.
        kiosk = s.children()
        os.kill(kiosk[0], signal.SIGTERM)
        print(f"cage exited with {s.cage.wait(timeout=15)} after SIGTERM to cxkiosk")
        return 0
    except (Failure, subprocess.SubprocessError, OSError, ValueError, KeyError, StopIteration) as error:
        print(f"kiosk_cage_e2e FAILED: {error!r}", file=sys.stderr)
        for s in sessions:
            print(f"--- {s.log_path}\n{s.log_text()}", file=sys.stderr)
        return 1
    finally:
        for s in sessions:
            if s.cage.poll() is None:
                os.killpg(s.cage.pid, signal.SIGKILL)
                s.cage.wait(timeout=10)
        for pid in xwayland_of(runtime):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", required=True)
    parser.add_argument("--unit", required=True, help="deploy/systemd/cxkiosk-session.service")
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--artifacts", required=True)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
