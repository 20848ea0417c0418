#!/usr/bin/env python3
"""systemd's notify protocol with the real cxkiosk under Xvfb: the test is systemd's side of it.

It binds a unix datagram socket, starts the kiosk with NOTIFY_SOCKET and WATCHDOG_USEC as
systemd would, and checks: READY=1 once the first frame is drawn, then WATCHDOG=1 at least every
half WATCHDOG_USEC on the idle welcome screen (and not much more often: idle stays idle);
SIGSTOP (a frame loop that hangs) stops the pings, SIGCONT brings them back. A kiosk whose
WATCHDOG_PID names another process (sd_watchdog_enabled(3)) sends READY=1 and no ping.
"""
import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
from e2e_kiosk import check, run_e2e  # noqa: E402

WATCHDOG_USEC = 2_000_000  # pings due every second
HALF = WATCHDOG_USEC / 2e6


class NotifySocket:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)

    def receive(self, timeout):
        """The next message and when it came, or None when none came within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except (socket.timeout, BlockingIOError):  # BlockingIOError: timeout 0
            return None
        return data.decode(), time.monotonic()

    def expect(self, message, timeout, why):
        got = self.receive(timeout)
        check(got is not None, f"no {message} within {timeout} s: {why}")
        check(got[0] == message, f"got {got[0]!r}, expected {message!r}: {why}")
        return got[1]

    def expect_silence(self, seconds, why):
        got = self.receive(seconds)
        check(got is None, f"{got and got[0]!r} within {seconds} s: {why}")

    def drain(self):
        while self.receive(0) is not None:
            pass


def start(s, notify, data, **env):
    base = {k: v for k, v in s.env.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    s.env = dict(base, NOTIFY_SOCKET=notify, **env)
    s.start_kiosk(os.path.join(s.workdir, data))


def stop(s):
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")


def pings_and_hang(s, args):
    path = os.path.join(s.workdir, "notify")
    notify = NotifySocket(path)
    start(s, path, "data-watchdog", WATCHDOG_USEC=str(WATCHDOG_USEC))  # returns after the first frame
    notify.expect("READY=1", 5, "READY=1 once the first frame is drawn")
    s.screenshot("watchdog-01-welcome")
    notify.drain()  # pings sent while the screenshot was taken: their arrival times mean nothing

    # The idle welcome screen: pings only, each within half WATCHDOG_USEC (plus a loaded
    # machine's slack, still well inside the timeout) and never in a busy loop.
    times = [notify.expect("WATCHDOG=1", 2 * HALF, "pings while idle")]
    for _ in range(5):
        times.append(notify.expect("WATCHDOG=1", 1.5 * HALF, "a ping every half WATCHDOG_USEC"))
    gaps = [b - a for a, b in zip(times, times[1:])]
    print("ping gaps (s):", " ".join(f"{g:.3f}" for g in gaps))
    check(min(gaps) >= 0.8 * HALF, f"pings {gaps} closer than half WATCHDOG_USEC: the idle loop spins")

    # A hung frame loop: no pings while stopped (systemd would restart the session) …
    os.kill(s.proc.pid, signal.SIGSTOP)
    notify.drain()  # a ping sent just before the stop
    notify.expect_silence(3 * HALF, "a stopped kiosk must not ping")
    # … and they resume when it runs again.
    os.kill(s.proc.pid, signal.SIGCONT)
    notify.expect("WATCHDOG=1", 2 * HALF, "pings resume after SIGCONT")
    notify.expect("WATCHDOG=1", 1.5 * HALF, "and keep their cadence")
    stop(s)


def not_our_watchdog(s, args):
    path = os.path.join(s.workdir, "notify-other")
    notify = NotifySocket(path)
    start(s, path, "data-other", WATCHDOG_USEC=str(WATCHDOG_USEC), WATCHDOG_PID="1")
    notify.expect("READY=1", 5, "READY=1 whatever the watchdog")
    notify.expect_silence(3 * HALF, "WATCHDOG_PID names another process: no pings")
    stop(s)


def watchdog(s, args):
    pings_and_hang(s, args)
    not_our_watchdog(s, args)


if __name__ == "__main__":
    sys.exit(run_e2e("kiosk_watchdog_e2e", (), watchdog))
