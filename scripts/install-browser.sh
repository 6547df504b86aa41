#!/bin/sh
# Install the Chromium the review page's browser tests drive (Debian's `chromium` package).
# Idempotent: does nothing when /usr/bin/chromium exists; installs only when we are root,
# otherwise says what to run. Never downloads browsers through Playwright.
set -eu
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo present)"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "chromium is missing; as root run: apt-get update && apt-get install -y chromium" >&2
    echo "(the browser tests skip until it is installed)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and this is not a Debian-like system: install Chromium at $CHROMIUM" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium
"$CHROMIUM" --version
