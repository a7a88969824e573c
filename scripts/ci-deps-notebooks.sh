#!/usr/bin/env bash
# Installs what the notebook tests (notebooks/notebooks_test.go) need: Debian's Jupyter
# nbconvert and IPython kernel, pandas, matplotlib and requests, all for /usr/bin/python3.
# Idempotent: installs only the packages that are missing. Needs root, or sudo.
# (scripts/ci-deps.sh installs what the browser tests need; .ci/run calls both.)
set -euo pipefail
pkgs=(jupyter-nbconvert python3-nbconvert python3-ipykernel python3-pandas python3-matplotlib python3-requests)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci-deps-notebooks: ${pkgs[*]} already installed"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
