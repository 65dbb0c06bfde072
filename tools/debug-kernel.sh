#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the debug kernel of the test lane, or find it in the cache: Debian's
# linux-source-6.12, x86_64_defconfig plus tools/debug-kernel/debug.config
# (KASAN, lockdep, kmemleak, fault injection, KUnit, CMA, DRM built in).
# The result is cached outside the clone, keyed by the source package
# version and the hash of the configuration (the fragment, the Kconfig
# entry and the recipe's version below); a warm run takes seconds.  A cold
# one is about 13 minutes on 2 cores.
#
# usage: tools/debug-kernel.sh [--print-dir]
#   --print-dir   print the build directory (empty when not built) and exit
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
frag=$here/debug-kernel/debug.config
kconfig=$here/debug-kernel/Kconfig.lane
recipe=1	# bump when the build steps below change what is built

tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1 || true)
version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
key=$( (cat "$frag" "$kconfig"; echo "$recipe") | sha256sum | cut -c1-12)
out=$NPU_CACHE/debug-kernel/${version:-none}-$key

if [ "${1:-}" = --print-dir ]; then
	[ -f "$out/.npu-done" ] && echo "$out"
	exit 0
fi
if [ -f "$out/.npu-done" ]; then
	echo "debug kernel: cached in $out"
	exit 0
fi
[ -n "$tarball" ] && [ -n "$version" ] || {
	echo "debug kernel: linux-source-6.12 is not installed; run tools/setup.sh" >&2
	exit 1
}

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
need=()
for p in bc flex bison libelf-dev libssl-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "debug kernel: installing ${need[*]}"
	$sudo apt-get install -y -q "${need[@]}" >/dev/null
fi

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
echo "debug kernel: unpacking $(basename "$tarball") ($version)"
tar -xf "$tarball" -C "$tmp" --strip-components=1

cat "$kconfig" >> "$tmp/drivers/accel/Kconfig"

make -s -C "$tmp" x86_64_defconfig
"$tmp/scripts/kconfig/merge_config.sh" -m -O "$tmp" "$tmp/.config" "$frag" >/dev/null
make -s -C "$tmp" olddefconfig
# Every option of the fragment must have stuck: a dependency that is not
# met drops one silently.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$frag" | while IFS= read -r line; do
	case $line in
	*=n) grep -qE "^${line%=n}=[ym]" "$tmp/.config" && echo "$line" ;;
	*) grep -qxF "$line" "$tmp/.config" || echo "$line" ;;
	esac
done || true)
if [ -n "$missing" ]; then
	echo "debug kernel: the configuration lacks:" >&2
	echo "$missing" | sed 's/^/  /' >&2
	exit 1
fi
for opt in CONFIG_DRM_SCHED=y CONFIG_DRM_GEM_SHMEM_HELPER=y; do
	grep -qxF "$opt" "$tmp/.config" || { echo "debug kernel: no $opt" >&2; exit 1; }
done

jobs=$(nproc)
log=$tmp/build.log
echo "debug kernel: building with $jobs jobs (log: $log)"
start=$SECONDS
nice make -C "$tmp" -j"$jobs" bzImage modules >"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	echo "debug kernel: $(( (SECONDS - start) / 60 )) min, $(grep -c '^  CC' "$log" || true) files compiled"
done
if ! wait "$pid"; then
	tail -n 30 "$log" >&2
	echo "debug kernel: build failed" >&2
	exit 1
fi
echo "debug kernel: built in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
touch "$tmp/.npu-done"
rm -rf "$out"
mv "$tmp" "$out"
echo "debug kernel: cached in $out"
# Builds are ~2 GiB each: keep this one and the newest other (another
# branch's configuration, say); never touch a build under way (*.tmp).
ls -dt "$NPU_CACHE"/debug-kernel/*/ | sed 's:/$::' | grep -v '\.tmp$' |
	grep -vxF "$out" | tail -n +2 | while IFS= read -r old; do
	echo "debug kernel: removing the older $(basename "$old")"
	rm -rf "$old"
done || true	# grep finds nothing to remove: fine
