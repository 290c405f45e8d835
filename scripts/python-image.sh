#!/usr/bin/env bash
# Builds the local Docker image of the Archon-shaped Python servers (no registry): a Debian bookworm
# minbase root made with debootstrap, one venv per server flavour at /opt/<flavour> installed from the
# hashed lock files with wheels downloaded on the host (the chroot's pip cannot reach PyPI), the fixture at
# /app. One image for all flavours: `-e FLAVOUR=mcp-1.12|mcp-2|fastmcp` picks one (FIXTURE_LIB too).
# The debootstrap root (~47 s) is cached in $cache/rootfs-<hash>.tar; the image tag is that hash, so a
# second call with nothing changed returns at once. Prints the image name on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
req=test/fixtures/python/requirements
cache=${ARCHON_PYTHON_CACHE:-$PWD/.cache/python}
# The server flavours (mcp-1's lock also carries the Python clients: too heavy for an image of servers).
flavours=(mcp-1.12 mcp-2 fastmcp)
hash=$(cat "$0" $(for f in "${flavours[@]}"; do echo "$req/$f.txt"; done) test/fixtures/python/archon_server.py | sha256sum | cut -c1-12)
image=archon-mcp-doctor-test/python-archon:$hash
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi
start=$SECONDS
command -v debootstrap >/dev/null || { apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq debootstrap >/dev/null; }
mkdir -p "$cache"
base=$cache/rootfs-base.tar
root=$(mktemp -d "$cache/root.XXXX")
trap 'rm -rf "$root"' EXIT
if [ ! -f "$base" ]; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  tar -C "$root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  echo "python-image: debootstrap root in $((SECONDS - start)) s" >&2
else
  tar -C "$root" -xf "$base"
fi
mkdir -p "$root/wheels" "$root/app"
pids=()
for f in "${flavours[@]}"; do
  # --no-compile: no .pyc at build time (minutes under load); Python writes them on first import.
  ( python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes -r "$req/$f.txt" -d "$root/wheels/$f" \
    && cp "$req/$f.txt" "$root/wheels/$f.txt" \
    && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" python3 -m venv "/opt/$f" \
    && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" "/opt/$f/bin/pip" install --quiet --no-compile --disable-pip-version-check --no-index --no-deps --require-hashes \
         --find-links "/wheels/$f" -r "/wheels/$f.txt" ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || { echo "python-image: installing a venv failed" >&2; exit 1; }; done
cp test/fixtures/python/archon_server.py "$root/app/"
rm -rf "$root/wheels" "$root/var/cache/apt" "$root/var/lib/apt/lists"
tar -C "$root" -c . | docker import \
  -c 'ENV FLAVOUR=mcp-1.12 FIXTURE_LIB=mcp HOST=0.0.0.0 PORT=8051 PYTHONUNBUFFERED=1' \
  -c 'CMD ["/bin/sh", "-c", "exec /opt/$FLAVOUR/bin/python /app/archon_server.py"]' - "$image" >/dev/null
echo "python-image: built in $((SECONDS - start)) s" >&2
echo "$image"
