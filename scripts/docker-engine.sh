#!/usr/bin/env bash
# Gets a real Docker engine for the test run, or stops the one this script started.
#
#   scripts/docker-engine.sh start    install docker.io when dockerd is missing (apt-get, root),
#                                     start dockerd in the background, wait until it answers
#   scripts/docker-engine.sh stop     stop the dockerd this script started (by its PID)
#   scripts/docker-engine.sh status   exit 0 when an engine answers
#
# Idempotent: when an engine already answers on the socket, `start` uses it and records that it
# did not start it, so `stop` leaves it alone. State lives in $DOCKER_ENGINE_STATE_DIR
# (default /tmp/archon-docker-engine): dockerd.pid, dockerd.log, started-by-us.
set -euo pipefail

SOCK="${DOCKER_ENGINE_SOCKET:-/var/run/docker.sock}"
STATE_DIR="${DOCKER_ENGINE_STATE_DIR:-/tmp/archon-docker-engine}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
OURS_FILE="$STATE_DIR/started-by-us"
WAIT_SECONDS="${DOCKER_ENGINE_WAIT_SECONDS:-60}"

log() { echo "docker-engine: $*" >&2; }

# Asks the engine for its version over the socket (no docker client needed: curl or node).
engine_version() {
  [ -S "$SOCK" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 3 --unix-socket "$SOCK" http://localhost/version 2>/dev/null
  else
    node -e '
      const req = require("http").get({ socketPath: process.argv[1], path: "/version", timeout: 3000 }, (res) => {
        let b = ""; res.on("data", (c) => (b += c));
        res.on("end", () => { if (res.statusCode === 200) { process.stdout.write(b); process.exit(0); } process.exit(1); });
      });
      req.on("error", () => process.exit(1)); req.on("timeout", () => { req.destroy(); process.exit(1); });
    ' "$SOCK" 2>/dev/null
  fi
}

print_version() {
  local v
  v="$(engine_version)" || return 1
  # {"Version":"20.10.24+dfsg1","ApiVersion":"1.41",...}
  local ver api
  ver="$(printf '%s' "$v" | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1)"
  api="$(printf '%s' "$v" | sed -n 's/.*"ApiVersion":"\([^"]*\)".*/\1/p' | head -1)"
  echo "Docker engine ${ver:-?} (API ${api:-?}) on unix://$SOCK"
}

# The recorded dockerd is still running (a PID left from an earlier machine session may now belong to
# another program: check its name too).
pid_alive() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]
}

# Closes the descriptors above stdio that this script inherited (bash's own, 255, is close-on-exec).
# A caller running under `flock /tmp/archon-docker.lock …` passes the lock's descriptor down; a daemon
# that kept it would hold the lock for as long as it runs, and every other Docker test would wait for
# ever. Done in the script's own shell, so that the daemon's PID is the one `$!` names.
close_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    case "$fd" in ''|*[!0-9]*) continue ;; esac
    if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

install_engine() {
  if command -v dockerd >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" != 0 ]; then log "dockerd is missing and this is not root: install docker.io yourself"; exit 1; fi
  command -v apt-get >/dev/null 2>&1 || { log "dockerd is missing and apt-get is not available"; exit 1; }
  log "installing docker.io with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq docker.io >/dev/null
  command -v dockerd >/dev/null 2>&1 || { log "docker.io installed but dockerd is still missing"; exit 1; }
}

cmd_start() {
  mkdir -p "$STATE_DIR"
  if engine_version >/dev/null; then
    if pid_alive && [ -f "$OURS_FILE" ]; then
      log "engine already running (started by this script, pid $(cat "$PID_FILE"))"
    else
      log "an engine already answers on $SOCK: using it (it will not be stopped)"
      rm -f "$OURS_FILE"
    fi
    print_version
    return 0
  fi
  if pid_alive; then
    log "dockerd pid $(cat "$PID_FILE") exists but does not answer yet; waiting"
  else
    install_engine
    rm -f "$SOCK" 2>/dev/null || true
    log "starting dockerd (log: $LOG_FILE)"
    # setsid: its own session, so the caller's Ctrl-C or job control does not reach it.
    close_inherited_fds
    setsid dockerd --host="unix://$SOCK" >>"$LOG_FILE" 2>&1 < /dev/null &
    echo $! >"$PID_FILE"
    touch "$OURS_FILE"
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until engine_version >/dev/null; do
    # kill -0, not pid_alive: just after the launch the process may not have become dockerd yet.
    if ! kill -0 "$(cat "$PID_FILE" 2>/dev/null)" 2>/dev/null; then
      log "dockerd exited; last log lines:"; tail -n 20 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE" "$OURS_FILE"; exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not answer within ${WAIT_SECONDS}s; last log lines:"; tail -n 20 "$LOG_FILE" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  print_version
}

cmd_stop() {
  if [ ! -f "$OURS_FILE" ] || [ ! -f "$PID_FILE" ]; then
    log "no engine started by this script: nothing to stop"
    return 0
  fi
  local pid; pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then log "dockerd did not stop in 30s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.3
    done
  fi
  rm -f "$PID_FILE" "$OURS_FILE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) if print_version; then exit 0; else log "no engine answers on $SOCK"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
