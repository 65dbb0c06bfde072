#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The pinned llama.cpp release, built from the source that the npm package
# node-llama-cpp carries (llama/gitRelease.bundle), unmodified, with
# Debian's cmake, into the cache (never into the tree):
#
#   $NPU_CACHE/llama.cpp/<release>/src     the release's source (git clone)
#   $NPU_CACHE/llama.cpp/<release>/build   its tools and shared libraries
#
# A second run with the build present takes a second.  Prints nothing on
# stdout but, with "path", the release directory.
#
# usage: tools/llama-cpp.sh [build|path]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/env.sh
. "$here/env.sh"

NPM_PKG=node-llama-cpp
NPM_VERSION=3.21.1
NPM_SHA256=7a231d6bafa14142a1cbed9893d4ec5bc6041b2a5f5939a623accaab4203c11f
RELEASE=v0.4.0		# llama/llama.cpp.info.json of that package
TARGETS=(llama-cli llama-simple llama-bench llama-server llama-perplexity
	 llama-quantize test-backend-ops)

top=$NPU_CACHE/llama.cpp/$RELEASE
log() { printf 'llama.cpp: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

case ${1:-build} in
path) echo "$top"; exit 0 ;;
build) ;;
*) echo "usage: $0 [build|path]" >&2; exit 64 ;;
esac

need=()
for p in cmake g++ npm git; do
	case $p in
	g++) command -v g++ >/dev/null || need+=(g++) ;;
	*) command -v "$p" >/dev/null || need+=("$p") ;;
	esac
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

stamp=$top/.build-done
if [ -f "$stamp" ]; then
	for t in "${TARGETS[@]}"; do
		[ -x "$top/build/bin/$t" ] || { rm -f "$stamp"; break; }
	done
fi
[ -f "$stamp" ] && exit 0

mkdir -p "$top"
if [ ! -f "$top/.src-done" ]; then
	rm -rf "$top/src" "$top/npm"
	mkdir -p "$top/npm"
	log "npm pack $NPM_PKG@$NPM_VERSION"
	(cd "$top/npm" && npm pack --silent "$NPM_PKG@$NPM_VERSION" >/dev/null)
	tgz=$top/npm/$NPM_PKG-$NPM_VERSION.tgz
	echo "$NPM_SHA256  $tgz" | sha256sum -c --quiet - ||
		{ log "$tgz: wrong sha256"; exit 1; }
	tar -xzf "$tgz" -C "$top/npm" package/llama/gitRelease.bundle \
		package/llama/llama.cpp.info.json
	grep -q "\"$RELEASE\"" "$top/npm/package/llama/llama.cpp.info.json" ||
		{ log "the package does not carry release $RELEASE"; exit 1; }
	git -c advice.detachedHead=false clone -q "$top/npm/package/llama/gitRelease.bundle" "$top/src"
	rm -rf "$top/npm"
	touch "$top/.src-done"
fi

log "building $RELEASE (${TARGETS[*]}); about 8 minutes on two cores"
cmake -S "$top/src" -B "$top/build" -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF \
	-DGGML_CPU_ALL_VARIANTS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=ON \
	-DCMAKE_BUILD_TYPE=Release >"$top/cmake.log" 2>&1 ||
	{ tail -n 30 "$top/cmake.log" >&2; exit 1; }
cmake --build "$top/build" -j"$(nproc)" --target "${TARGETS[@]}" >"$top/build.log" 2>&1 ||
	{ tail -n 30 "$top/build.log" >&2; exit 1; }
touch "$stamp"
log "ready: $top/build/bin"
