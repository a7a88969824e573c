#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: Debian's chromium for the browser tests of the
# web pages (web/browser_test.go) and a font for their screenshots. Safe to run again.
# .ci/run calls it before `make test`; developers run it once (as root, or with sudo).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
	echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "scripts/ci-deps.sh: need root (or sudo) to install chromium with apt-get" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version 2>/dev/null || true
