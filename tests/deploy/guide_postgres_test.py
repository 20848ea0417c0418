#!/usr/bin/env python3
"""The operator guide's PostgreSQL backup (deploy/README.md, step `postgresql`), run
against the real PostgreSQL 15 of the ctest fixture `postgres` (its base URL in the
file $CX_TEST_POSTGRES_URL_FILE): a cxserver database with tokens and an enrolment
code is dumped with the guide's pg_dump line; then changed; then restored with its
pg_restore line, after which it holds exactly what it held at the dump (a plain dump
of every table compared) and cxserver reads it.

  guide_postgres_test.py --cxserver PATH --guide deploy/README.md
"""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from package_test import Failure, expect, guide_steps, run  # noqa: E402

GUIDE_URL = "postgresql://cxserver@db.example:5432/cx"
GUIDE_DUMP = "/var/backups/cxserver/cx.pgdump"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cxserver", required=True)
    parser.add_argument("--guide", required=True)
    args = parser.parse_args()
    try:
        url_file = os.environ.get("CX_TEST_POSTGRES_URL_FILE")
        expect(url_file and os.path.exists(url_file),
               "no PostgreSQL: run under ctest (fixture postgres), CX_TEST_POSTGRES_URL_FILE unset")
        base = open(url_file).read().strip()
        database = f"cxguide_{os.getpid()}"
        run(["psql", "-q", f"{base}/postgres", "-c", f"CREATE DATABASE {database}"])
        url = f"{base}/{database}"
        cxserver = [args.cxserver]
        for grant in (["--role", "viewer", "--org", "demo-org"],
                      ["--role", "device", "--org", "demo-org", "--site", "hq", "--device", "kiosk-01"]):
            run([*cxserver, "add-token", "--db", url, *grant])
        run([*cxserver, "enrol-code", "--db", url, "--org", "demo-org", "--site", "hq",
             "--device", "kiosk-02"])

        def snapshot():
            # Every row and sequence value; without the random key each plain dump of
            # pg_dump 15.14+ carries in its \restrict and \unrestrict lines.
            dump = run(["pg_dump", "--data-only", "--inserts", "--no-owner", url]).stdout
            return "\n".join(line for line in dump.splitlines()
                             if not line.startswith(("\\restrict ", "\\unrestrict ")))

        dumped_state = snapshot()
        tokens_at_dump = run([*cxserver, "list-tokens", "--db", url, "--all"]).stdout
        with tempfile.TemporaryDirectory() as work:
            dump = os.path.join(work, "cx.pgdump")
            dump_line, restore_line = guide_steps(args.guide)["postgresql"].strip().splitlines()
            dump_line = dump_line.replace(GUIDE_URL, url).replace(GUIDE_DUMP, dump)
            restore_line = restore_line.replace(GUIDE_URL, url).replace(GUIDE_DUMP, dump)
            run(["bash", "-euo", "pipefail", "-c", dump_line])
            print(f"pg_dump: {os.path.getsize(dump)} bytes")
            # What happens after the backup: a token revoked, another issued.
            run([*cxserver, "revoke-token", "--db", url, "--id", "1"])
            run([*cxserver, "add-token", "--db", url, "--role", "admin", "--org", "demo-org"])
            expect(snapshot() != dumped_state, "the change after the dump changed nothing")
            run(["bash", "-euo", "pipefail", "-c", restore_line])
        restored_state = snapshot()
        if restored_state != dumped_state:
            diff = difflib.unified_diff(dumped_state.splitlines(), restored_state.splitlines(),
                                        "at the dump", "restored", lineterm="", n=0)
            raise Failure("the restored database differs from the dumped one:\n" + "\n".join(diff))
        tokens = run([*cxserver, "list-tokens", "--db", url, "--all"]).stdout
        expect(tokens == tokens_at_dump, f"cxserver reads after the restore:\n{tokens}")
        run(["psql", "-q", f"{base}/postgres", "-c", f"DROP DATABASE {database} WITH (FORCE)"])
        print("the guide's pg_dump and pg_restore: the database as it was at the dump: OK")
        return 0
    except (Failure, subprocess.SubprocessError, OSError) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
