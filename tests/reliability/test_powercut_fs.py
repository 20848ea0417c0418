#!/usr/bin/env python3
"""The power-cut filesystem (tests/reliability/powercut_fs.cpp) does what its header says:
unsynced data and names are gone after a cut and a remount, fsync'ed ones are there,
a process reads its own unsynced writes, every operation after the cut fails with EIO;
and SQLite in WAL mode survives a cut with synchronous=FULL (what the kiosk uses) but
demonstrably not with synchronous=OFF, the negative control that shows the cut is real.
Usage: test_powercut_fs.py --powercut-fs BINARY [unittest arguments]"""
import argparse
import contextlib
import errno
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from powercut_mount import PowerCutMount  # noqa: E402

BINARY = None  # --powercut-fs


def sync_folder(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(path, data, sync=False):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def read(path):
    with open(path, "rb") as f:
        return f.read()


class PowerCutFsTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cx-powercut-fs-")
        self.fs = PowerCutMount(BINARY, os.path.join(self.work, "disk"),
                                os.path.join(self.work, "mnt"), os.path.join(self.work, "fs.log"))
        self.fs.mount()
        self.mnt = self.fs.mountpoint

    def tearDown(self):
        self.fs.unmount()
        shutil.rmtree(self.work, ignore_errors=True)

    def path(self, *names):
        return os.path.join(self.mnt, *names)

    def cut_and_remount(self):
        self.fs.cut()
        self.fs.remount()

    def durable_file(self, name, data):
        """A file whose data and name were both made durable."""
        write(self.path(name), data, sync=True)
        sync_folder(self.mnt)

    def test_reads_see_unsynced_writes(self):
        write(self.path("a"), b"x" * 10000)
        with open(self.path("a"), "r+b") as f:
            f.seek(5000)
            f.write(b"hello")
        self.assertEqual(os.stat(self.path("a")).st_size, 10000)
        self.assertEqual(read(self.path("a"))[4998:5007], b"xxhelloxx")
        self.assertEqual(os.listdir(self.mnt), ["a"])
        self.assertEqual(os.listdir(self.fs.backing), [], "nothing reached the disk")

    def test_unsynced_new_file_is_gone(self):
        write(self.path("a"), b"unsynced")
        sync_folder(self.mnt)  # the name is durable, the data never was
        write(self.path("b"), b"unsynced, no name either")
        self.cut_and_remount()
        self.assertEqual(sorted(os.listdir(self.mnt)), ["a"])
        self.assertEqual(read(self.path("a")), b"", "a name without synced data is an empty file")

    def test_synced_file_survives(self):
        self.durable_file("a", b"y" * 9000)
        self.cut_and_remount()
        self.assertEqual(read(self.path("a")), b"y" * 9000)
        self.assertEqual(read(os.path.join(self.fs.backing, "a")), b"y" * 9000,
                         "the backing folder is the disk, readable directly")

    def test_fsync_without_folder_fsync_loses_a_new_name(self):
        write(self.path("a"), b"data synced, name not", sync=True)
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), [])

    def test_unsynced_overwrite_and_truncate_are_gone(self):
        self.durable_file("a", b"1" * 8192)
        self.durable_file("b", b"2" * 8192)
        with open(self.path("a"), "r+b") as f:
            f.write(b"changed")
        os.truncate(self.path("b"), 100)
        self.assertEqual(os.stat(self.path("b")).st_size, 100)
        self.cut_and_remount()
        self.assertEqual(read(self.path("a")), b"1" * 8192)
        self.assertEqual(read(self.path("b")), b"2" * 8192)

    def test_synced_truncate_and_regrowth(self):
        self.durable_file("a", b"3" * 8192)
        with open(self.path("a"), "r+b") as f:
            f.truncate(100)
            f.truncate(5000)  # zeros, not the disk's old bytes
            os.fsync(f.fileno())
        self.cut_and_remount()
        self.assertEqual(read(self.path("a")), b"3" * 100 + b"\0" * 4900)

    def test_rename_is_durable_with_its_folder(self):
        self.durable_file("old", b"content")
        os.rename(self.path("old"), self.path("new"))
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), ["old"], "an unsynced rename is undone")
        os.rename(self.path("old"), self.path("new"))
        sync_folder(self.mnt)
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), ["new"])
        self.assertEqual(read(self.path("new")), b"content")

    def test_atomic_replace(self):
        """write temp, fsync, rename over, fsync the folder: old or new, never a mix."""
        self.durable_file("config", b"old")
        write(self.path("config.tmp"), b"new", sync=True)
        os.rename(self.path("config.tmp"), self.path("config"))
        self.assertEqual(read(self.path("config")), b"new")
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), ["config"])
        self.assertEqual(read(self.path("config")), b"old")
        write(self.path("config.tmp"), b"new", sync=True)
        os.rename(self.path("config.tmp"), self.path("config"))
        sync_folder(self.mnt)
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), ["config"])
        self.assertEqual(read(self.path("config")), b"new")

    def test_unlink_is_durable_with_its_folder(self):
        self.durable_file("a", b"kept")
        self.durable_file("b", b"kept")
        with open(self.path("a"), "rb") as held:
            os.unlink(self.path("a"))
            self.assertEqual(held.read(), b"kept", "an unlinked open file is still readable")
        os.unlink(self.path("b"))
        self.cut_and_remount()
        self.assertEqual(sorted(os.listdir(self.mnt)), ["a", "b"], "unsynced unlinks are undone")
        os.unlink(self.path("a"))
        sync_folder(self.mnt)
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), ["b"])

    def test_new_folder_needs_its_parent_synced(self):
        os.mkdir(self.path("d"), 0o700)
        write(self.path("d", "f"), b"in a new folder", sync=True)
        sync_folder(self.path("d"))
        self.cut_and_remount()
        self.assertEqual(os.listdir(self.mnt), [], "the folder's own name was never synced")
        os.mkdir(self.path("d"), 0o700)
        write(self.path("d", "f"), b"in a new folder", sync=True)
        sync_folder(self.path("d"))
        sync_folder(self.mnt)
        self.cut_and_remount()
        self.assertEqual(read(self.path("d", "f")), b"in a new folder")
        self.assertEqual(os.stat(self.path("d")).st_mode & 0o777, 0o700)

    def test_every_operation_after_the_cut_fails(self):
        self.durable_file("a", b"there")
        self.fs.cut()
        for attempt in (lambda: read(self.path("a")), lambda: write(self.path("b"), b"x"),
                        lambda: os.listdir(self.mnt), lambda: os.mkdir(self.path("d")),
                        lambda: os.statvfs(self.mnt)):
            with self.assertRaises(OSError) as raised:
                attempt()
            self.assertEqual(raised.exception.errno, errno.EIO)
        self.fs.remount()
        self.assertEqual(read(self.path("a")), b"there")

    def sqlite_rows_after_cut(self, synchronous, rows=200):
        """A store made durably (WAL, synchronous=FULL), then `rows` commits of one row each
        with `synchronous`; how many rows a remount finds."""
        db = sqlite3.connect(self.path("store.sqlite3"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE responses (seq INTEGER PRIMARY KEY, answer TEXT NOT NULL)")
        db.execute(f"PRAGMA synchronous={synchronous}")
        for seq in range(1, rows + 1):
            db.execute("INSERT INTO responses VALUES (?, ?)", (seq, "x" * 300))
        self.fs.cut()
        db.close()  # its checkpoint fails with EIO, as nothing reaches the disk any more
        self.fs.remount()
        with contextlib.closing(sqlite3.connect(self.path("store.sqlite3"))) as check:
            self.assertEqual(check.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            return check.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def test_sqlite_wal_synchronous_full_survives(self):
        found = self.sqlite_rows_after_cut("FULL")
        print(f"\nSQLite WAL, synchronous=FULL: 200 committed, {found} after the cut", file=sys.stderr)
        self.assertEqual(found, 200)

    def test_sqlite_synchronous_off_loses_commits(self):
        """The negative control: without fsync the commits are gone, so the cut is real."""
        found = self.sqlite_rows_after_cut("OFF")
        print(f"\nSQLite WAL, synchronous=OFF: 200 committed, {found} after the cut", file=sys.stderr)
        self.assertLess(found, 200)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--powercut-fs", required=True)
    known, rest = parser.parse_known_args()
    BINARY = known.powercut_fs
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
