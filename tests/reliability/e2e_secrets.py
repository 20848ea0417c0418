#!/usr/bin/env python3
"""Secrets stay secret: the real cxserver (HTTPS with a test CA) and the real cxkiosk
(under Xvfb, driven by xdotool) go through every path that handles a token, a one-time
enrolment code, the staff PIN or the device key — issue, enrol, upload, heartbeat, staff
sign-in (wrong PIN, right PIN), sync now, export, audit, status, revoke, refusals, bad
requests with made-up tokens and codes. Everything the programs wrote is kept: every
stdout and stderr, the server's log, the kiosk's log, every HTTP reply (status, headers,
body), the audit log, exports, the backup and the bytes of both databases. Then:

- no secret, in any of its spellings (hex, upper-case hex, base64, with or without the
  code's dashes), appears in any of it — except the one stdout that shows a fresh token or
  code once (add-token, enrol-code), which is checked to hold it, so a grep that finds
  nothing is known to be able to find something;
- the kiosk's data dir is 0700 and its token and device key 0600, the server's database
  and its backup are the owner's alone;
- TLS verification is on by default (the system trust store refuses the test CA's server)
  and a wrong CA is refused, by enrolment and by sync, without sending a record.
"""
import base64
import json
import os
import shutil
import signal
import sqlite3
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # importing the kiosk e2e helpers leaves no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kiosk"))
from e2e_kiosk import Failure, check, run_e2e  # noqa: E402
from e2e_staff import click_pin, type_pin  # noqa: E402

ORG, SITE, DEVICE = "e2e-org", "lab", "e2e-kiosk"
PIN = "80604020"
WRONG_PIN = "80604027"
# Made-up credentials a client might send: never echoed back, never logged.
FORGED_TOKEN = "5ec1e7" * 10 + "abcd"
FORGED_CODE = "7351-9642-0817"


class Evidence:
    """Everything the programs wrote, by label, and every secret in its spellings."""

    def __init__(self):
        self.outputs = []  # (label, bytes)
        self.shown_once = []  # (label, bytes, secret name): where a secret must appear
        self.secrets = {}  # spelling -> secret name

    def secret(self, name, value):
        spellings = {value, value.upper(), value.lower()}
        if all(c in "0123456789abcdefABCDEF" for c in value) and len(value) % 2 == 0:
            raw = bytes.fromhex(value)
            spellings |= {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
        if "-" in value:
            spellings.add(value.replace("-", ""))
        for spelling in spellings:
            self.secrets[spelling] = name

    def keep(self, label, data):
        self.outputs.append((label, data if isinstance(data, bytes) else data.encode()))

    def keep_file(self, label, path):
        with open(path, "rb") as f:
            self.keep(label, f.read())

    def run(self, label, argv, stdin=None, env=None, shows_once=None):
        """Runs a program; keeps its stderr, and its stdout unless it is the one place a fresh
        secret is shown (then that stdout must hold it)."""
        done = subprocess.run(argv, input=stdin.encode() if stdin else None, capture_output=True,
                              timeout=60, env=env)
        self.keep(label + " stderr", done.stderr)
        if shows_once:
            self.shown_once.append((label + " stdout", done.stdout, shows_once))
        else:
            self.keep(label + " stdout", done.stdout)
        return done

    def leaks(self):
        found = []
        for label, data in self.outputs:
            for spelling, name in self.secrets.items():
                if spelling.encode() in data:
                    found.append(f"{name} in {label}")
        return sorted(set(found))


def openssl(*args):
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, f"openssl {args[0]}: {done.stderr}")


