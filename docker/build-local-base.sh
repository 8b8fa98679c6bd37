#!/usr/bin/env bash
# Build a local base image for the grading images on a machine with no
# registry: a minimal Debian (debootstrap) with Python 3.11 and pip, imported
# with `docker import`, and the wheels the images install, fetched on the host.
#
#   docker/build-local-base.sh [IMAGE_TAG] [WHEELS_DIR]
#
# Then: docker build -f docker/Dockerfile.cpu --build-arg BASE_IMAGE=IMAGE_TAG \
#         --build-arg WHEELS=WHEELS_DIR -t tpgrade-cpu .
# Needs root, debootstrap and a Debian mirror reachable by apt.
set -euo pipefail
tag="${1:-tpgrade-base:bookworm}"
wheels="${2:-build/wheels}"
cd "$(dirname "$0")/.."

if ! docker image inspect "$tag" >/dev/null 2>&1; then
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  # The mirror apt already uses (classic or deb822 format), else Debian's own.
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -oE '^(deb|URIs:) +[a-z]+://\S+' | awk '{print $2}' | head -n1 || true)"
  debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates bookworm "$root" "${mirror:-http://deb.debian.org/debian}"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - "$tag"
fi

mkdir -p "$wheels"
python3 -m pip download --quiet --dest "$wheels" "torch==2.13.0" .
echo "base image $tag; wheels in $wheels"
