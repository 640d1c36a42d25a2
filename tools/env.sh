#!/usr/bin/env bash
# Create the eegnb environment once, keyed by the lock file's hash, and run a command in it.
#   tools/env.sh            -> create if needed, print the venv path
#   tools/env.sh run CMD..  -> create if needed, run CMD with the venv first on PATH
# The venv lives outside the clone (default ~/.cache/eegnb/venv-<hash>) so that repeated runs and other
# clones skip the heavy torch install; set EEGNB_VENV to choose another place.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lock="$root/requirements.lock"
py=${EEGNB_PYTHON:-python3.11}
command -v "$py" >/dev/null 2>&1 || py=python3
"$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
  echo "eegnb needs Python 3.11; '$py' is $("$py" --version 2>&1). Set EEGNB_PYTHON to a python3.11." >&2; exit 1; }
key=$(sha256sum "$lock" | cut -c1-16)
venv=${EEGNB_VENV:-$HOME/.cache/eegnb/venv-$key}
log() { echo "[eegnb env] $*" >&2; }

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9   # two `make` runs at once must not build the same venv twice
if [ ! -f "$venv/.complete" ]; then
  log "creating $venv from requirements.lock (first run: a few minutes, mostly torch)"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  grep -E '^(pip|setuptools|wheel)==' "$lock" > "$venv/tooling.txt"
  pipq() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | grep -v 'is ignored: it is neither' || true; }
  pipq -r "$venv/tooling.txt"
  pipq -r "$lock"
  "$venv/bin/python" -c 'import torch, mne, braindecode, nbdev' || { echo "[eegnb env] install failed" >&2; exit 1; }
  touch "$venv/.complete"
fi
# The project itself: an editable install, redone only when this clone is not the one installed.
if [ "$(cat "$venv/.eegnb-src" 2>/dev/null)" != "$root" ]; then
  log "linking $root into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$root"
  echo "$root" > "$venv/.eegnb-src"
fi
exec 9>&-

if [ "${1:-}" = run ]; then
  shift
  export PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv"
  exec "$@"
fi
echo "$venv"
