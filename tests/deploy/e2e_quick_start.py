#!/usr/bin/env python3
"""deploy/run.sh as a new user tries it: start it (on the binaries already built,
CX_BUILD_DIR), answer one survey by keys on the kiosk's virtual display, then
press Ctrl-C, i.e. send SIGINT to the script's whole process group as a terminal
does. It must exit 0 with the kiosk stopped cleanly (no XIO error), print the
server's score including that response, and leave no process behind."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kiosk"))
from e2e_kiosk import Failure, check  # noqa: E402

KEY_PAUSE = 0.6  # well over the kiosk's 300 ms debounce, with room for a loaded machine
# Slower than the policy's speeder threshold (1 s per item), so the response is scored.
ANSWER_PAUSE = 1.2


class Script:
    """run.sh in a session of its own (its process group is the "terminal's" foreground group)."""

    def __init__(self, run_sh, env):
        self.proc = subprocess.Popen(["bash", run_sh], env=env, start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line)

    def output(self):
        with self.lock:
            return "".join(self.lines)

    def wait_for(self, pattern, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            check(self.proc.poll() is None, f"run.sh ended ({self.proc.returncode}):\n{self.output()}")
            time.sleep(0.05)
        raise Failure(f"timed out waiting for {pattern!r}:\n{self.output()}")

    def descendants(self):
        """Every process started under the script (the kiosk, cxserver, Xvfb), by pid."""
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = set(), {self.proc.pid}
        while frontier:
            children = {pid for pid, parent in parents.items() if parent in frontier}
            frontier = children - found
            found |= children
        return found


def free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-sh", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="cx-quick-start-")
    env = dict(os.environ, CX_BUILD_DIR=args.build_dir, CX_DATA=os.path.join(workdir, "data"),
               CX_PORT=str(free_port()))
    env.pop("DISPLAY", None)
    env.pop("CX_WINDOWED", None)
    script = Script(args.run_sh, env)
    try:
        display = script.wait_for(r"the kiosk runs on Xvfb (:\d+)", 60).group(1)
        xenv = dict(os.environ, DISPLAY=display)
        # The welcome screen is up once the kiosk's window is mapped.
        subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "cxkiosk"],
                       env=xenv, check=True, timeout=60, stdout=subprocess.DEVNULL)

        def key(name, pause=KEY_PAUSE):
            subprocess.run(["xdotool", "key", name], env=xenv, check=True, timeout=10)
            time.sleep(pause)

        deadline = time.time() + 30
        while "cxkiosk: screen question" not in script.output():
            check(time.time() < deadline, f"the kiosk never left its welcome screen:\n{script.output()}")
            key("Return")
        # One answer per question (19); a key the kiosk ignored is made up for until it saves.
        deadline = time.time() + 60
        presses = 0
        while "saved response seq 1 (complete)" not in script.output():
            check(time.time() < deadline, f"the survey was never saved:\n{script.output()}")
            key(str(presses % 5 + 1), ANSWER_PAUSE)
            presses += 1
        started = script.descendants()
        check(len(started) >= 3, f"expected the kiosk, cxserver and Xvfb under run.sh: {started}")

        os.killpg(script.proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        status = script.proc.wait(timeout=60)
        script.reader.join(timeout=10)
        output = script.output()
        check(status == 0, f"run.sh exited {status}:\n{output}")
        check("XIO" not in output, f"the kiosk lost its display:\n{output}")
        check("cxkiosk: stopped" in output, f"the kiosk did not stop cleanly:\n{output}")
        score_text = output.split("score of demo-org on the server:", 1)
        check(len(score_text) == 2, f"no score printed:\n{output}")
        score, _ = json.JSONDecoder().raw_decode(score_text[1].strip())
        check(score["respondents"] >= 1, f"the score misses the response just given: {score}")
        deadline = time.time() + 10
        while any(alive(pid) for pid in started) and time.time() < deadline:
            time.sleep(0.1)
        left = [pid for pid in started if alive(pid)]
        check(not left, f"processes left behind: {left}")
        print(output)
        print(f"ok: exit 0, respondents {score['respondents']}, nothing left running")
    finally:
        if script.proc.poll() is None:
            os.killpg(script.proc.pid, signal.SIGKILL)
        for pid in script.descendants():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["rm", "-rf", workdir])


if __name__ == "__main__":
    try:
        main()
    except (Failure, subprocess.SubprocessError, ValueError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
        sys.exit(1)
