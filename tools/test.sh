#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it (inside the project environment).
#   1. the library is exactly what the notebooks export, and the notebooks are clean (nbdev)
#   2. every notebook runs and its inline tests pass (nbdev_test)
#   3. pytest: integration on real files, bad inputs, downloads against a local server, the CLI
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
slow=0; [ "${1:-}" = --slow ] && slow=1
# Real-data tests use the shared mirror beside the clone when it is there.
if [ -z "${EEGNB_SHARED_DATA:-}" ] && [ -d ../shared/data ]; then export EEGNB_SHARED_DATA=$(cd ../shared/data && pwd); fi
export PYTHONHASHSEED=0 MPLBACKEND=Agg

echo "== nbdev: library in sync with the notebooks, notebooks clean"
snap() { git status --porcelain --untracked-files=all -- eegnb nbs; git diff -- eegnb nbs | sha256sum; }
before=$(snap)
nbdev_export
nbdev_clean
after=$(snap)
if [ "$before" != "$after" ]; then
  echo "FAIL: nbdev_export/nbdev_clean changed tracked files: run 'make export' and commit the result." >&2
  git status --short -- eegnb nbs >&2
  exit 1
fi

echo "== nbdev_test: notebooks run and their inline tests pass"
flags=shared; [ $slow = 1 ] && flags="shared slow"
if [ -n "${EEGNB_SHARED_DATA:-}" ]; then nbdev_test --n_workers 2 --flags "$flags"; else nbdev_test --n_workers 2; fi

echo "== pytest"
args=(-n 2 -q)
[ $slow = 1 ] && args+=(-m "slow or not slow")
pytest "${args[@]}"
