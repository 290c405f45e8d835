#!/usr/bin/env bash
# Installs the Python MCP servers and clients the tests drive, one virtual environment per flavour
# (their pins conflict: Archon's mcp==1.12.2 needs pydantic 2.11, the newest mcp wants 2.12+), from the
# hashed lock files in test/fixtures/python/requirements/ (`pip install --require-hashes`).
# A venv is reused while its lock file is unchanged (the lock's sha256 is stamped inside it).
# Where: $ARCHON_PYTHON_CACHE, default <project>/.cache/python (git-ignored).
# Usage: bash scripts/setup-python.sh [flavour…]   (default: every lock file)
set -euo pipefail
cd "$(dirname "$0")/.."
req=test/fixtures/python/requirements
cache=${ARCHON_PYTHON_CACHE:-$PWD/.cache/python}
py=${PYTHON:-python3}
command -v "$py" >/dev/null || { echo "setup-python: no $py on PATH (CPython 3.10+ needed)" >&2; exit 1; }
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "setup-python: $("$py" --version) is too old (mcp needs 3.10+)" >&2; exit 1; }
flavours=("$@")
[ ${#flavours[@]} -gt 0 ] || for f in "$req"/*.txt; do flavours+=("$(basename "$f" .txt)"); done
mkdir -p "$cache"
start=$SECONDS

install() { # flavour: (re)creates $cache/<flavour> unless its stamp matches the lock
  local f=$1 venv=$cache/$1 lock=$req/$1.txt want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.lock-sha256" 2>/dev/null)" = "$want" ]; then
    echo "setup-python: $f up to date"; return 0
  fi
  rm -rf "$venv"
  "$py" -m venv "$venv"
  # --no-deps: the lock already lists every dependency, each with its hash.
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r "$lock" >"$cache/$f.log" 2>&1; then
    echo "setup-python: installing $f failed:" >&2; tail -20 "$cache/$f.log" >&2; rm -rf "$venv"; return 1
  fi
  echo "$want" >"$venv/.lock-sha256"
  echo "setup-python: $f installed ($(grep -c '^[^#]' "$lock") packages)"
}

pids=()
for f in "${flavours[@]}"; do install "$f" & pids+=($!); done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
echo "setup-python: done in $((SECONDS - start)) s ($cache)"
exit $failed
