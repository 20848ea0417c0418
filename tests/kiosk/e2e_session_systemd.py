#!/usr/bin/env python3
"""deploy/systemd/cxkiosk-session.service under a real systemd: this machine's own Debian 12
booted as a container (systemd-nspawn -b; its /usr bound read-only, a copy of its /etc with the
user cxkiosk added), and the unit started there with `systemctl start`.

The container has no tty1 and no DRM, so a drop-in gives the unit wlroots' headless backend
(and the half turn of e2e_cage.py), this build's cxkiosk and the source tree's config, and a
short stop timeout on this cgroup v1 sandbox (see the drop-in); every other line (Type=notify, NotifyAccess, WatchdogSec, Restart, User, the runtime dir, `env -u
WATCHDOG_PID`) is the unit's own. It checks:
1. `systemctl start` returns once cxkiosk sent READY=1, and grim shows the welcome screen;
2. `kill -9` of cxkiosk: systemd restarts the session (Restart=always), the welcome screen is
   back within a few seconds;
3. `kill -STOP` of cxkiosk (a hung frame loop): after WatchdogSec systemd reports a watchdog
   timeout, kills the session and restarts it;
4. a healthy session outlives WatchdogSec: the frame loop's pings keep it.
Screenshots go to --artifacts.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
from e2e_cage import check_welcome, exec_start, read_texts, wait_until  # noqa: E402
from e2e_contrast import read_ppm  # noqa: E402
from e2e_kiosk import Failure, check  # noqa: E402

UNIT = "cxkiosk-session.service"
WATCHDOG_SECONDS = 30


def build_root(root, unit_path):
    """A bootable root from this machine: /usr comes in read-only at boot."""
    for name in ("bin", "sbin", "lib", "lib64"):
        if os.path.islink("/" + name):
            os.symlink(os.readlink("/" + name), os.path.join(root, name))
    for name in ("usr", "dev", "proc", "sys", "run", "tmp", "root", "opt/cxkiosk", "opt/cxconfig",
                 "var/tmp", "var/log"):
        os.makedirs(os.path.join(root, name), exist_ok=True)
    subprocess.run(["cp", "-a", "/etc", os.path.join(root, "etc")], check=True, timeout=60)
    etc = os.path.join(root, "etc")
    os.remove(os.path.join(etc, "os-release"))  # a link into /usr, which nspawn checks first
    shutil.copy("/usr/lib/os-release", os.path.join(etc, "os-release"))
    open(os.path.join(etc, "fstab"), "w").close()  # the host's mounts are not the container's
    subprocess.run(["useradd", "--root", root, "--system", "--home-dir", "/var/lib/cxkiosk",
                    "--shell", "/usr/sbin/nologin", "cxkiosk"], check=True, timeout=30,
                   stderr=subprocess.DEVNULL)  # warns that /usr (empty until boot) has no nologin
    uid = next(int(line.split(":")[2]) for line in open(os.path.join(etc, "passwd"))
               if line.startswith("cxkiosk:"))
    data = os.path.join(root, "var/lib/cxkiosk")
    os.makedirs(data, mode=0o700)
    os.chown(data, uid, uid)
    os.makedirs(os.path.join(etc, "cxkiosk"))
    with open(os.path.join(etc, "cxkiosk/kiosk.json"), "w") as f:
        f.write('{"device": "session-kiosk", "org": "e2e-org", "site": "lab", '
                '"data_dir": "/var/lib/cxkiosk"}\n')
    units = os.path.join(etc, "systemd/system")
    shutil.copy(unit_path, units)
    argv = exec_start(unit_path)
    check(argv[0] == "/usr/bin/cage" and "--" in argv and "/usr/bin/cxkiosk" in argv,
          f"ExecStart is not cage -- … /usr/bin/cxkiosk …: update this test ({argv})")
    split = argv.index("--")
    argv = argv[:split] + ["-r", "-r"] + argv[split:]
    argv[argv.index("/usr/bin/cxkiosk")] = "/opt/cxkiosk/cxkiosk"
    argv += ["--dump-texts", "/var/lib/cxkiosk/texts.json"]
    os.makedirs(os.path.join(units, UNIT + ".d"))
    with open(os.path.join(units, UNIT + ".d", "headless.conf"), "w") as f:
        f.write("# No tty1 and no DRM in the container: the headless backend instead.\n"
                "[Unit]\nConditionPathExists=\n"
                "[Service]\nTTYPath=\nStandardInput=null\nTTYReset=no\nTTYVHangup=no\n"
                "TTYVTDisallocate=no\nUtmpIdentifier=\n"
                "# This sandbox has cgroup v1, where systemd in a container never hears that a\n"
                "# unit's cgroup became empty: it would wait out the stop timeout before each\n"
                "# restart (a kiosk's Debian 12 has cgroup v2 and is told at once).\n"
                "TimeoutStopSec=2s\n"
                "Environment=WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 "
                "CXKIOSK_CONFIG_DIR=/opt/cxconfig\n"
                "ExecStart=\nExecStart=" + " ".join(argv) + "\n")
    return data


class Container:
    def __init__(self, root, kiosk_dir, config_dir, log_path):
        self.log = open(log_path, "w")
        self.log_path = log_path
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--keep-unit", "--register=no", "-D", root, "-b",
             "--bind-ro=/usr", f"--bind-ro={kiosk_dir}:/opt/cxkiosk",
             f"--bind-ro={config_dir}:/opt/cxconfig", "--", "--unit=basic.target"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.init = wait_until(self.init_pid, 30, "systemd-nspawn started no init")
        wait_until(lambda: self.run("systemctl", "is-system-running", check=False).stdout.strip()
                   in ("running", "degraded"), 60, "the container's systemd never finished booting")

    def init_pid(self):
        check(self.proc.poll() is None, f"systemd-nspawn exited: {open(self.log_path).read()}")
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                children = f.read().split()
            return int(children[0]) if children else None
        except OSError:
            return None

    def run(self, *command, check=True, timeout=120):
        return subprocess.run(["nsenter", "--target", str(self.init), "--all", *command],
                              capture_output=True, text=True, check=check, timeout=timeout)

    def unit(self, *properties):
        out = self.run("systemctl", "show", UNIT, *(f"--property={p}" for p in properties)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def kiosk_pid(self):
        found = self.run("pgrep", "-x", "cxkiosk", check=False).stdout.split()
        return found[0] if len(found) == 1 else None

    def screenshot(self, path):
        shot = subprocess.run(
            ["nsenter", "--target", str(self.init), "--all", "setpriv", "--reuid=cxkiosk",
             "--regid=cxkiosk", "--clear-groups", "env", "XDG_RUNTIME_DIR=/run/cxkiosk",
             "WAYLAND_DISPLAY=wayland-0", "grim", "-"], capture_output=True, check=True, timeout=30)
        with open(path, "wb") as f:
            f.write(shot.stdout)
        ppm = subprocess.run(["convert", path, "ppm:-"], capture_output=True, check=True, timeout=20)
        return read_ppm(ppm.stdout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # nspawn asks the container to power off
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def welcome_shown(c, data, artifacts, name):
    dump = wait_until(lambda: (d := read_texts(os.path.join(data, "texts.json")))
                      and d["screen"] == "welcome" and d, 15, f"{name}: the welcome screen")
    path = os.path.join(artifacts, name + ".png")
    for attempt in range(10):
        try:
            check_welcome(c.screenshot(path), dump, name)
            return
        except Failure:
            if attempt == 9:
                raise
            time.sleep(0.5)


def restarted(c, before, timeout, message):
    """Waits until systemd has restarted the session (NRestarts past `before`) and it is running
    a new cxkiosk; returns the seconds it took."""
    began = time.monotonic()
    wait_until(lambda: int(c.unit("NRestarts")["NRestarts"]) > before
               and c.unit("SubState")["SubState"] == "running" and c.kiosk_pid(), timeout, message)
    return time.monotonic() - began


def session(c, data, artifacts):
    started = time.monotonic()
    c.run("systemctl", "start", UNIT, timeout=60)  # returns on READY=1 (Type=notify)
    print(f"systemctl start returned after {time.monotonic() - started:.1f} s")
    state = c.unit("ActiveState", "SubState", "NRestarts", "User")
    check(state == {"ActiveState": "active", "SubState": "running", "NRestarts": "0",
                    "User": "cxkiosk"}, f"after systemctl start: {state}")
    welcome_shown(c, data, artifacts, "systemd-01-welcome")

    os.remove(os.path.join(data, "texts.json"))
    c.run("kill", "-9", c.kiosk_pid())
    took = restarted(c, 0, 20, "systemd did not restart the session after kill -9 of cxkiosk")
    print(f"kill -9 cxkiosk: running again after {took:.1f} s")
    welcome_shown(c, data, artifacts, "systemd-02-welcome-after-kill")

    os.remove(os.path.join(data, "texts.json"))
    c.run("kill", "-STOP", c.kiosk_pid())
    took = restarted(c, 1, WATCHDOG_SECONDS + 20, "no watchdog restart of a stopped cxkiosk")
    log = c.run("journalctl", "-u", UNIT, "--no-pager").stdout
    check("Watchdog timeout" in log, f"the restart was not the watchdog's:\n{log}")
    print(f"kill -STOP cxkiosk: watchdog restart after {took:.1f} s")
    welcome_shown(c, data, artifacts, "systemd-03-welcome-after-watchdog")

    # A healthy kiosk's pings keep it: no restart for longer than WatchdogSec.
    deadline = time.monotonic() + WATCHDOG_SECONDS + 5
    while time.monotonic() < deadline:
        check(c.unit("NRestarts")["NRestarts"] == "2", "a healthy session was restarted")
        time.sleep(1)
    c.run("systemctl", "stop", UNIT, timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", required=True)
    parser.add_argument("--unit", required=True)
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    for tool in ("systemd-nspawn", "nsenter", "cage", "grim", "Xwayland", "convert", "useradd"):
        check(shutil.which(tool), f"{tool} is not installed (deploy/install-deps.sh --tests)")
    check(os.geteuid() == 0, "the test boots a container: it must run as root")
    shutil.rmtree(args.artifacts, ignore_errors=True)
    os.makedirs(args.artifacts)
    root = tempfile.mkdtemp(prefix="cxkiosk-session-root-")
    os.chmod(root, 0o755)  # the container's / (mkdtemp makes it 0700)
    c = None
    try:
        data = build_root(root, args.unit)
        c = Container(root, os.path.dirname(os.path.abspath(args.kiosk)), args.config_dir,
                      os.path.join(args.artifacts, "container.log"))
        session(c, data, args.artifacts)
        return 0
    except (Failure, subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        print(f"kiosk_session_systemd_e2e FAILED: {error!r}", file=sys.stderr)
        if c and c.init:
            print(c.run("journalctl", "-u", UNIT, "--no-pager", check=False).stdout, file=sys.stderr)
        return 1
    finally:
        if c:
            c.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
