#!/usr/bin/env python3
"""The Debian packages and the systemd units (README "Packages", deploy/README.md).

  package_test.py packages --build-dir B --out DIR --version V
      cpack -G DEB in the build tree; checks each package's name, layout,
      conffiles, maintainer scripts and its dpkg-shlibdeps-derived Depends.
  package_test.py units --debs DIR --units-dir deploy/systemd --readme deploy/README.md
      unpacks the packages into a root, runs `systemd-analyze verify` on every
      unit of deploy/systemd as installed there, and rates cxserver.service with
      `systemd-analyze security --offline=true` (OK or better, and the figure
      deploy/README.md gives).
  package_test.py install --debs DIR --root-script tests/deploy/bookworm_root.sh
                         --sample RESPONSES --guide deploy/README.md
      the operator guide, step by step, in a fresh Debian 12 root (a cached
      debootstrap, unpacked per run): its server install (apt-get, dependencies
      from Debian's mirror; users, folders, modes), then it boots systemd in the
      root (systemd-nspawn -b), waits for the hardened cxserver.service to answer
      /api/v1/health and runs every further step of the guide in the running
      system — kiosk install and enrolment, fleet health, token rotation, a move
      to another site, backup and restore, an upgrade to re-versioned packages,
      the purge — each checked for its effect; powers off; then what the purge
      left.

Each subcommand prints what it checked and exits non-zero with the reason on
the first failure.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# Unit types `systemd-analyze verify` can load from a file.
UNIT_SUFFIXES = (".service", ".socket", ".timer", ".path", ".target", ".mount")
SERVER_UNIT = "cxserver.service"
UNIT_DIR = "/lib/systemd/system"
SECURITY_LIMIT = 4.9  # the upper end of systemd-analyze's "OK"
APT_CACHE = "/var/cache/cxkiosk-tests/apt-archives"
# Where the test puts files into the root (nspawn mounts a tmpfs of its own on /tmp).
INBOX = "/srv/cx-test"
# Neither machined nor a system bus on a host whose PID 1 is not systemd: the container
# stays in the caller's cgroup and is not registered. Its name (nspawn keeps state under
# it in /run) is this run's, so two runs at once do not meet.
NSPAWN = ["systemd-nspawn", "--quiet", "--keep-unit", "--register=no", f"--machine=cx-test-{os.getpid()}"]


class Failure(Exception):
    pass


def run(args, check=True, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise Failure(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def expect(condition, message):
    if not condition:
        raise Failure(message)


def deb_paths(debs_dir):
    paths = sorted(glob.glob(os.path.join(debs_dir, "*.deb")))
    expect(paths, f"no .deb in {debs_dir}")
    return paths


# --- packages --------------------------------------------------------------

def expected_packages(version):
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    return {
        "cxkiosk": {
            "file": f"cxkiosk_{version}_{arch}.deb",
            "files": ["./usr/bin/cxkiosk", "./etc/cxkiosk/kiosk.json",
                      "./usr/share/cxkiosk/config/kiosk.example.json"],
            "conffiles": ["/etc/cxkiosk/kiosk.json"],
            "maintainer_scripts": True,
            # fonts-noto-cjk by hand; the rest from dpkg-shlibdeps (libc6, GLFW, SQLite, libcurl).
            # The kiosk session's compositor, seat and X server.
            "recommends": "cage, seatd, xwayland",
            "depends": ["fonts-noto-cjk", f"cxkiosk-common (= {version})", "adduser",
                        "libc6 (>=", "libglfw3", "libsqlite3-0", "libcurl4"],
        },
        "cxserver": {
            "file": f"cxserver_{version}_{arch}.deb",
            "files": ["./usr/bin/cxserver", "./usr/bin/cxscore", "./etc/cxserver/cxserver.env",
                      f".{UNIT_DIR}/{SERVER_UNIT}"],
            "conffiles": ["/etc/cxserver/cxserver.env"],
            "maintainer_scripts": True,
            "depends": [f"cxkiosk-common (= {version})", "adduser", "libc6 (>=",
                        "libmicrohttpd12", "libpq5", "libsqlite3-0", "libsodium23"],
        },
        "cxkiosk-common": {
            "file": f"cxkiosk-common_{version}_all.deb",
            "files": [f"./usr/share/cxkiosk/config/{name}.json"
                      for name in ("questionnaire", "policy", "management")],
            "conffiles": [],
            "maintainer_scripts": False,
            "depends": [],
        },
    }


def check_package(path, package, spec):
    fields = run(["dpkg-deb", "-f", path, "Package", "Depends", "Recommends"]).stdout
    print(f"--- {os.path.basename(path)}\n{run(['dpkg-deb', '-I', path]).stdout}", end="")
    expect(f"Package: {package}\n" in fields, f"{path}: {fields}")
    depends = re.search(r"^Depends: (.*)$", fields, re.M)
    depends = depends.group(1) if depends else ""
    for needed in spec["depends"]:
        expect(needed in depends, f"{package}: Depends lacks '{needed}': {depends}")
    recommends = re.search(r"^Recommends: (.*)$", fields, re.M)
    expect((recommends.group(1) if recommends else "") == spec.get("recommends", ""),
           f"{package}: Recommends {recommends.group(1) if recommends else None}")

    contents = run(["dpkg-deb", "-c", path]).stdout
    names = {line.split()[-1] for line in contents.splitlines()}
    for needed in spec["files"]:
        expect(needed in names, f"{package}: no {needed} in\n{contents}")
    for line in contents.splitlines():
        mode, owner, name = line.split()[0], line.split()[1], line.split()[-1]
        expect(owner == "root/root", f"{package}: {name} is owned by {owner}")
        if name.startswith("./usr/bin/") and not name.endswith("/"):
            expect(mode == "-rwxr-xr-x", f"{package}: {name} has mode {mode}")
    print(contents, end="")

    control = tempfile.mkdtemp(prefix="cx-control-")
    try:
        run(["dpkg-deb", "-e", path, control])
        conffiles_path = os.path.join(control, "conffiles")
        conffiles = open(conffiles_path).read().split() if os.path.exists(conffiles_path) else []
        expect(conffiles == spec["conffiles"], f"{package}: conffiles {conffiles}")
        for script in ("postinst", "prerm", "postrm"):
            script_path = os.path.join(control, script)
            if not spec["maintainer_scripts"]:
                expect(not os.path.exists(script_path), f"{package}: has a {script}")
                continue
            expect(os.access(script_path, os.X_OK), f"{package}: no executable {script}")
            run(["sh", "-n", script_path])
            expect("@" not in open(script_path).read(), f"{package}: {script} kept a @VARIABLE@")
    finally:
        shutil.rmtree(control)


def packages(args):
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    started = time.monotonic()
    build_dir = os.path.abspath(args.build_dir)
    run(["cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
         "-B", os.path.abspath(args.out)], cwd=build_dir)
    print(f"cpack -G DEB: {time.monotonic() - started:.1f} s")
    # cpack's scratch folder is not a package.
    shutil.rmtree(os.path.join(args.out, "_CPack_Packages"), ignore_errors=True)
    made = sorted(os.path.basename(p) for p in deb_paths(args.out))
    specs = expected_packages(args.version)
    expect(made == sorted(spec["file"] for spec in specs.values()), f"cpack made {made}")
    for package, spec in specs.items():
        check_package(os.path.join(args.out, spec["file"]), package, spec)
    print(f"packages: {', '.join(made)} OK")


# --- units -----------------------------------------------------------------

def unpacked_root(debs_dir):
    """The packages' files in a root that also has the host's systemd units
    (verify loads the targets a unit depends on from the root it is given)."""
    root = tempfile.mkdtemp(prefix="cx-units-root-")
    shutil.copytree(UNIT_DIR, os.path.join(root, UNIT_DIR.lstrip("/")), symlinks=True)
    for path in deb_paths(debs_dir):
        run(["dpkg-deb", "-x", path, root])
    return root


def commands_of(unit_path):
    """The programs a unit runs (Exec*= lines, after systemd's prefixes like '-' and '+')."""
    programs = []
    for line in open(unit_path):
        match = re.match(r"\s*Exec\w+=\s*[-@:+!]*(\S+)", line)
        if match and match.group(1).startswith("/"):
            programs.append(match.group(1))
    return programs


def add_dependencies_from_host(root, unit_path):
    """verify checks that each program a unit runs is there; the host's copy (installed
    by deploy/install-deps.sh) stands in for a program the packages depend on."""
    for program in commands_of(unit_path):
        in_root = os.path.join(root, program.lstrip("/"))
        if not os.path.exists(in_root) and os.path.exists(program):
            os.makedirs(os.path.dirname(in_root), exist_ok=True)
            shutil.copy(program, in_root)


def security_exposure(root):
    result = run(["systemd-analyze", "security", "--offline=true", f"--root={root}",
                  f"{UNIT_DIR}/{SERVER_UNIT}"], check=False)
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d) (\w+)", output)
    expect(match, f"systemd-analyze security printed no exposure level:\n{output}")
    return float(match.group(1)), match.group(2)


