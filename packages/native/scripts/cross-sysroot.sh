#!/usr/bin/env bash
# Makes a Debian 12 arm64 file tree for the linux-arm64 prebuilt: libseccomp-dev (its static archive
# and headers, linked into the addon) and nodejs with its libraries (to load the addon under
# qemu-user). apt resolves and downloads the packages through a private configuration and state
# under the cache directory, so the host's apt sources, lists and dpkg database stay untouched
# (no `dpkg --add-architecture`); dpkg-deb -x extracts them. Prints the tree's path.
# Usage: scripts/cross-sysroot.sh arm64   (cached: a second run only prints the path)
set -euo pipefail
arch="${1:?usage: cross-sysroot.sh arm64}"
[ "$arch" = arm64 ] || { echo "cross-sysroot.sh: only arm64 is supported, not $arch" >&2; exit 2; }
cache="${NSINIT_CROSS_CACHE:-/var/cache/nsinit-cross}/$arch"
mirror="${NSINIT_CROSS_MIRROR:-http://deb.debian.org}"
packages=(libseccomp-dev nodejs)
sysroot="$cache/sysroot"
stamp="$sysroot/.nsinit-packages"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ "$(cat "$stamp" 2>/dev/null)" = "${packages[*]}" ]; then
  echo "$sysroot"
  exit 0
fi

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "cross-sysroot.sh: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
apt="$cache/apt"
rm -rf "$apt" "$sysroot"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$sysroot"
: >"$apt/status"
cat >"$apt/sources.list" <<EOF
deb [arch=$arch signed-by=$keyring] $mirror/debian bookworm main
deb [arch=$arch signed-by=$keyring] $mirror/debian bookworm-updates main
deb [arch=$arch signed-by=$keyring] $mirror/debian-security bookworm-security main
EOF
# An empty dpkg status: apt resolves every dependency as if nothing were installed, so the tree
# gets glibc, libstdc++ and Node's libraries for arm64 too.
opts=(
  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o Dir::Etc::PreferencesParts=/nonexistent -o "Dir::State::Lists=$apt/lists"
  -o "Dir::State::status=$apt/status" -o "Dir::Cache::Archives=$apt/archives"
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1
)
apt-get -q "${opts[@]}" update >&2
apt-get -q -y "${opts[@]}" install --download-only --no-install-recommends "${packages[@]}" >&2
for deb in "$apt"/archives/*.deb; do
  dpkg-deb -x "$deb" "$sysroot"
done
rm -rf "$apt/lists" "$apt/archives"
echo "${packages[*]}" >"$stamp"
echo "$sysroot"
