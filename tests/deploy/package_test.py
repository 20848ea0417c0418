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
      a fresh Debian 12 root (a cached debootstrap, unpacked per run): apt-get
      install of the packages from the files with their dependencies from
      Debian's mirror, users, folders and modes; then boots systemd in it
      (systemd-nspawn -b), waits for cxserver.service to answer /api/v1/health,
      purges the packages in the running system and powers it off; then what
      the purge left.

Each subcommand prints what it checked and exits non-zero with the reason on
the first failure.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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

def nspawn(root, *command, check=True):
    """Runs a command in the root as a container (own mount, PID and IPC namespaces)."""
    return run([*NSPAWN, "--resolv-conf=copy-host",
                f"--bind={APT_CACHE}:/var/cache/apt/archives", "--directory", root,
                "--setenv=DEBIAN_FRONTEND=noninteractive", "--pipe", *command], check=check)


def shell(root, script, check=True):
    return nspawn(root, "/bin/sh", "-ec", script, check=check)


def stat_of(root, path):
    return shell(root, f"stat -c '%U:%G %a' {path}").stdout.strip()


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


def install_packages(root, debs, lists_age):
    for path in debs:
        shutil.copy(path, os.path.join(root, INBOX.lstrip("/")))
    # The cached root's package lists go stale as Debian publishes updates.
    if lists_age > 86400:
        shell(root, "apt-get update -qq")
    started = time.monotonic()
    output = shell(root, f"apt-get install -y -q {INBOX}/*.deb").stdout
    installed = re.search(r"(\d+) newly installed", output)
    expect(installed, f"apt-get install said:\n{output}")
    print(f"apt-get install: {installed.group(1)} packages, {time.monotonic() - started:.1f} s")


def check_installed(root):
    # The server's settings may hold a database password; the kiosk's token has a file of its own.
    for user, state_dir, settings, settings_stat in (
            ("cxserver", "/var/lib/cxserver", "/etc/cxserver/cxserver.env", "root:cxserver 640"),
            ("cxkiosk", "/var/lib/cxkiosk", "/etc/cxkiosk/kiosk.json", "root:root 644")):
        entry = shell(root, f"getent passwd {user}").stdout.strip().split(":")
        expect(int(entry[2]) < 1000 and entry[5] == state_dir and entry[6] == "/usr/sbin/nologin",
               f"system user {user}: {entry}")
        expect(stat_of(root, state_dir) == f"{user}:{user} 700", f"{state_dir}: {stat_of(root, state_dir)}")
        expect(stat_of(root, settings) == settings_stat, f"{settings}: {stat_of(root, settings)}")
        print(f"user {user}, {state_dir} {user}:{user} 700, {settings} {settings_stat}: OK")
    shell(root, "cxserver --help >/dev/null && cxscore --help >/dev/null && cxkiosk --help >/dev/null")
    # cxscore finds the questionnaire and policy of cxkiosk-common in /usr/share/cxkiosk/config.
    report = shell(root, f"cxscore score --responses {INBOX}/responses.jsonl --format json").stdout
    expect('"respondents"' in report, f"cxscore on the sample printed {report[:200]}")
    expect(os.path.islink(os.path.join(root, "etc/systemd/system/multi-user.target.wants", SERVER_UNIT)),
           f"{SERVER_UNIT} is not enabled")
    print("cxserver, cxscore, cxkiosk run; cxscore scores the sample; cxserver.service enabled: OK")


def container_init(nspawn_pid):
    """The PID (on the host) of the booted container's systemd, once it is there."""
    try:
        with open(f"/proc/{nspawn_pid}/task/{nspawn_pid}/children") as children:
            pids = children.read().split()
    except OSError:
        return None
    return int(pids[0]) if pids else None


def in_container(init_pid, *command):
    return run(["nsenter", "--target", str(init_pid), "--all", *command], check=False)


