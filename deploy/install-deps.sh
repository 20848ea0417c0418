#!/usr/bin/env bash
# Installs every Debian 12 package cxkiosk needs to build, run and test.
# Idempotent: packages already present are left alone, and apt is only
# asked when something is missing. With --tests it also installs what only the
# tests need (the PostgreSQL server they start themselves; for the package test
# dpkg-shlibdeps, systemd-analyze, and debootstrap and systemd-nspawn, which make
# and boot a fresh Debian 12 root; cage, grim and Xwayland for the kiosk session
# tests): ./deploy/run.sh runs cxserver on its embedded SQLite with no
# PostgreSQL server installed.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries
  libimgui-dev libglfw3-dev libgl-dev libsqlite3-dev libcurl4-openssl-dev
  libcpp-httplib-dev libmicrohttpd-dev nlohmann-json3-dev libsodium-dev libcli11-dev
  libxlsxwriter-dev libsimdjson-dev zlib1g-dev libssl-dev libpq-dev libsystemd-dev
  libqrencode-dev
  # fonts (Simplified Chinese)
  fonts-noto-cjk
  # tests: Catch2, a headless X server with input driving and screenshots
  libgmp-dev catch2 xvfb xdotool x11-apps imagemagick x11-utils mesa-utils
  libgl1-mesa-dri sqlite3 openssl python3 python3-cryptography time unzip procps curl
  # tests: the power-cut filesystem (tests/reliability/powercut_fs.cpp)
  libfuse3-dev fuse3
  # tests: the console in Debian's headless Chromium, driven by Selenium
  chromium chromium-driver python3-selenium
  # tests: the printed report's PDF as PNG pages and its page count (pdftoppm, pdfinfo)
  poppler-utils
)

case "${1:-}" in
  --tests) packages+=(postgresql dpkg-dev systemd debootstrap systemd-container cage grim xwayland) ;;
  --fuzz) packages+=(clang-14 libfuzzer-14-dev) ;;  # tests/fuzz/run-fuzz.sh
  "") ;;
  *) echo "usage: $0 [--tests|--fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "deploy: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
