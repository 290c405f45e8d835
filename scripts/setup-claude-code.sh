#!/usr/bin/env bash
# Installs the real Claude Code CLI (its native binary comes inside an npm package) into the test cache,
# for the tests that let it read routed client files (`claude mcp list`). Idempotent: a second run only
# checks the version and prints the binary's path.
#
#   bash scripts/setup-claude-code.sh        # prints the path of the `claude` binary on its last line
#
# Environment:
#   ARCHON_TEST_CACHE       cache folder (default $HOME/.cache/archon-mcp-doctor)
#   ARCHON_CLAUDE_CODE_DIR  where it goes (default $ARCHON_TEST_CACHE/claude-code; the tests read the same)
#   CLAUDE_CODE_VERSION     @anthropic-ai/claude-code version (default 2.1.328)
set -euo pipefail

CACHE="${ARCHON_TEST_CACHE:-$HOME/.cache/archon-mcp-doctor}"
VERSION="${CLAUDE_CODE_VERSION:-2.1.328}"
DIR="${ARCHON_CLAUDE_CODE_DIR:-$CACHE/claude-code}"
BIN="$DIR/node_modules/@anthropic-ai/claude-code-linux-x64/claude"

log() { printf '[setup-claude-code] %s\n' "$*" >&2; }

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null | awk '{print $1}')" = "$VERSION" ]; then
  log "Claude Code $VERSION already in $DIR"
else
  mkdir -p "$DIR"
  # A folder of its own with its own package.json: nothing lands in the project.
  [ -f "$DIR/package.json" ] || printf '{ "private": true }\n' > "$DIR/package.json"
  log "installing @anthropic-ai/claude-code@$VERSION into $DIR (about 360 MB)"
  npm install --prefix "$DIR" --no-audit --no-fund --no-save "@anthropic-ai/claude-code@$VERSION" >&2
  [ -x "$BIN" ] || { log "the native binary is not at $BIN after the install"; exit 1; }
fi
echo "$BIN"