def make_certs(folder):
    """A test CA with a certificate for 127.0.0.1, and a wrong CA."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    for ca in ("test-ca", "wrong-ca"):
        openssl("req", "-x509", *ec, "-keyout", f"{folder}/{ca}.key", "-out", f"{folder}/{ca}.pem",
                "-days", "2", "-subj", f"/CN={ca}")
    with open(f"{folder}/ext.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", *ec, "-keyout", f"{folder}/server.key", "-out", f"{folder}/server.csr",
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", f"{folder}/server.csr", "-CA", f"{folder}/test-ca.pem",
            "-CAkey", f"{folder}/test-ca.key", "-CAcreateserial", "-out", f"{folder}/server.pem",
            "-days", "2", "-extfile", f"{folder}/ext.cnf")


def pem_body(path):
    """The base64 lines of a PEM private key: none of them may reach an output."""
    with open(path, encoding="ascii") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("-----")]


class Server:
    def __init__(self, binary, config_dir, workdir, certs, evidence):
        self.binary = binary
        self.evidence = evidence
        folder = os.path.join(workdir, "server")
        os.makedirs(folder)
        self.db_path = os.path.join(folder, "server.db")
        self.db = "sqlite:" + self.db_path
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = None
        self.certs = certs
        self.config_dir = config_dir
        self.tls = ssl.create_default_context(cafile=os.path.join(certs, "test-ca.pem"))

    def cli(self, label, *args, stdin=None, shows_once=None):
        done = self.evidence.run("cxserver " + label, [self.binary, args[0], "--db", self.db, *args[1:]],
                                 stdin=stdin, shows_once=shows_once)
        check(done.returncode == 0, f"cxserver {label}: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def issue(self, name, command, *args):
        value = self.cli(f"{command} ({name})", command, *args, shows_once=name).strip().splitlines()[-1]
        self.evidence.secret(name, value)
        return value

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:0", "--config",
             self.config_dir, "--tls-cert", os.path.join(self.certs, "server.pem"), "--tls-key",
             os.path.join(self.certs, "server.key")],
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        check("listening on" in line, f"cxserver did not start: {line!r}")
        self.evidence.keep("cxserver serve stdout", line)
        self.url = line.split("listening on ")[1].strip()
        check(self.url.startswith("https://"), f"not HTTPS: {self.url}")

    def request(self, label, method, path, token=None, body=None, content_type="application/json"):
        """One HTTP request; its reply (status, headers, body) is kept as evidence."""
        request = urllib.request.Request(self.url + path, method=method, data=body)
        if token is not None:
            request.add_header("Authorization", "Bearer " + token)
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, context=self.tls, timeout=30) as reply:
                status, headers, payload = reply.status, str(reply.headers), reply.read()
        except urllib.error.HTTPError as error:
            status, headers, payload = error.code, str(error.headers), error.read()
        self.evidence.keep(f"HTTP {label} ({status})", headers.encode() + payload)
        return status, payload

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.log.close()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def bad_requests(server, tokens):
    """Made-up and misused credentials: each refused with a message that repeats none."""
    evidence = server.evidence
    for name in ("forged token", "forged code"):
        check(name in evidence.secrets.values(), f"{name} is not registered as a secret")
    cases = [
        ("score, forged token", "GET", f"/api/v1/orgs/{ORG}/score", FORGED_TOKEN, None, 401),
        ("score, token with a stray character", "GET", f"/api/v1/orgs/{ORG}/score",
         tokens["viewer token"] + "x", None, 401),
        ("score, another org", "GET", "/api/v1/orgs/other-org/score", tokens["viewer token"], None, 403),
        ("upload, viewer token", "POST", "/api/v1/responses", tokens["viewer token"], b"{}", 403),
        ("upload, forged token", "POST", "/api/v1/responses", FORGED_TOKEN, b"{}", 401),
        ("heartbeat, not JSON", "POST", "/api/v1/heartbeat", tokens["device token (add-token)"],
         b"token=" + tokens["device token (add-token)"].encode(), 400),
        ("enrol, forged code", "POST", "/api/v1/enrol", None,
         json.dumps({"code": FORGED_CODE, "pubkey": "00" * 32}).encode(), None),
    ]
    for label, method, path, token, body, expected in cases:
        status, _ = server.request(label, method, path, token, body)
        check(400 <= status < 500 and (expected is None or status == expected),
              f"{label}: HTTP {status}, expected {expected or '4xx'}")


def kiosk_surveys_and_staff(s, server, ca):
    """The kiosk enrolled above: a customer answers, the upload goes over HTTPS; staff sign
    in with a wrong PIN, then the right one, sync now, export, leave; SIGTERM."""
    exports = os.path.join(s.workdir, "exports")
    os.makedirs(exports)
    s.start_kiosk(None, "--server", server.url, "--ca", ca, "--sync-interval", "3600",
                  "--export-dir", exports)
    s.key("Return")
    s.wait_for("screen question", 1, 10)
    for index in range(len(s.item_ids)):
        s.key(str(index % 5 + 1))
    s.wait_for("saved response seq 1 (complete)", 1, 10)
    s.key("F10")
    s.wait_for("staff pin pad", 1, 10)
    type_pin(s, WRONG_PIN)
    s.wait_for("staff_login_failed", 1, 10)
    click_pin(s, PIN)
    s.wait_for("staff panel", 1, 15)
    s.tap("staff_panel", "sync_now")
    s.tap("staff_panel", "format_jsonl")
    s.tap("staff_panel", "export")
    s.wait_for("staff export ", 1, 20)
    time.sleep(0.3)
    s.screenshot("secrets-staff-panel")
    s.tap("staff_panel", "leave")
    s.wait_for("staff mode closed", 1, 10)
    deadline = time.time() + 20
    while time.time() < deadline:
        status, body = server.request("export, admin", "GET", f"/api/v1/orgs/{ORG}/responses.jsonl",
                                      server.admin_token)
        if status == 200 and body.count(b"\n") >= 1:
            break
        time.sleep(0.5)
    else:
        raise Failure("the kiosk's response did not reach the server over HTTPS within 20 s")
    s.proc.send_signal(signal.SIGTERM)
    check(s.proc.wait(timeout=10) == 0, "SIGTERM must exit 0")
    s.log.close()
    s.evidence.keep_file("kiosk log (GUI session)", s.log_path)
    for name in os.listdir(exports):
        s.evidence.keep_file("staff export " + name, os.path.join(exports, name))


def secrets(s, args):
    evidence = Evidence()
    s.evidence = evidence
    evidence.secret("forged token", FORGED_TOKEN)
    evidence.secret("forged code", FORGED_CODE)
    evidence.secret("staff PIN", PIN)
    evidence.secret("wrong staff PIN", WRONG_PIN)
    certs = os.path.join(s.workdir, "certs")
    os.makedirs(certs)
    make_certs(certs)
    for index, line in enumerate(pem_body(os.path.join(certs, "server.key"))):
        evidence.secrets[line] = f"TLS private key (line {index + 1})"
    ca, wrong_ca = os.path.join(certs, "test-ca.pem"), os.path.join(certs, "wrong-ca.pem")
    kiosk = args.kiosk

    server = Server(args.server, args.config_dir, s.workdir, certs, evidence)
    tokens = {}
    tokens["admin token"] = server.issue("admin token", "add-token", "--role", "admin", "--org", ORG)
    server.admin_token = tokens["admin token"]
    tokens["viewer token"] = server.issue("viewer token", "add-token", "--role", "viewer", "--org", ORG)
    tokens["device token (add-token)"] = server.issue(
        "device token (add-token)", "add-token", "--role", "device", "--org", ORG, "--site", SITE,
        "--device", "second-kiosk")
    code = server.issue("enrolment code", "enrol-code", "--org", ORG, "--site", SITE, "--device", DEVICE)
    server.start()
    bad_requests(server, tokens)

    # Enrolment over HTTPS: refused with the system trust store and with a wrong CA (nothing
    # written), then done with the test CA.
    for label, extra in (("system trust store", []), ("wrong CA", ["--ca", wrong_ca])):
        done = evidence.run(f"cxkiosk enrol ({label})", [kiosk, "enrol", "--data-dir", s.data, "--server",
                                                         server.url, "--code", code, *extra])
        check(done.returncode != 0, f"enrolment must fail with the {label}")
        check(b"certificate" in done.stderr.lower(), f"enrol ({label}): {done.stderr!r}")
        check(not os.path.exists(os.path.join(s.data, "token")), f"enrol ({label}) wrote a token")
    done = evidence.run("cxkiosk enrol", [kiosk, "enrol", "--data-dir", s.data, "--server", server.url,
                                          "--code", code, "--ca", ca])
    check(done.returncode == 0, f"enrol: {done.stderr!r}")
    with open(os.path.join(s.data, "token"), encoding="ascii") as f:
        evidence.secret("device token (enrolled)", f.read().strip())
    with open(os.path.join(s.data, "device.key"), encoding="ascii") as f:
        seed = f.read().strip()
    pubkey = evidence.run("cxkiosk pubkey", [kiosk, "pubkey", "--data-dir", s.data]).stdout.decode().strip()
    evidence.secret("device key seed", seed)
    evidence.secret("device secret key", seed + pubkey)  # libsodium's 64-byte form
    done = evidence.run("cxkiosk set-pin", [kiosk, "set-pin", "--data-dir", s.data], stdin=PIN + "\n")
    check(done.returncode == 0, f"set-pin: {done.stderr!r}")

    kiosk_surveys_and_staff(s, server, ca)

    # A copy of the kiosk whose record waits again: over HTTPS with the system trust store and
    # with a wrong CA the sync fails on the certificate and nothing is sent; with a revoked
    # token (revoked by its value on stdin) the server refuses it; nobody repeats the token.
    copy = os.path.join(s.workdir, "kiosk-copy")
    shutil.copytree(s.data, copy)
    with sqlite3.connect(os.path.join(copy, "responses.sqlite3")) as db:
        db.execute("UPDATE responses SET upload_state = 'waiting', sent_at = NULL")
    for label, extra in (("system trust store", []), ("wrong CA", ["--ca", wrong_ca])):
        done = evidence.run(f"cxkiosk sync ({label})", [kiosk, "sync", "--once", "--data-dir", copy,
                                                        "--server", server.url, *extra])
        check(done.returncode != 0 and b"certificate" in done.stderr.lower(),
              f"sync with the {label} must fail on the certificate: {done.returncode} {done.stderr!r}")
    with sqlite3.connect(os.path.join(copy, "responses.sqlite3")) as db:
        waiting = db.execute("SELECT COUNT(*) FROM responses WHERE upload_state = 'waiting'").fetchone()[0]
    check(waiting == 1, f"a refused certificate must leave the record waiting ({waiting})")
    server.cli("revoke-token", "revoke-token", stdin=tokens["device token (add-token)"] + "\n")
    s.write_token(tokens["device token (add-token)"], copy)
    done = evidence.run("cxkiosk sync (revoked token)", [kiosk, "sync", "--once", "--data-dir", copy,
                                                         "--server", server.url, "--ca", ca])
    check(done.returncode == 6 and b"revoked token" in done.stderr,
          f"sync with a revoked token: {done.returncode} {done.stderr!r}")

    for command in ("audit", "status"):
        done = evidence.run("cxkiosk " + command, [kiosk, command, "--data-dir", s.data])
        check(done.returncode == 0, f"cxkiosk {command}: {done.stderr!r}")
    audit = [json.loads(line)["event"] for line in
             evidence.run("cxkiosk audit (events)", [kiosk, "audit", "--data-dir", s.data]).stdout.splitlines()]
    for event in ("pin_set", "staff_login_failed", "staff_login", "export"):
        check(event in audit, f"the audit log lacks {event}: {audit}")
    exported = os.path.join(s.workdir, "kiosk.jsonl")
    evidence.run("cxkiosk export", [kiosk, "export", "--data-dir", s.data, "--format", "jsonl",
                                    "--out", exported])
    evidence.keep_file("cxkiosk export file", exported)
    server.cli("list-tokens", "list-tokens", "--all")
    server_export = os.path.join(s.workdir, "server.jsonl")
    server.cli("export", "export", "--org", ORG, "--out", server_export)
    evidence.keep_file("cxserver export file", server_export)
    backup = os.path.join(s.workdir, "server", "backup.db")
    server.cli("backup", "backup", "--out", backup)
    server.stop()
    evidence.keep_file("cxserver log (serve stderr)", server.log_path)

    # Both stores, byte for byte: tokens and codes only as hashes, the PIN only as Argon2id.
    for folder, keep_out in ((s.data, {"token", "device.key"}), (os.path.dirname(server.db_path), set())):
        for name in sorted(os.listdir(folder)):
            if name not in keep_out:
                evidence.keep_file("file " + os.path.join(os.path.basename(folder), name),
                                   os.path.join(folder, name))
    with sqlite3.connect(os.path.join(s.data, "responses.sqlite3")) as db:
        stored = db.execute("SELECT value FROM settings WHERE key = 'staff_pin_hash'").fetchone()[0]
    check(stored.startswith("$argon2id$"), "the PIN is stored as an Argon2id hash")

    check(mode_of(s.data) == 0o700, f"kiosk data dir is {oct(mode_of(s.data))}, not 0700")
    for name in ("token", "device.key"):
        path = os.path.join(s.data, name)
        check(mode_of(path) == 0o600, f"{name} is {oct(mode_of(path))}, not 0600")
    stores = [os.path.join(folder, name) for folder in (s.data, os.path.dirname(server.db_path))
              for name in os.listdir(folder) if name not in ("token", "device.key")]
    for path in stores:  # the databases, their -wal and -shm, the backup
        check(mode_of(path) == 0o600, f"{path} is {oct(mode_of(path))}, not 0600")

    # The grep can find: each fresh secret is in the one stdout that shows it.
    for label, data, name in evidence.shown_once:
        spellings = [spelling for spelling, owner in evidence.secrets.items() if owner == name]
        check(any(spelling.encode() in data for spelling in spellings), f"{label} does not show the {name}")
    leaks = evidence.leaks()
    check(not leaks, "secrets leaked: " + "; ".join(leaks))
    print(f"secrets: {len(set(evidence.secrets.values()))} secrets in {len(evidence.secrets)} spellings, "
          f"none in {len(evidence.outputs)} outputs ({sum(len(d) for _, d in evidence.outputs)} bytes); "
          "modes 0700/0600; wrong CA and system store refused")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(run_e2e("secrets", ("openssl",), secrets, options=("--server", "--config-dir")))
