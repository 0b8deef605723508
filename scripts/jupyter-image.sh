#!/usr/bin/env bash
# Builds (once) a real Jupyter server image without a registry, for the idle-detection tests:
# a minimal Debian (debootstrap) with Debian's jupyter-notebook and python3-ipykernel, imported
# into Podman with a CMD that starts the notebook server on 8888. Its /api/status and /api/kernels
# are Jupyter's own. Slow the first time (a few minutes), so the root filesystem tarball is cached
# under $NEUROPOD_CI_CACHE (default /var/cache/neuropod-ci) and the image is reused while it exists.
# Prints `export NEUROPOD_TEST_JUPYTER_IMAGE=…` on stdout; progress goes to stderr. Run as root,
# after scripts/podman-env.sh (it needs CONTAINERS_CONF for Podman).
set -euo pipefail

IMAGE="${NEUROPOD_TEST_JUPYTER_IMAGE:-localhost/neuropod-jupyter:test}"
CACHE="${NEUROPOD_CI_CACHE:-/var/cache/neuropod-ci}"
TARBALL="$CACHE/jupyter-rootfs-v1.tar"
MIRROR="${NEUROPOD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

say() { echo "jupyter-image: $*" >&2; }

if ! podman image exists "$IMAGE"; then
  if [ ! -s "$TARBALL" ]; then
    command -v debootstrap >/dev/null || {
      say "installing debootstrap"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    mkdir -p "$CACHE"
    root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    cleanup() {
      for m in proc sys dev; do umount "$root/$m" 2>/dev/null || true; done
      rm -rf "$root"
    }
    trap cleanup EXIT
    say "debootstrap bookworm (minbase) into $root"
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" >&2
    mount -t proc proc "$root/proc"
    say "installing jupyter-notebook and python3-ipykernel in the image"
    chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      jupyter-notebook python3-ipykernel >&2
    chroot "$root" apt-get clean
    umount "$root/proc"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
    mkdir -p "$root/workspace"
    tar -C "$root" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
  fi
  say "importing $IMAGE"
  # The platform passes the token as JUPYTER_TOKEN, which the notebook server reads.
  podman import \
    --change 'CMD ["/usr/bin/jupyter-notebook", "--ip=0.0.0.0", "--port=8888", "--allow-root", "--no-browser", "--notebook-dir=/workspace"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV HOME=/root' \
    "$TARBALL" "$IMAGE" >/dev/null
fi

echo "export NEUROPOD_TEST_JUPYTER_IMAGE=$IMAGE"
