#!/usr/bin/env bash
# Build a local base image for the grading images on a machine with no
# registry: a minimal Debian (debootstrap) with Python 3.11 and pip, imported
# with `docker import`.
#
#   docker/build-local-base.sh [IMAGE_TAG]
#
# Then: tpgrade image build --base-image IMAGE_TAG
# Needs root, debootstrap and a Debian mirror reachable by apt.
set -euo pipefail
tag="${1:-tpgrade-base:bookworm}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag already there"
  exit 0
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
# The mirror apt already uses (classic or deb822 format), else Debian's own.
mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -oE '^(deb|URIs:) +[a-z]+://\S+' | awk '{print $2}' | head -n1 || true)"
debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates bookworm "$root" "${mirror:-http://deb.debian.org/debian}"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import - "$tag"
echo "base image $tag built"
