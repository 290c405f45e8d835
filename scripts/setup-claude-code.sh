#!/usr/bin/env bash
# Installs the real Claude Code CLI (pinned) into a cache folder for test/stdio/claude-code.test.ts.
# Not a devDependency: it is ~356 MB (a native binary) that only this test needs. Idempotent.
# The test finds it at $ARCHON_CLAUDE_CODE_DIR (default ~/.cache/archon-mcp-doctor/claude-code).
set -euo pipefail
VERSION=2.1.328
DIR="${ARCHON_CLAUDE_CODE_DIR:-$HOME/.cache/archon-mcp-doctor/claude-code}"
BIN="$DIR/node_modules/@anthropic-ai/claude-code-linux-x64/claude"
if [ -x "$BIN" ] && [ "$(cat "$DIR/.version" 2>/dev/null)" = "$VERSION" ]; then
  echo "[setup-claude-code] Claude Code $VERSION already in $DIR"
  exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"claude-code-cache","private":true}' > package.json
npm install --no-audit --no-fund --no-save "@anthropic-ai/claude-code@$VERSION"
if [ ! -x "$BIN" ]; then
  echo "[setup-claude-code] no native binary at $BIN (this machine is not linux-x64?)" >&2
  exit 1
fi
echo "$VERSION" > .version
echo "[setup-claude-code] Claude Code $("$BIN" --version) in $DIR"
