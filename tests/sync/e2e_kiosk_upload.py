#!/usr/bin/env python3
"""The real cxkiosk under Xvfb uploads to the real cxserver on 127.0.0.1.

A customer completes a survey by keys; the kiosk's background worker, nudged
by the save (the sync interval is an hour), uploads it at once; the server's
export then equals the kiosk's export. Reuses the kiosk e2e Session helpers.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kiosk"))
import e2e_kiosk  # noqa: E402  (Session, check, Failure)
from cxserver_process import start_cxserver  # noqa: E402

check = e2e_kiosk.check


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--config-dir", required=True)
    args = parser.parse_args()
    item_ids = e2e_kiosk.load_item_ids(os.path.join(args.config_dir, "questionnaire.json"))
    workdir = tempfile.mkdtemp(prefix="cx-e2e-upload-")
    db = "sqlite:" + os.path.join(workdir, "server.db")
    server = None
    s = e2e_kiosk.Session(args.kiosk, workdir, workdir)
    try:
        token = run(args.server, "add-token", "--db", db, "--role", "device", "--org", "e2e-org",
                    "--site", "lab", "--device", "e2e-kiosk").stdout.strip().splitlines()[-1]
        server, url = start_cxserver(args.server, db, args.config_dir,
                                     os.path.join(workdir, "server.log"))

        s.start_xvfb()
        s.write_token(token)
        s.start_kiosk(None, "--server", url, "--sync-interval", "3600")
        s.key("Return")
        s.wait_for("screen question", 1, 10)
        for index in range(len(item_ids)):
            s.key(str(index % 5 + 1))
        s.wait_for("saved response seq 1 (complete)", 1, 10)

        server_export = os.path.join(workdir, "server.jsonl")
        deadline = time.time() + 15
        uploaded = ""
        while time.time() < deadline and not uploaded:
            run(args.server, "export", "--db", db, "--org", "e2e-org", "--out", server_export)
            with open(server_export, encoding="utf-8") as f:
                uploaded = f.read()
            time.sleep(0.2)
        check(uploaded.count("\n") == 1, "the saved response did not reach the server within 15 s")

        s.proc.send_signal(signal.SIGTERM)
        check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
        kiosk_export = os.path.join(workdir, "kiosk.jsonl")
        exported = run(args.kiosk, "export", "--data-dir", s.data, "--format", "jsonl",
                       "--out", kiosk_export)
        check(exported.returncode == 0, exported.stderr)
        with open(kiosk_export, encoding="utf-8") as f:
            check(f.read() == uploaded, "server export differs from the kiosk export")
        print("e2e upload: the kiosk's response reached cxserver byte for byte")
        print("1 passed, 0 failed")
        return 0
    except (e2e_kiosk.Failure, subprocess.SubprocessError, OSError, IndexError) as error:
        print(f"e2e upload FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        s.stop()
        if server and server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
