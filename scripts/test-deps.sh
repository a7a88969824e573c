#!/usr/bin/env bash
# Preflight of `make test`: the browser tests need Debian's chromium, the PostgreSQL store
# tests Debian's postgresql (its server binaries: the tests start a throwaway server), and the
# notebook tests Debian's Jupyter (nbconvert, ipykernel) with pandas, matplotlib and requests.
# If any is missing, this script installs it the way .ci/run does (scripts/ci-deps.sh and
# scripts/ci-deps-notebooks.sh, with apt-get as root or through sudo); when it cannot install,
# it stops at once and names the packages to install, so that `make test` never fails deep
# inside a test. CARECAST_SKIP_BROWSER=1, CARECAST_SKIP_POSTGRES=1 and CARECAST_SKIP_NOTEBOOKS=1
# leave those tests out (the tests then say they were skipped); CARECAST_TEST_POSTGRES (the URL
# of a server where the user may create databases) runs the PostgreSQL tests there instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need_browser=1
need_notebooks=1
need_postgres=1
[ "${CARECAST_SKIP_BROWSER:-}" = 1 ] && need_browser=0
[ "${CARECAST_SKIP_POSTGRES:-}" = 1 ] && need_postgres=0
[ -n "${CARECAST_TEST_POSTGRES:-}" ] && need_postgres=0
[ "${CARECAST_SKIP_NOTEBOOKS:-}" = 1 ] && need_notebooks=0

missing_browser() {
	[ -x "${CARECAST_CHROMIUM:-/usr/bin/chromium}" ] && return 1
	return 0
}

missing_postgres() {
	local f
	for f in /usr/lib/postgresql/*/bin/initdb; do
		[ -x "$f" ] && [ -x "$(dirname "$f")/postgres" ] && return 1
	done
	return 0
}

notebook_pkgs=(jupyter-nbconvert python3-nbconvert python3-ipykernel python3-pandas python3-matplotlib python3-requests)
missing_notebooks() {
	local p out=()
	command -v dpkg-query >/dev/null 2>&1 || { echo "${notebook_pkgs[*]}"; return 0; }
	for p in "${notebook_pkgs[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			out+=("$p")
		fi
	done
	[ ${#out[@]} -eq 0 ] && return 1
	echo "${out[*]}"
}

can_install() {
	command -v apt-get >/dev/null 2>&1 || return 1
	[ "$(id -u)" -eq 0 ] && return 0
	command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

if [ $need_browser = 1 ] && missing_browser; then
	if can_install; then
		scripts/ci-deps.sh
	else
		echo "make test: the browser tests need Debian's chromium (apt-get install chromium fonts-dejavu-core)," >&2
		echo "and this shell cannot run apt-get as root. Install them, or run CARECAST_SKIP_BROWSER=1 make test." >&2
		exit 2
	fi
fi
if [ $need_postgres = 1 ] && missing_postgres; then
	if can_install; then
		scripts/ci-deps.sh
	else
		echo "make test: the PostgreSQL store tests need Debian's postgresql (apt-get install postgresql)," >&2
		echo "and this shell cannot run apt-get as root. Install it, point CARECAST_TEST_POSTGRES at a server," >&2
		echo "or run CARECAST_SKIP_POSTGRES=1 make test." >&2
		exit 2
	fi
fi
if [ $need_notebooks = 1 ] && pk=$(missing_notebooks); then
	if can_install; then
		scripts/ci-deps-notebooks.sh
	else
		echo "make test: the notebook tests need Debian's packages: $pk" >&2
		echo "(apt-get install $pk), and this shell cannot run apt-get as root." >&2
		echo "Install them, or run CARECAST_SKIP_NOTEBOOKS=1 make test." >&2
		exit 2
	fi
fi
echo "test-deps: chromium, postgresql and jupyter ready (or skipped on request)"
