#!/usr/bin/env bash
# Installs Prometheus and promtool from Debian's package (no service is started: the tests start their own).
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  echo "prometheus: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
prometheus --version 2>&1 | head -1
