#!/usr/bin/env bash
# Prepares a Podman engine for the docker-runtime tests and benchmarks (run as root; idempotent):
#   1. writes a containers.conf that works on hosts with hybrid cgroups (runc + cgroupfs; crun fails
#      there) and without ulimit privileges,
#   2. starts `podman system service` on a fixed socket unless something already answers on it,
#   3. builds the test image (a ~2 MB busybox rootfs whose `httpd` serves /www) unless it exists,
#   4. builds its SFTP variant (the same rootfs plus the host's OpenSSH sftp-server and the
#      libraries it links) for the SSH gateway's scp test, when the host has sftp-server,
# and prints the exports the tests read, so callers do: eval "$(scripts/podman-env.sh)"
# Progress goes to stderr; stdout carries only the exports.
set -euo pipefail

DIR="${NEUROPOD_CI_DIR:-/etc/neuropod-ci}"
RUN_DIR="${NEUROPOD_CI_RUN_DIR:-/run/neuropod-ci}"
SOCKET="$RUN_DIR/podman.sock"
CONF="$DIR/containers.conf"
IMAGE="${NEUROPOD_TEST_IMAGE:-localhost/neuropod-test:latest}"
SFTP_IMAGE="${NEUROPOD_TEST_SFTP_IMAGE:-localhost/neuropod-test-sftp:latest}"
SFTP_SERVER=/usr/lib/openssh/sftp-server
LOG="$RUN_DIR/podman-service.log"

say() { echo "podman-env: $*" >&2; }

for tool in podman runc busybox node; do
  command -v "$tool" >/dev/null || { say "missing $tool (apt-get install -y podman runc busybox-static)"; exit 1; }
done

mkdir -p "$DIR" "$RUN_DIR"
cat >"$CONF.tmp" <<'EOF'
# Written by scripts/podman-env.sh for NeuroPod's tests.
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
mv "$CONF.tmp" "$CONF"
export CONTAINERS_CONF="$CONF"

answers() {
  node -e 'require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 },
    (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' "$SOCKET" 2>/dev/null
}

started=""
if ! answers; then
  rm -f "$SOCKET"
  say "starting podman system service on $SOCKET (log: $LOG)"
  # setsid: the service outlives this script and is not killed with the caller's process group.
  setsid podman system service --time=0 "unix://$SOCKET" >>"$LOG" 2>&1 </dev/null &
  started=$!
  echo "$started" >"$RUN_DIR/podman-service.pid"
  for _ in $(seq 1 100); do
    answers && break
    sleep 0.1
  done
  answers || { say "the service did not answer; see $LOG"; exit 1; }
fi

# The busybox rootfs of the test images, in directory $1.
busybox_root() {
  local root="$1"
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc" "$root/workspace"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo '<!doctype html><title>neuropod test</title><p>neuropod test image</p>' >"$root/www/index.html"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
}

import_root() {
  tar -C "$1" -cf - . | podman import \
    --change 'CMD ["/bin/httpd", "-f", "-p", "8888", "-h", "/www"]' \
    --change 'ENV PATH=/bin' \
    - "$2" >/dev/null
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! podman image exists "$IMAGE"; then
  say "building $IMAGE from busybox"
  busybox_root "$work/plain"
  import_root "$work/plain" "$IMAGE"
fi

if [ -x "$SFTP_SERVER" ] && ! podman image exists "$SFTP_IMAGE"; then
  say "building $SFTP_IMAGE (busybox + $SFTP_SERVER)"
  busybox_root "$work/sftp"
  mkdir -p "$work/sftp/usr/lib/openssh"
  cp "$SFTP_SERVER" "$work/sftp$SFTP_SERVER"
  # The dynamic loader and every library it links, at the same paths as on the host.
  for lib in $(ldd "$SFTP_SERVER" | grep -o '/[^ ]*'); do
    mkdir -p "$work/sftp$(dirname "$lib")"
    cp -L "$lib" "$work/sftp$lib"
  done
  import_root "$work/sftp" "$SFTP_IMAGE"
fi

echo "export CONTAINERS_CONF=$CONF"
echo "export NEUROPOD_TEST_DOCKER_SOCKET=$SOCKET"
echo "export NEUROPOD_TEST_IMAGE=$IMAGE"
! podman image exists "$SFTP_IMAGE" || echo "export NEUROPOD_TEST_SFTP_IMAGE=$SFTP_IMAGE"
# Set only when this run started the service, so the caller can stop what it started.
[ -z "$started" ] || echo "export NEUROPOD_PODMAN_SERVICE_PID=$started"
