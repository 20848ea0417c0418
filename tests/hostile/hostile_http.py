#!/usr/bin/env python3
# Over the ~400-line guide on purpose: every attack of issue 14 against one
# server run, one function each.
"""Hostile clients against the real cxserver on 127.0.0.1 (issue 14).

Every attack of the issue's table, each asserting the figures README "cxserver"
promises: bounded memory under attack and back down after load, slow clients
dropped at absolute deadlines without stopping health checks or uploads, auth
from headers before any body byte, strict HTTP, 429 with Retry-After per
address, and a reply for a client that half-closes. Attackers use their own
loopback addresses (127.0.x.y) so per-address limits see them apart.

`--long` runs the long versions (tests/reliability/run-long.sh).
"""
import argparse
import gzip
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scoring"))
from seal_vectors import GENESIS, SEED, canonical_line, seal  # noqa: E402 (after the path)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

TEST_KEY = Ed25519PrivateKey.from_private_bytes(SEED)

FAILURES = []
BAD_TOKEN = "f" * 64
MIB = 1024 * 1024


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        FAILURES.append(what)


class Server:
    def __init__(self, binary, config_dir, workdir, extra=(), fleet=32):
        self.db = os.path.join(workdir, "db")
        self.binary = binary
        self.device = self.add_token("--role", "device", "--org", "demo-org", "--site", "hq",
                                     "--device", "kiosk-01")
        self.viewer = self.add_token("--role", "viewer", "--org", "demo-org")
        # Other kiosks of the site: a device token uploads one batch at a time.
        self.fleet = [self.add_token("--role", "device", "--org", "demo-org", "--site", "hq",
                                     "--device", f"kiosk-{i:02d}") for i in range(2, 2 + fleet)]
        self.log = open(os.path.join(workdir, "server.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--db", "sqlite:" + self.db, "--listen", "127.0.0.1:0",
             "--config", config_dir, *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not match:
            raise SystemExit("cxserver did not start: " + line)
        self.port = int(match.group(1))

    def add_token(self, *grant):
        out = subprocess.run([self.binary, "add-token", "--db", "sqlite:" + self.db, *grant],
                             check=True, capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1]

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)


def connect(server, source="127.0.0.1", timeout=5):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", server.port))
    return sock


class Reply:
    def __init__(self, status, headers, body, seconds, closed):
        self.status, self.headers, self.body = status, headers, body
        self.seconds, self.closed = seconds, closed

    def error_code(self):
        try:
            return json.loads(self.body).get("error")
        except ValueError:
            return None


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def read_reply(sock, started, wait_close=True):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        body = dechunk(body)
    else:
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    seconds = time.monotonic() - started
    closed = False
    if wait_close:
        try:
            sock.settimeout(2)
            closed = sock.recv(1) == b""
        except (socket.timeout, ConnectionResetError):
            closed = False
    return Reply(status, headers, body.decode("utf-8", "replace"), seconds, closed)


def exchange(server, raw, source="127.0.0.1", wait_close=True, half_close=False):
    sock = connect(server, source)
    started = time.monotonic()
    try:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_reply(sock, started, wait_close)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return None
    finally:
        sock.close()


def post(token, body, extra=b"", length=None):
    head = b"POST /api/v1/responses HTTP/1.1\r\nHost: cx\r\nContent-Type: application/json\r\n"
    if token:
        head += b"Authorization: Bearer " + token.encode() + b"\r\n"
    head += b"Content-Length: %d\r\n" % (len(body) if length is None else length)
    return head + extra + b"\r\n" + body


def get(path, token=None):
    head = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: cx\r\n"
    if token:
        head += b"Authorization: Bearer " + token.encode() + b"\r\n"
    return head + b"\r\n"


def record(seq, device="kiosk-01"):
    """A record sealed with the test key (the server pins it on the device's first upload);
    links are not checked at ingest, so each starts a chain of its own."""
    return canonical_line(seal({
        "id": str(uuid.uuid4()), "device": device, "org": "demo-org", "site": "hq",
        "seq": seq, "questionnaire": "tbsc134-b1", "lang": "en", "status": "complete",
        "started_at": "2025-11-25T09:00:00Z", "submitted_at": "2025-11-25T09:01:00Z",
        "duration_ms": 60000,
        "answers": {k: 4 for k in ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3",
                                   "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3",
                                   "7"]},
        "flags": []}, TEST_KEY, GENESIS))


