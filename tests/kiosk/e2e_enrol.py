#!/usr/bin/env python3
"""End-to-end test of enrolment from the staff panel, in the real cxkiosk under Xvfb
against the real cxserver on 127.0.0.1.

A kiosk with a server but no token starts (uploads off); staff open the panel with the
PIN, tap "enrol", type a wrong code (the server's reason shows), then the code from
`cxserver enrol-code` on the numeric pad; the kiosk trades it in the background, shows
org/site/device, writes DATA_DIR/token (mode 600) and the server has the kiosk's key
bound "enrolled". Screenshots go to --artifacts.
"""
import json
import os
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # importing the kiosk e2e helpers leaves no __pycache__ in the tree
from e2e_kiosk import check, free_port, run_e2e  # noqa: E402

PIN = "2468"


def cxserver(server, *args):
    done = subprocess.run([server, *args], capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"cxserver {args[0]}: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def type_on_pad(s, digits):
    """Taps the numeric pad's keys (the layout dump's staff_pad targets), then OK."""
    for digit in digits:
        s.tap("staff_pad", f"key_{digit}")
    s.tap("staff_pad", "ok")


def enrol_from_the_panel(s, args):
    server_db = "sqlite:" + os.path.join(s.workdir, "server.db")
    viewer = cxserver(args.server, "add-token", "--db", server_db, "--role", "viewer", "--org", "e2e-org")
    code = cxserver(args.server, "enrol-code", "--db", server_db, "--org", "e2e-org", "--site", "lab",
                    "--device", "e2e-kiosk", "--ttl", "10m")
    port = free_port()
    server_proc = subprocess.Popen([args.server, "serve", "--db", server_db, "--listen", f"127.0.0.1:{port}",
                                    "--config", args.config_dir],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        check("listening on" in server_proc.stdout.readline(), "cxserver did not start")
        done = subprocess.run([s.kiosk, "set-pin", "--data-dir", s.data], input=PIN + "\n",
                              capture_output=True, text=True, timeout=60, env=s.env)
        check(done.returncode == 0, f"set-pin: {done.stderr}")
        s.start_kiosk(None, "--server", f"http://127.0.0.1:{port}")
        check("no upload token yet" in s.log_text(), "a kiosk without a token must start, uploads off")
        s.key("F10")
        s.wait_for("staff pin pad", 1, 10)
        s.xdotool("type", "--delay", "120", PIN)
        s.key("Return")
        s.wait_for("staff panel", 1, 10)
        s.wait_texts(lambda texts: "登记本机" in texts, "the panel must offer enrolment")
        s.screenshot("enrol-00-panel")
        s.tap("staff_panel", "enrol")
        s.wait_texts(lambda texts: any("登记码" in t for t in texts), "the enrol screen must open")
        s.screenshot("enrol-01-screen")

        type_on_pad(s, "000000000000")
        s.wait_for("enrolment failed", 1, 20)
        s.wait_texts(lambda texts: any("登记失败" in t and "unknown_code" in t for t in texts),
                     "the server's reason must show")
        s.screenshot("enrol-02-unknown-code")

        type_on_pad(s, code.replace("-", ""))
        s.wait_for("enrolled as", 1, 20)
        s.wait_texts(lambda texts: any("已登记" in t and "e2e-kiosk" in t for t in texts),
                     "the enrol screen must show what the kiosk is now")
        s.screenshot("enrol-03-enrolled")

        token_file = os.path.join(s.data, "token")
        check(stat.S_IMODE(os.stat(token_file).st_mode) == 0o600, "DATA_DIR/token must be mode 600")
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
        check(len(token) == 64 and token not in s.log_text(), "the token must never be logged")
        audit = subprocess.run([s.kiosk, "audit", "--data-dir", s.data], capture_output=True, text=True,
                               timeout=60, env=s.env)
        check('"enrolled"' in audit.stdout and token not in audit.stdout, "enrolment must be audited")

        reply = subprocess.run(["curl", "-sf", "-H", f"Authorization: Bearer {viewer}",
                                f"http://127.0.0.1:{port}/api/v1/orgs/e2e-org/integrity"],
                               capture_output=True, text=True, timeout=30)
        devices = json.loads(reply.stdout)["devices"]
        key = subprocess.run([s.kiosk, "pubkey", "--data-dir", s.data], capture_output=True, text=True,
                             timeout=60, env=s.env).stdout.strip()
        check(devices and devices[0]["keys"][0] == {**devices[0]["keys"][0], "key": key, "trusted": "enrolled"},
              f"the server must hold the kiosk's key as enrolled: {devices}")

        s.tap("staff_pad", "cancel")  # "Back" to the panel
        s.wait_texts(lambda texts: any("退出员工模式" in t for t in texts), "Back must return to the panel")
        s.tap("staff_panel", "quit")
        check(s.proc.wait(timeout=10) == 0, "staff quit must exit 0")
        time.sleep(0.1)
    finally:
        server_proc.terminate()
        server_proc.wait(timeout=10)
    print(f"e2e enrol: passed, screenshots in {args.artifacts}")


if __name__ == "__main__":
    sys.exit(run_e2e("e2e-enrol", ("curl",), enrol_from_the_panel, ("--server", "--config-dir")))
