#!/usr/bin/env bash
# Prints the path of a cached Debian 12 (bookworm) root file system tarball,
# building it with debootstrap first when it is missing. The package test
# (tests/deploy/package_test.py) unpacks a fresh copy of it for every run, so
# each run installs into a system that has seen nothing of cxkiosk.
#
# minbase plus systemd (a server's init, and what boots the root for the
# hardened-unit check) and curl (to ask the server for its health from inside).
# Building it downloads ~60 MB from Debian's mirror and takes a few minutes;
# the cache lives until someone deletes it (CX_ROOT_CACHE overrides where).
set -euo pipefail

cache_dir="${CX_ROOT_CACHE:-/var/cache/cxkiosk-tests}"
mirror="${CX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tarball="$cache_dir/bookworm-minbase-systemd.tar.gz"

if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi

command -v debootstrap >/dev/null || {
  echo "bookworm_root: debootstrap is missing (deploy/install-deps.sh --tests installs it)" >&2
  exit 1
}
mkdir -p "$cache_dir"
work="$(mktemp -d "$cache_dir/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

started=$SECONDS
echo "bookworm_root: debootstrap bookworm into $work/root (once; cached in $tarball)" >&2
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates \
  bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
# The security suite too, as on any installed Debian 12.
cat >"$work/root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# Package lists as of now (the test refreshes them when the tarball is a day old).
systemd-nspawn --quiet --keep-unit --register=no --resolv-conf=copy-host \
  --directory "$work/root" apt-get update -qq >&2
rm -f "$work/root/var/cache/apt/archives/"*.deb
tar -C "$work/root" --numeric-owner -czf "$work/root.tar.gz" .
mv "$work/root.tar.gz" "$tarball"
echo "bookworm_root: built in $((SECONDS - started)) s" >&2
echo "$tarball"