def batch(*seqs):
    return batch_of("kiosk-01", *seqs)


def batch_of(device, *seqs):
    return ('{"responses":[' + ",".join(record(s, device) for s in seqs) + "]}").encode()


def stored_count(server):
    reply = exchange(server, get("/api/v1/orgs/demo-org/responses.jsonl", server.viewer),
                     wait_close=False)
    return len([l for l in reply.body.splitlines() if l.startswith("{")]) if reply else -1


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class RssPeak:
    """Samples the server's RSS every 50 ms while an attack runs: `with RssPeak(server) as rss:`."""

    def __init__(self, server):
        self.server = server
        self.base = self.peak = server.rss_mb()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def sample(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.done.set()
        self.thread.join()


# --- the attacks --------------------------------------------------------------------------


def strict_http(server):
    dev = server.device.encode()
    auth = b"Authorization: Bearer " + dev + b"\r\n"
    cases = [
        ("two Content-Length", b"POST /api/v1/responses HTTP/1.1\r\nHost: cx\r\n" + auth +
         b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "bad_request"),
        ("Content-Length: +N", b"POST /api/v1/responses HTTP/1.1\r\nHost: cx\r\n" + auth +
         b"Content-Length: +2\r\n\r\n{}", 400, None),
        ("Content-Length with Transfer-Encoding", b"POST /api/v1/responses HTTP/1.1\r\nHost: cx\r\n" +
         auth + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", 400, "bad_request"),
        ("NUL in a header value", post(server.device, b"{}", b"X-Note: a\x00b\r\n"), 400,
         "bad_request"),
        ("control character in a header value", post(server.device, b"{}", b"X-Note: a\x01b\r\n"),
         400, "bad_request"),
        ("two Authorization headers", post(server.device, b"{}", auth), 400, "bad_request"),
        ("Content-Encoding: xgzipx", post(server.device, b"{}", b"Content-Encoding: xgzipx\r\n"),
         415, "unsupported_encoding"),
        ("headers over 16 KiB", post(server.device, b"{}", b"X-Pad: " + b"a" * 17000 + b"\r\n"),
         431, "headers_too_large"),
        ("request target over 8 KiB", get("/api/v1/health?" + "a" * 9000), 414, "uri_too_long"),
        ("headers over the connection's memory", post(server.device, b"{}",
                                                      b"X-Pad: " + b"a" * 60000 + b"\r\n"), 431,
         None),
    ]
    for name, raw, status, code in cases:
        reply = exchange(server, raw)
        check(reply is not None and reply.status == status and reply.closed,
              f"strict: {name} → {status}, connection closed"
              f" (got {reply and reply.status}, closed {reply and reply.closed})")
        if code:
            check(reply is not None and reply.error_code() == code,
                  f"strict: {name} has the JSON error body {code}")
    bomb = gzip.compress(b'{"responses":[' + b" " * (50 * MIB) + b"]}")
    before = server.rss_mb()
    reply = exchange(server, post(server.device, bomb, b"Content-Encoding: gzip\r\n"))
    check(reply is not None and reply.status == 413 and reply.seconds < 1,
          f"gzip bomb ({len(bomb)} bytes → 50 MiB) → 413 within 1 s")
    check(server.rss_mb() - before < 20, "gzip bomb leaves RSS unchanged (±20 MB)")
    check(stored_count(server) == 0, "nothing stored by the strict-HTTP cases")


def auth_before_body(server, base, bound_mb):
    reply = exchange(server, post(BAD_TOKEN, b"", length=50_000_000), source=base + "1")
    check(reply is not None and reply.status == 401 and reply.closed and reply.seconds < 1,
          "50 MB announced with a bad token, no body sent → 401 within 1 s, connection closed")
    reply = exchange(server, post(None, b"", length=50_000_000), source=base + "1")
    check(reply is not None and reply.status == 401 and reply.closed,
          "no token, body announced → 401 from the headers")
    reply = exchange(server, post(server.viewer, b"", length=1000), source=base + "1")
    check(reply is not None and reply.status == 403 and reply.closed,
          "viewer token on the upload → 403 from the headers")
    reply = exchange(server, get("/api/v1/orgs/demo-org/responses.jsonl", server.device))
    check(reply is not None and reply.status == 403, "device token on an export → 403")
    # 2 rounds of 32 × 8 MiB bodies pushed behind bad tokens: none of it may be read.
    results = []

    def push(i):
        sock = connect(server, base + str(10 + i))
        try:
            sock.sendall(post(BAD_TOKEN, b"", length=8 * MIB))
            sock.sendall(b"x" * (8 * MIB))
        except OSError:
            pass
        try:
            reply = read_reply(sock, time.monotonic(), wait_close=False)
            results.append(reply.status if reply else None)
        except OSError:
            results.append("reset")
        sock.close()

    with RssPeak(server) as rss:
        for round in range(2):
            threads = [threading.Thread(target=push, args=(32 * round + i,)) for i in range(32)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    # 401 or 429 (the address limiter counts per address, and each push has its own).
    check(all(r in (401, 429, "reset", None) for r in results) and results.count(401) >= 32,
          f"2 rounds of 32 × 8 MiB behind bad tokens: refused ({results.count(401)} × 401 read)")
    check(rss.peak - rss.base < 30 and rss.peak < bound_mb,
          f"... and the server read none of it (RSS peak +{rss.peak - rss.base:.1f} MB, "
          f"{rss.peak:.0f} MB within the {bound_mb} MB bound)")


def header_flood(server, base, long):
    """Header lines without a newline, reconnecting whenever cut off, until `total` is sent."""
    def flood(source, prefix, total, results):
        sent, connections, longest = 0, 0, 0
        chunk = b"a" * MIB
        while sent < total:
            sock = connect(server, source, timeout=10)
            connections += 1
            on_this = 0
            try:
                sock.sendall(prefix)
                while sent < total:
                    sock.sendall(chunk)
                    sent += len(chunk)
                    on_this += len(chunk)
            except OSError:
                pass
            longest = max(longest, on_this)
            sock.close()
        results.append((connections, longest))

    before = server.rss_mb()
    header_line = ("header", b"GET /api/v1/health HTTP/1.1\r\nX-Flood: ")
    request_line = ("request", b"GET /")
    plan = [(header_line, 1, 256 * MIB), (header_line, 4, 512 * MIB), (request_line, 1, 256 * MIB)]
    if long:
        plan = [(header_line, 16, 10 * 1024 * MIB // 16), (request_line, 16, 10 * 1024 * MIB // 16)]
    for (kind, prefix), count, total in plan:
        results = []
        threads = [threading.Thread(target=flood, args=(base + str(i + 1), prefix, total, results))
                   for i in range(count)]
        started = time.monotonic()
        peak = before
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, server.rss_mb())
            time.sleep(0.1)
        longest = max(r[1] for r in results)
        check(longest < 32 * MIB,
              f"{kind} lines with no newline, {count} × {total // MIB} MiB: every connection cut "
              f"off after {longest // MIB} MiB at most (kernel buffers), "
              f"{sum(r[0] for r in results)} connections, {time.monotonic() - started:.1f} s")
        check(peak - before < 30, f"... RSS stays bounded (peak +{peak - before:.1f} MB)")


def slow_clients(server, base, count, addresses, bound_mb):
    """`count` connections trickling one byte a second, from `addresses` addresses."""
    per_address = (count + addresses - 1) // addresses
    socks = []
    for i in range(count):
        sock = connect(server, f"{base}{1 + i // per_address}")
        sock.setblocking(False)
        socks.append([sock, time.monotonic(), b"POST /api/v1/responses HTTP/1.1\r\nHost: cx\r\n", None])
    # A valid token trickling its body: dropped at its deadline too (10 s + size at 16 KiB/s).
    body_sock = connect(server, f"{base}{addresses + 1}")
    body_sock.setblocking(False)
    body_sock.sendall(post(server.fleet[0], b"", length=2000))
    socks.append([body_sock, time.monotonic(), b"", None])

    answered, slowest = 0, 0.0
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            now = time.monotonic()
            for entry in socks:
                sock, opened, pending, dropped = entry
                if dropped is not None:
                    continue
                try:
                    if sock.recv(4096) == b"":
                        entry[3] = now - opened
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    entry[3] = now - opened
                    continue
                try:
                    sock.send(pending[:1] if pending else b"x")
                    entry[2] = pending[1:]
                except BlockingIOError:
                    pass
                except OSError:
                    entry[3] = now - opened
            stop.wait(1.0)

    trickler = threading.Thread(target=trickle)
    rss = RssPeak(server).__enter__()
    trickler.start()
    time.sleep(1.5)
    seq = 1000
    for _ in range(4):
        for raw in (get("/api/v1/health"), post(server.device, batch(seq))):
            reply = exchange(server, raw, wait_close=False)
            if reply and reply.status == 200:
                answered += 1
                slowest = max(slowest, reply.seconds)
        seq += 1
        time.sleep(1)
    check(answered == 8 and slowest < 1,
          f"{count} slow connections: health and upload answered {answered}/8, slowest "
          f"{slowest * 1000:.0f} ms")
    everyone_dropped = wait_until(lambda: all(e[3] is not None for e in socks), 14)
    stop.set()
    trickler.join()
    rss.__exit__()
    check(rss.peak < bound_mb,
          f"... RSS peak {rss.peak:.0f} MB during the slow clients, within the {bound_mb} MB bound")
    times = [e[3] for e in socks if e[3] is not None]
    check(everyone_dropped and max(times) < 12.5,
          f"... all {len(socks)} trickling connections dropped at their absolute deadline "
          f"(latest after {max(times) if times else -1:.1f} s, though still sending)")
    for e in socks:
        e[0].close()


def slow_uploads_one_token(server, base):
    """16 uploads on one valid device token, each announcing a body it never sends."""
    socks = []
    for i in range(16):
        sock = connect(server, f"{base}1")
        sock.sendall(post(server.device, b"", length=2000))
        socks.append((sock, time.monotonic()))
    # Answered within 1 s of the last request: readable by then.
    deadline = time.monotonic() + 1
    answered = set()
    while len(answered) < len(socks) and time.monotonic() < deadline:
        readable, _, _ = select.select([s for s, _ in socks if s not in answered], [], [],
                                       max(0, deadline - time.monotonic()))
        answered.update(readable)
    busy = 0
    for sock in answered:
        reply = read_reply(sock, time.monotonic(), wait_close=False)
        if reply and reply.status == 429 and reply.headers.get("retry-after", "").isdigit():
            busy += 1
    check(busy == 15 and len(answered) == 15,
          f"16 slow uploads on one device token: {busy} answered 429 with Retry-After within 1 s "
          f"from their headers, {16 - len(answered)} left reading (one upload at a time per token)")
    other = exchange(server, post(server.fleet[1], batch_of("kiosk-03", 1)), f"{base}2",
                     wait_close=False)
    check(other is not None and other.status == 200 and other.seconds < 1,
          f"... while another kiosk's upload is answered 200 in "
          f"{other.seconds * 1000 if other else -1:.0f} ms")
    for sock, _ in socks:
        sock.close()


def per_address_limit(server, base):
    socks = [connect(server, base + "1") for _ in range(64)]
    time.sleep(0.3)
    extra = connect(server, base + "1")
    try:
        closed = extra.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        closed = True
    check(closed, "65th connection from one address is refused")
    other = exchange(server, get("/api/v1/health"), source=base + "2", wait_close=False)
    check(other is not None and other.status == 200, "... while another address is served")
    for s in socks + [extra]:
        s.close()


def keep_alive_idle(server):
    sock = connect(server, timeout=15)
    started = time.monotonic()
    sock.sendall(get("/api/v1/health"))
    health = read_reply(sock, started, wait_close=False)
    check(health.status == 200 and health.headers.get("connection") != "close",
          "a GET keeps its connection alive")
    sock.sendall(post(server.device, batch(1)))
    reply = read_reply(sock, started, wait_close=False)
    idle_from = time.monotonic()
    closed = sock.recv(1) == b""
    idle = time.monotonic() - idle_from
    check(reply.status == 200 and closed and 4.5 < idle < 6.5,
          f"idle keep-alive closed after {idle:.1f} s (5 s)")
    sock.close()


def bad_token_limit(server, base, attempts, bound_mb):
    results = []
    lock = threading.Lock()

    def attack(n):
        for _ in range(n):
            reply = exchange(server, post(BAD_TOKEN, b"{}"), source=base + "1")
            with lock:
                results.append(reply)

    workers = 16
    started = time.monotonic()
    threads = [threading.Thread(target=attack, args=(attempts // workers + (i < attempts % workers),))
               for i in range(workers)]
    rss = RssPeak(server).__enter__()
    for t in threads:
        t.start()
    time.sleep(0.5)
    # Meanwhile a kiosk at another address uploads, and a typo there is a plain 401.
    kiosk = exchange(server, post(server.device, batch(2000)), source=base + "2")
    typo = exchange(server, post(BAD_TOKEN, b"{}"), source=base + "3")
    for t in threads:
        t.join()
    rss.__exit__()
    elapsed = time.monotonic() - started
    statuses = [r.status if r else None for r in results]
    limited = [r for r in results if r and r.status == 429]
    check(statuses.count(401) <= 40 and len(limited) >= len(results) - 40,
          f"{len(results)} bad tokens from one address in {elapsed:.1f} s: "
          f"{statuses.count(401)} × 401, {len(limited)} × 429")
    check(all(r.headers.get("retry-after", "").isdigit() and int(r.headers["retry-after"]) >= 1
              and r.error_code() == "too_many_requests" for r in limited),
          "... every 429 has Retry-After and the JSON error body")
    slowed = [r for r in results if r and r.status == 401 and r.seconds >= 0.1]
    check(len(slowed) >= 5, f"... 401s after the first ten were slowed ({len(slowed)} held back)")
    check(kiosk is not None and kiosk.status == 200 and kiosk.seconds < 1,
          "a kiosk at another address uploads meanwhile within 1 s")
    check(typo is not None and typo.status == 401, "a bad token at a third address is a plain 401")
    check(rss.peak < bound_mb,
          f"... RSS peak {rss.peak:.0f} MB during the bad tokens, within the {bound_mb} MB bound")


def big_uploads(server, rounds, bound_mb):
    body = b'{"responses":[' + b" " * (8 * MIB - 64) + b"]}"
    statuses = []

    def upload(token):
        # As libcurl does for large bodies: the body follows only after 100 Continue.
        sock = connect(server, timeout=30)
        started = time.monotonic()
        try:
            sock.sendall(post(token, b"", b"Expect: 100-continue\r\n", length=len(body)))
            reply = read_reply(sock, started, wait_close=False)
            if reply and reply.status == 100:
                sock.sendall(body)
                reply = read_reply(sock, started, wait_close=False)
            if reply and reply.status == 503 and not reply.headers.get("retry-after"):
                reply.status = "503 without Retry-After"
            statuses.append(reply.status if reply else None)
        except OSError as error:
            statuses.append(str(error))
        finally:
            sock.close()

    with RssPeak(server) as rss:
        for _ in range(rounds):
            threads = [threading.Thread(target=upload, args=(token,)) for token in server.fleet]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    base = rss.base
    check(all(s in (200, 503) for s in statuses) and statuses.count(200) >= rounds * 16,
          f"{rounds} rounds of 32 × 8 MiB uploads: {statuses.count(200)} × 200, "
          f"{statuses.count(503)} × 503 (busy, Retry-After)")
    check(rss.peak < bound_mb, f"... peak RSS {rss.peak:.0f} MB within the {bound_mb} MB bound")
    settled = wait_until(lambda: server.rss_mb() < base + 60, 10)
    check(settled, f"... RSS back down after load ({server.rss_mb():.0f} MB, was {base:.0f} MB)")


def export_limit(binary, config_dir, workdir, base):
    """At most --threads exports stream at once; one more is answered 503 + Retry-After: 1.

    Its own server with --threads 2 and --timeout 60, so the held exports cannot be
    dropped while the checks run. A held export is one whose reader got the 200
    headers (the slot is taken before them) and then stopped reading an export
    larger than every socket buffer between them (twice the kernel's largest TCP
    send buffer): the server cannot finish it, so it holds its slot until the
    reader goes. No timing is assumed beyond deadlines on conditions.
    """
    os.makedirs(workdir)
    server = Server(binary, config_dir, workdir, ("--threads", "2", "--timeout", "60"), fleet=0)
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as wmem:
            largest_send_buffer = int(wmem.read().split()[2])
        line = len(record(1)) + 1
        count = (2 * (largest_send_buffer + MIB)) // line + 1
        for start in range(1, count + 1, 5000):  # 5,000 a batch: few commits, ~2 MiB a body
            body = batch(*range(start, min(start + 5000, count + 1)))
            reply = exchange(server, post(server.device, body), f"{base}1", wait_close=False)
            if not reply or reply.status != 200:
                server.log.seek(0)
                return check(False, f"export limit: uploading {count} records failed "
                                    f"({reply and reply.status}): {server.log.read()[-400:]}")
        path = "/api/v1/orgs/demo-org/responses.jsonl"
        held = []
        for _ in range(2):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.bind((f"{base}2", 0))
            sock.settimeout(10)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(get(path, server.viewer))
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
            held.append((sock, head.split(b"\r\n", 1)[0]))
        check(all(status == b"HTTP/1.1 200 OK" for _, status in held),
              f"export limit (--threads 2): 2 exports stream and their readers stop reading "
              f"({count} records, {count * line / MIB:.0f} MiB each; got "
              f"{[status.decode() for _, status in held]})")
        third = exchange(server, get(path, server.viewer), f"{base}3", wait_close=False)
        check(third is not None and third.status == 503 and
              third.headers.get("retry-after") == "1" and third.error_code() == "unavailable",
              f"... a third export is answered 503 unavailable with Retry-After: 1 "
              f"(got {third and third.status}, {third and third.headers.get('retry-after')})")
        health = exchange(server, get("/api/v1/health"), f"{base}3", wait_close=False)
        upload = exchange(server, post(server.device, batch(count + 1)), f"{base}3",
                          wait_close=False)
        check(health is not None and health.status == 200 and health.seconds < 1 and
              upload is not None and upload.status == 200 and upload.seconds < 1,
              "... while a health check and an upload are answered within 1 s")
        held.pop()[0].close()  # unread data: the server's next send fails, its export ends

        def streams():
            with connect(server, f"{base}3") as sock:
                sock.sendall(get(path, server.viewer))
                return sock.recv(4096).startswith(b"HTTP/1.1 200 ")
        check(wait_until(streams, 5), "... and once one reader goes, the next export streams")
        for sock, _ in held:
            sock.close()
    finally:
        server.stop()


def half_close(server):
    before = stored_count(server)
    reply = exchange(server, post(server.device, batch(3000)), half_close=True)
    check(reply is not None and reply.status == 200,
          "a complete request then a half-close still gets its reply")
    check(stored_count(server) == before + 1, "... and its record is stored once")
    body = batch(3001)
    reply = exchange(server, post(server.device, body[: len(body) // 2], length=len(body)),
                     half_close=True)
    check(reply is None, "half a body then a half-close: no reply, connection closed")
    check(stored_count(server) == before + 1, "... and nothing of it is stored")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--config-dir", required=True)
    parser.add_argument("--long", action="store_true")
    # README "cxserver": the bound for default flags (8 threads, 8 MiB bodies, 2000 connections).
    parser.add_argument("--rss-bound-mb", type=int, default=450)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(args.server, args.config_dir, workdir)
        try:
            started = time.monotonic()
            strict_http(server)
            bound = args.rss_bound_mb
            auth_before_body(server, "127.0.1.", bound)
            header_flood(server, "127.0.2.", args.long)
            if args.long:
                slow_clients(server, "127.0.3.", 1000, 20, bound)
            else:
                slow_clients(server, "127.0.3.", 200, 4, bound)
            slow_uploads_one_token(server, "127.0.6.")
            per_address_limit(server, "127.0.4.")
            keep_alive_idle(server)
            bad_token_limit(server, "127.0.5.", 100_000 if args.long else 5_000, bound)
            half_close(server)
            big_uploads(server, 4, args.rss_bound_mb)
            export_limit(args.server, args.config_dir, os.path.join(workdir, "exports"),
                         "127.0.7.")
            log = open(os.path.join(workdir, "server.log")).read()
            check(server.device not in log and server.viewer not in log and BAD_TOKEN not in log,
                  "no token in the request log")
            print(f"hostile suite: {time.monotonic() - started:.0f} s, final RSS "
                  f"{server.rss_mb():.0f} MB")
        finally:
            server.stop()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