def units(args):
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(args.units_dir, "*"))
                   if p.endswith(UNIT_SUFFIXES))
    expect(SERVER_UNIT in names, f"{SERVER_UNIT} missing from {args.units_dir}")
    root = unpacked_root(args.debs)
    try:
        for name in names:
            installed = os.path.join(root, UNIT_DIR.lstrip("/"), name)
            expect(os.path.exists(installed), f"{name} is not in any package")
            add_dependencies_from_host(root, installed)
            # Warnings (an unknown key, a missing binary) go to stderr with exit 0: fail on them too.
            result = run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                          f"{UNIT_DIR}/{name}"], check=False)
            expect(result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(),
                   f"systemd-analyze verify {name} (exit {result.returncode}):\n"
                   f"{result.stdout}{result.stderr}")
            print(f"verify {name}: OK")
        exposure, rating = security_exposure(root)
    finally:
        shutil.rmtree(root)
    print(f"systemd-analyze security {SERVER_UNIT}: {exposure} {rating}")
    expect(exposure <= SECURITY_LIMIT, f"{SERVER_UNIT} exposure {exposure} {rating} > {SECURITY_LIMIT}")
    figure = f"{exposure} {rating}"
    expect(figure in open(args.readme).read(),
           f"{args.readme} does not give the measured figure '{figure}' under \"Server unit\"")


