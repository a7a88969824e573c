#!/usr/bin/env bash
# Installs what the test suite needs beyond Go: Debian's chromium for the browser tests of the
# web pages (web/browser_test.go) and a font for their screenshots, and Debian's postgresql for
# the PostgreSQL store tests (store/postgres: they start a throwaway server from its binaries in
# /usr/lib/postgresql/N/bin; no system server is used). Installs only what is missing, so it is
# safe to run again. .ci/run calls it before `make test`; developers run it once (as root, or
# with sudo).
set -euo pipefail

have_postgres() {
	local f
	for f in /usr/lib/postgresql/*/bin/initdb; do
		[ -x "$f" ] && [ -x "$(dirname "$f")/postgres" ] && return 0
	done
	return 1
}

pkgs=()
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
	echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
else
	pkgs+=(chromium fonts-dejavu-core)
fi
if have_postgres; then
	echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
else
	pkgs+=(postgresql)
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "scripts/ci-deps.sh: need root (or sudo) to install ${pkgs[*]} with apt-get" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${pkgs[@]}"
/usr/bin/chromium --version 2>/dev/null || true
have_postgres || { echo "scripts/ci-deps.sh: postgresql installed but no initdb in /usr/lib/postgresql/*/bin" >&2; exit 1; }