def boot_serve_and_purge(root):
    """Boots the root's systemd, waits for the packaged, hardened unit to answer, then
    purges the packages in the running system (prerm stops the server) and powers off."""
    port = free_port()
    env_file = os.path.join(root, "etc/cxserver/cxserver.env")
    settings = open(env_file).read()
    with open(env_file, "w") as out:  # an administrator's edit of the conffile
        out.write(settings.replace("CXSERVER_LISTEN=127.0.0.1:8443", f"CXSERVER_LISTEN=127.0.0.1:{port}"))
    log_path = os.path.join(os.path.dirname(root), "boot.log")
    # The container shares the host's network, so its server answers on the host's loopback.
    with open(log_path, "w") as log:
        container = subprocess.Popen([*NSPAWN, "--boot", "--directory", root, "--console=pipe"],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    init_pid = None
    try:
        init_pid = wait_for("the container's systemd", lambda: container_init(container.pid), 30)

        def answered_or_gave_up():
            if container.poll() is not None:
                raise Failure(f"systemd-nspawn -b exited {container.returncode}: {open(log_path).read()}")
            reply = health(port)
            if reply:
                return reply
            state = in_container(init_pid, "systemctl", "is-active", SERVER_UNIT).stdout.strip()
            if state == "failed":
                journal = in_container(init_pid, "journalctl", "--no-pager", "-u", SERVER_UNIT).stdout
                raise Failure(f"{SERVER_UNIT} failed in the booted root:\n{journal}")
            return None

        reply = wait_for(f"{SERVER_UNIT} answering /api/v1/health", answered_or_gave_up, 90)
        expect('"status":"ok"' in reply, f"health answered {reply}")
        print(f"booted systemd; {SERVER_UNIT} answered {reply} on 127.0.0.1:{port} "
              f"{time.monotonic() - started:.1f} s after boot: OK")
        unit_user = in_container(init_pid, "systemctl", "show", "-P", "User", SERVER_UNIT).stdout.strip()
        expect(unit_user == "cxserver", f"{SERVER_UNIT} runs as '{unit_user}'")
        database = in_container(init_pid, "stat", "-c", "%U:%G %a", "/var/lib/cxserver/cx.db").stdout.strip()
        expect(database == "cxserver:cxserver 600", f"the server's database: {database}")
        print(f"runs as cxserver; /var/lib/cxserver/cx.db {database}: OK")

        purge = in_container(init_pid, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge",
                             "-y", "-qq", "cxserver", "cxkiosk", "cxkiosk-common")
        expect(purge.returncode == 0, f"apt-get purge exited {purge.returncode}:\n{purge.stdout}{purge.stderr}")
        wait_for("the purged server to stop answering", lambda: health(port) is None, 30)
        state = in_container(init_pid, "systemctl", "is-active", SERVER_UNIT).stdout.strip()
        expect(state == "inactive", f"{SERVER_UNIT} is {state} after purge")
        print(f"apt-get purge in the running system stopped {SERVER_UNIT}: OK")
    finally:
        container.terminate()  # nspawn asks the container's systemd to power off
        try:
            container.wait(60)
        except subprocess.TimeoutExpired:
            # Killing nspawn alone would leave the container running; killing its init ends
            # every process of its PID namespace.
            if init_pid:
                os.kill(init_pid, signal.SIGKILL)
            container.kill()
            container.wait()


def check_purged(root):
    left = [path for path in ("/var/lib/cxserver", "/var/lib/cxkiosk", "/etc/cxserver", "/etc/cxkiosk",
                              "/usr/bin/cxserver", "/usr/bin/cxkiosk", "/usr/share/cxkiosk",
                              f"/etc/systemd/system/multi-user.target.wants/{SERVER_UNIT}",
                              f"/var/lib/systemd/deb-systemd-helper-enabled/{SERVER_UNIT}.dsh-also",
                              f"/var/lib/systemd/deb-systemd-helper-masked/{SERVER_UNIT}")
            if os.path.lexists(os.path.join(root, path.lstrip("/")))]
    expect(not left, f"left after purge: {left}")
    for package in ("cxserver", "cxkiosk", "cxkiosk-common"):
        status = shell(root, f"dpkg-query -W -f='${{db:Status-Status}}' {package} 2>/dev/null",
                       check=False).stdout.strip()
        expect(status in ("", "not-installed"), f"dpkg still has {package}: {status}")
    # Debian keeps system users after purge (postrm says why).
    shell(root, "getent passwd cxserver >/dev/null && getent passwd cxkiosk >/dev/null")
    print("purge: state folders, conffiles, programs and unit links gone; system users kept: OK")


def install(args):
    expect(os.geteuid() == 0, "the install test runs as root (debootstrap, systemd-nspawn)")
    for tool in ("systemd-nspawn", "debootstrap"):
        expect(shutil.which(tool), f"{tool} is missing: deploy/install-deps.sh --tests installs it")
    started = time.monotonic()
    tarball = run([args.root_script]).stdout.strip()
    print(f"root tarball {tarball} ({time.monotonic() - started:.1f} s)")
    os.makedirs(APT_CACHE, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cx-install-")
    root = os.path.join(work, "root")
    try:
        os.makedirs(root)
        run(["tar", "-C", root, "--numeric-owner", "-xzf", tarball])
        os.makedirs(os.path.join(root, INBOX.lstrip("/")))
        shutil.copy(args.sample, os.path.join(root, INBOX.lstrip("/"), "responses.jsonl"))
        install_packages(root, deb_paths(args.debs), time.time() - os.path.getmtime(tarball))
        check_installed(root)
        boot_serve_and_purge(root)
        check_purged(root)
    finally:
        shutil.rmtree(work)
    print(f"install test: {time.monotonic() - started:.1f} s")


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