# --- install ---------------------------------------------------------------

class DebianRoot:
    """A fresh Debian 12 root: commands run in it as a container (own mount, PID and IPC
    namespaces) until it is booted, then in its running system (nsenter into the
    namespaces of its systemd)."""

    def __init__(self, path):
        self.path = path
        self.init_pid = None  # the booted container's systemd, on the host
        self.container = None

    def sh(self, script, check=True, cwd="/"):
        command = ["/bin/bash", "-euo", "pipefail", "-c",
                   f"export DEBIAN_FRONTEND=noninteractive; cd {cwd}\n{script}"]
        if self.init_pid:
            result = run(["nsenter", "--target", str(self.init_pid), "--all", *command], check=False)
        else:
            result = run([*NSPAWN, "--resolv-conf=copy-host",
                          f"--bind={APT_CACHE}:/var/cache/apt/archives", "--directory", self.path,
                          "--pipe", *command], check=False)
        if check and result.returncode != 0:
            raise Failure(f"in the root (exit {result.returncode}):\n{script}\n"
                          f"{result.stdout}{result.stderr}")
        return result

    def stat(self, path):
        return self.sh(f"stat -c '%U:%G %a' {path}").stdout.strip()

    def boot(self, log_path):
        # The container shares the host's network, so its server answers on the host's loopback.
        with open(log_path, "w") as log:
            self.container = subprocess.Popen(
                [*NSPAWN, f"--bind={APT_CACHE}:/var/cache/apt/archives", "--boot", "--directory",
                 self.path, "--console=pipe"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.init_pid = wait_for("the container's systemd", lambda: container_init(self.container.pid), 30)

    def running(self, log_path):
        if self.container.poll() is not None:
            raise Failure(f"systemd-nspawn -b exited {self.container.returncode}: {open(log_path).read()}")

    def power_off(self):
        if not self.container:
            return
        self.container.terminate()  # nspawn asks the container's systemd to power off
        try:
            self.container.wait(60)
        except subprocess.TimeoutExpired:
            # Killing nspawn alone would leave the container running; killing its init ends
            # every process of its PID namespace.
            if self.init_pid:
                os.kill(self.init_pid, signal.SIGKILL)
            self.container.kill()
            self.container.wait()
        self.init_pid = None
        self.container = None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise Failure(f"{what}: not within {seconds} s")


def health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as reply:
            return reply.read().decode()
    except OSError:
        return None


def refresh_lists(root, lists_age):
    # The cached root's package lists go stale as Debian publishes updates.
    if lists_age > 86400:
        root.sh("apt-get update -qq")


def check_installed(root, users):
    """The system users, state folders and settings of the packages installed so far
    (`users` of cxserver and cxkiosk); the server's settings may hold a database
    password, the kiosk's token has a file of its own."""
    expected = {"cxserver": ("/var/lib/cxserver", "/etc/cxserver/cxserver.env", "root:cxserver 640"),
                "cxkiosk": ("/var/lib/cxkiosk", "/etc/cxkiosk/kiosk.json", "root:root 644")}
    for user in users:
        state_dir, settings, settings_stat = expected[user]
        entry = root.sh(f"getent passwd {user}").stdout.strip().split(":")
        expect(int(entry[2]) < 1000 and entry[5] == state_dir and entry[6] == "/usr/sbin/nologin",
               f"system user {user}: {entry}")
        expect(root.stat(state_dir) == f"{user}:{user} 700", f"{state_dir}: {root.stat(state_dir)}")
        expect(root.stat(settings) == settings_stat, f"{settings}: {root.stat(settings)}")
        print(f"user {user}, {state_dir} {user}:{user} 700, {settings} {settings_stat}: OK")


def check_server_programs(root):
    root.sh("cxserver --help >/dev/null && cxscore --help >/dev/null")
    # cxscore finds the questionnaire and policy of cxkiosk-common in /usr/share/cxkiosk/config.
    report = root.sh(f"cxscore score --responses {INBOX}/responses.jsonl --format json").stdout
    expect('"respondents"' in report, f"cxscore on the sample printed {report[:200]}")
    expect(os.path.islink(os.path.join(root.path, "etc/systemd/system/multi-user.target.wants",
                                       SERVER_UNIT)), f"{SERVER_UNIT} is not enabled")
    print("cxserver and cxscore run; cxscore scores the sample; cxserver.service enabled: OK")


def upgrade_packages(debs, folder):
    """The same packages under a higher version (what an upgrade installs): unpacked,
    the version (and the = dependency on cxkiosk-common) raised, packed again."""
    os.makedirs(folder)
    for path in debs:
        version = run(["dpkg-deb", "-f", path, "Version"]).stdout.strip()
        newer = version + "+upgrade1"
        unpacked = tempfile.mkdtemp(prefix="cx-upgrade-")
        try:
            run(["dpkg-deb", "-R", path, unpacked])
            control_path = os.path.join(unpacked, "DEBIAN", "control")
            control = open(control_path).read()
            control = re.sub(r"^Version: .*$", f"Version: {newer}", control, flags=re.M)
            control = control.replace(f"(= {version})", f"(= {newer})")
            open(control_path, "w").write(control)
            name = os.path.basename(path).replace(f"_{version}_", f"_{newer}_")
            run(["dpkg-deb", "-b", unpacked, os.path.join(folder, name)])
        finally:
            shutil.rmtree(unpacked)
    return newer


def container_init(nspawn_pid):
    """The PID (on the host) of the booted container's systemd, once it is there."""
    try:
        with open(f"/proc/{nspawn_pid}/task/{nspawn_pid}/children") as children:
            pids = children.read().split()
    except OSError:
        return None
    return int(pids[0]) if pids else None


def check_purged(root):
    left = [path for path in ("/var/lib/cxserver", "/var/lib/cxkiosk", "/etc/cxserver", "/etc/cxkiosk",
                              "/usr/bin/cxserver", "/usr/bin/cxkiosk", "/usr/share/cxkiosk",
                              f"/etc/systemd/system/multi-user.target.wants/{SERVER_UNIT}",
                              f"/var/lib/systemd/deb-systemd-helper-enabled/{SERVER_UNIT}.dsh-also",
                              f"/var/lib/systemd/deb-systemd-helper-masked/{SERVER_UNIT}")
            if os.path.lexists(os.path.join(root.path, path.lstrip("/")))]
    expect(not left, f"left after purge: {left}")
    # No link to a unit the purge took away (an administrator's `systemctl enable` of the
    # kiosk session makes one the package's own scripts never recorded).
    dangling = root.sh("find /etc/systemd/system -xtype l -name 'cx*'").stdout.split()
    expect(not dangling, f"links to purged units left: {dangling}")
    for package in ("cxserver", "cxkiosk", "cxkiosk-common"):
        status = root.sh(f"dpkg-query -W -f='${{db:Status-Status}}' {package} 2>/dev/null",
                         check=False).stdout.strip()
        expect(status in ("", "not-installed"), f"dpkg still has {package}: {status}")
    # Debian keeps system users after purge (postrm says why).
    root.sh("getent passwd cxserver >/dev/null && getent passwd cxkiosk >/dev/null")
    print("purge: state folders, conffiles, programs and unit links gone; system users kept: OK")


# --- the operator guide (deploy/README.md) ---------------------------------

GUIDE_SERVER = "https://certifier.example:8443"  # the guide's server, the test's in its place
GUIDE_CODE = "1234-5678-9012"  # the guide's enrolment code, the one enrol-code printed in its place
# Every step of the guide, in its order: each is run and checked below, but `postgresql`
# (tests/deploy/guide_postgres_test.py runs that one against a real PostgreSQL).
GUIDE_STEPS = ["install-server", "viewer-token", "install-kiosk", "kiosk-settings", "enrol-code",
               "enrol", "kiosk-session", "fleet", "rotate", "move-code", "move-kiosk", "move-revoke",
               "backup", "restore",
               "postgresql", "upgrade", "purge"]
SERVER_DB = "sqlite:/var/lib/cxserver/cx.db"
VIEWER_TOKEN = "/root/demo-org-viewer.token"


def guide_steps(readme):
    """The guide's command blocks by step name; every ```sh block must have one."""
    text = open(readme, encoding="utf-8").read()
    blocks = re.findall(r"<!-- step: ([\w-]+) -->\n```sh\n(.*?)^```$", text, re.S | re.M)
    expect(len(blocks) == len(re.findall(r"^```sh$", text, re.M)),
           f"{readme}: a ```sh block without its <!-- step: NAME --> line")
    names = [name for name, _ in blocks]
    expect(names == GUIDE_STEPS, f"{readme}: steps {names}; the test checks {GUIDE_STEPS}")
    return dict(blocks)


class Guide:
    """Runs the guide's steps as an operator would, in the root."""

    def __init__(self, root, readme, port):
        self.root = root
        self.steps = guide_steps(readme)
        self.port = port
        self.code = None  # the latest code enrol-code printed

    def step(self, name, cwd="/"):
        script = self.steps[name].replace(GUIDE_SERVER, f"http://127.0.0.1:{self.port}")
        if self.code:
            script = script.replace(GUIDE_CODE, self.code)
        result = self.root.sh(script, cwd=cwd)
        codes = re.findall(r"\b\d{4}-\d{4}-\d{4}\b", result.stdout)
        if codes:
            self.code = codes[-1]
        print(f"guide step {name}: ran")
        return result

    def file(self, path):
        with open(os.path.join(self.root.path, path.lstrip("/")), encoding="utf-8") as f:
            return f.read()

    def tokens(self):
        return self.root.sh(f"runuser -u cxserver -- cxserver list-tokens --db {SERVER_DB} --all").stdout


def http_get(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                      headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_healthy(root, port, log_path, what):
    """Until the packaged unit answers /api/v1/health (fails at once if the unit failed)."""
    started = time.monotonic()

    def answered_or_gave_up():
        root.running(log_path)
        reply = health(port)
        if reply:
            return reply
        if root.sh(f"systemctl is-active {SERVER_UNIT}", check=False).stdout.strip() == "failed":
            journal = root.sh(f"journalctl --no-pager -u {SERVER_UNIT}", check=False).stdout
            raise Failure(f"{SERVER_UNIT} failed in the booted root:\n{journal}")
        return None

    reply = wait_for(f"{SERVER_UNIT} answering /api/v1/health {what}", answered_or_gave_up, 90)
    expect('"status":"ok"' in reply, f"health answered {reply}")
    print(f"{SERVER_UNIT} answered {reply} on 127.0.0.1:{port} {what} "
          f"({time.monotonic() - started:.1f} s): OK")


def follow_guide(root, guide, debs, log_path):
    """The operator guide from a fresh Debian 12 to a purge: install the server, boot, then
    every step in the guide's order, each checked for its effect."""
    port = guide.port
    guide.step("install-server", cwd=INBOX)
    check_installed(root, ["cxserver"])
    check_server_programs(root)
    newer = upgrade_packages(debs, os.path.join(root.path, INBOX.lstrip("/"), "upgrade"))
    env_file = os.path.join(root.path, "etc/cxserver/cxserver.env")
    settings = open(env_file).read()
    with open(env_file, "w") as out:  # an administrator's edit of the conffile
        out.write(settings.replace("CXSERVER_LISTEN=127.0.0.1:8443", f"CXSERVER_LISTEN=127.0.0.1:{port}"))

    root.boot(log_path)
    wait_healthy(root, port, log_path, "after boot")
    unit_user = root.sh(f"systemctl show -P User {SERVER_UNIT}").stdout.strip()
    expect(unit_user == "cxserver", f"{SERVER_UNIT} runs as '{unit_user}'")
    expect(root.stat("/var/lib/cxserver/cx.db") == "cxserver:cxserver 600",
           f"the server's database: {root.stat('/var/lib/cxserver/cx.db')}")
    print("runs as cxserver; /var/lib/cxserver/cx.db cxserver:cxserver 600: OK")

    guide.step("viewer-token")
    viewer = guide.file(VIEWER_TOKEN).strip()
    expect(re.fullmatch(r"[0-9a-f]{64}", viewer), f"{VIEWER_TOKEN} holds {viewer[:20]}…")
    expect(root.stat(VIEWER_TOKEN) == "root:root 600", f"{VIEWER_TOKEN}: {root.stat(VIEWER_TOKEN)}")
    expect(http_get(port, "/api/v1/orgs/demo-org/score", viewer)[0] == 200, "the viewer token reads no score")

    guide.step("install-kiosk", cwd=INBOX)
    check_installed(root, ["cxkiosk"])
    guide.step("kiosk-settings")
    expect(f'"server": "http://127.0.0.1:{port}"' in guide.file("/etc/cxkiosk/kiosk.json"),
           "the kiosk's settings do not name the server")
    expect(root.stat("/var/lib/cxkiosk/responses.sqlite3").startswith("cxkiosk:cxkiosk"),
           "set-pin did not write the kiosk's own store")

    guide.step("enrol-code")
    expect(guide.code, "enrol-code printed no code")
    enrolled = guide.step("enrol")
    token = guide.file("/var/lib/cxkiosk/token").strip()
    expect(root.stat("/var/lib/cxkiosk/token") == "cxkiosk:cxkiosk 600",
           f"the kiosk's token file: {root.stat('/var/lib/cxkiosk/token')}")
    expect(token and token not in enrolled.stdout + enrolled.stderr, "enrol printed the token")
    guide.step("kiosk-session")
    enabled = root.sh("systemctl is-enabled seatd.service cxkiosk-session.service; "
                      "systemctl get-default", check=False).stdout.split()
    expect(enabled == ["enabled", "enabled", "graphical.target"], f"kiosk session: {enabled}")

    fleet = json.loads(guide.step("fleet").stdout)
    kiosk = [d for d in fleet["devices"] if d["device"] == "kiosk-01"]
    expect(kiosk and [k["trusted"] for k in kiosk[0]["keys"]] == ["enrolled"],
           f"the fleet lists {fleet}")
    print(f"fleet: kiosk-01 at {kiosk[0]['site']}, key enrolled, status {kiosk[0]['status']}: OK")

    guide.step("rotate")
    rotated = guide.file(VIEWER_TOKEN).strip()
    expect(rotated != viewer, "the viewer token was not replaced")
    expect(http_get(port, "/api/v1/orgs/demo-org/devices", viewer)[0] == 401, "the revoked token still reads")
    expect(http_get(port, "/api/v1/orgs/demo-org/devices", rotated)[0] == 200, "the new token does not read")

    guide.step("move-code")
    guide.step("move-kiosk")
    expect(guide.file("/var/lib/cxkiosk/token").strip() != token, "the kiosk kept its old token")
    guide.step("move-revoke")
    tokens = guide.tokens()
    expect(re.search(r"^2 +device +demo-org +hq +kiosk-01 +\S+Z +\S+Z$", tokens, re.M) and
           re.search(r"^4 +device +demo-org +annex +kiosk-01 +\S+Z +-$", tokens, re.M),
           f"after the move:\n{tokens}")

    guide.step("backup")
    backups = root.sh("ls /var/backups/cxserver").stdout.split()
    expect(len(backups) == 1 and root.stat(f"/var/backups/cxserver/{backups[0]}") == "cxserver:cxserver 600",
           f"backups: {backups}")
    guide.step("restore")
    wait_healthy(root, port, log_path, "after the restore")
    expect(guide.tokens() == tokens, "the restored database lacks tokens")

    main_pid = root.sh(f"systemctl show -P MainPID {SERVER_UNIT}").stdout.strip()
    guide.step("upgrade", cwd=f"{INBOX}/upgrade")
    wait_healthy(root, port, log_path, "after the upgrade")
    restarted = root.sh(f"systemctl show -P MainPID {SERVER_UNIT}").stdout.strip()
    expect(restarted != main_pid, f"{SERVER_UNIT} was not restarted by the upgrade (PID {main_pid})")
    version = root.sh("dpkg-query -W -f='${Version}' cxserver").stdout.strip()
    expect(version == newer, f"cxserver {version} after the upgrade, not {newer}")
    expect(guide.tokens() == tokens, "the upgrade lost tokens")
    expect(http_get(port, "/api/v1/orgs/demo-org/devices", rotated)[0] == 200, "no reads after the upgrade")
    print(f"upgrade to {newer}: server restarted, its database kept: OK")

    guide.step("purge")
    wait_for("the purged server to stop answering", lambda: health(port) is None, 30)
    state = root.sh(f"systemctl is-active {SERVER_UNIT}", check=False).stdout.strip()
    expect(state == "inactive", f"{SERVER_UNIT} is {state} after purge")
    print(f"apt-get purge in the running system stopped {SERVER_UNIT}: OK")


def install(args):
    expect(os.geteuid() == 0, "the install test runs as root (debootstrap, systemd-nspawn)")
    for tool in ("systemd-nspawn", "debootstrap", "nsenter"):
        expect(shutil.which(tool), f"{tool} is missing: deploy/install-deps.sh --tests installs it")
    started = time.monotonic()
    tarball = run([args.root_script]).stdout.strip()
    print(f"root tarball {tarball} ({time.monotonic() - started:.1f} s)")
    os.makedirs(APT_CACHE, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cx-install-")
    root = DebianRoot(os.path.join(work, "root"))
    try:
        os.makedirs(root.path)
        run(["tar", "-C", root.path, "--numeric-owner", "-xzf", tarball])
        inbox = os.path.join(root.path, INBOX.lstrip("/"))
        os.makedirs(inbox)
        shutil.copy(args.sample, os.path.join(inbox, "responses.jsonl"))
        debs = deb_paths(args.debs)
        for path in debs:
            shutil.copy(path, inbox)
        refresh_lists(root, time.time() - os.path.getmtime(tarball))
        guide = Guide(root, args.guide, free_port())
        try:
            follow_guide(root, guide, debs, os.path.join(work, "boot.log"))
        finally:
            root.power_off()
        check_purged(root)
    finally:
        shutil.rmtree(work)
    print(f"install test (the operator guide, deploy/README.md): {time.monotonic() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("packages")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--version", required=True)
    p.set_defaults(func=packages)
    p = commands.add_parser("units")
    p.add_argument("--debs", required=True)
    p.add_argument("--units-dir", required=True)
    p.add_argument("--readme", required=True)
    p.set_defaults(func=units)
    p = commands.add_parser("install")
    p.add_argument("--debs", required=True)
    p.add_argument("--root-script", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--guide", required=True, help="deploy/README.md, whose steps the test runs")
    p.set_defaults(func=install)
    args = parser.parse_args()
    try:
        args.func(args)
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
