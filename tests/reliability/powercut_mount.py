"""Mounting tests/reliability/powercut_fs (a FUSE filesystem that keeps unsynced writes in
memory) over a backing folder, cutting its power, and mounting it again: what the
power-cut tests share. Mounts as root; a mount is always taken down lazily, so a
failed check cannot leave it behind busy."""
import os
import signal
import subprocess
import time


class MountFailure(OSError):
    pass


def wait_until(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise MountFailure(f"timed out: {message}")


def is_mounted(path):
    """From the mount table, not stat(): a mount whose power was cut answers EIO."""
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        return any(line.split()[4] == path for line in table)


class PowerCutMount:
    """powercut_fs over `backing` at `mountpoint`; its stderr goes to `log_path` (appended,
    one file for every mount). Use as a context manager: the mount is down at the end."""

    def __init__(self, binary, backing, mountpoint, log_path):
        self.binary = binary
        self.backing = backing
        self.mountpoint = mountpoint
        self.log_path = log_path
        self.proc = None
        self.mounts = 0
        os.makedirs(backing, exist_ok=True)
        os.makedirs(mountpoint, exist_ok=True)
        self.mountpoint = os.path.realpath(mountpoint)  # as the mount table spells it

    def __enter__(self):
        self.mount()
        return self

    def __exit__(self, *exc):
        self.unmount()

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def mount(self):
        """A fresh instance over the backing folder: what the machine finds after a reboot."""
        self.mounts += 1
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([self.binary, self.backing, self.mountpoint],
                                         stdout=log, stderr=log)
        mounted = self.mounts

        def up():
            if self.proc.poll() is not None:
                raise MountFailure(f"powercut_fs exited ({self.proc.returncode}):\n{self.log_text()}")
            return self.log_text().count("powercut_fs: mounted") >= mounted and \
                is_mounted(self.mountpoint)
        wait_until(up, 10, f"powercut_fs mounted at {self.mountpoint}")

    def cut(self):
        """The power goes: unsynced data is gone and every further operation fails with EIO."""
        cuts = self.log_text().count("powercut_fs: power cut")
        self.proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: self.log_text().count("powercut_fs: power cut") > cuts, 5,
                   "powercut_fs confirmed the cut")

    def unmount(self):
        if self.proc is None:
            return
        if is_mounted(self.mountpoint):
            subprocess.run(["umount", "-l", self.mountpoint], check=False, timeout=30)
        # Stopped, not waited for: a mount namespace another program made meanwhile (a
        # container, a sandbox) may hold a copy of the mount, and with it the daemon, forever.
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def remount(self):
        self.unmount()
        self.mount()
