#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Compare the dynamic symbols a shared library defines with a list of the
# symbols it must export (one per line, '#' comments).  Fails on a symbol
# exported but not listed, and on one listed but not exported.  For a
# static library (.a), its global symbols in the npu_ namespace must be
# exactly the list: internal functions live under libnpu_.
#
# usage: symbols-check.sh LIBRARY SYMBOLS-FILE   (NM= selects nm)
set -euo pipefail
export LC_ALL=C

[ $# -eq 2 ] || { echo "usage: $0 LIBRARY SYMBOLS-FILE" >&2; exit 64; }
lib=$1 list=$2
nm=${NM:-nm}

# Symbols the toolchain adds to every shared library.
ignore='^(_init|_fini|_edata|_end|__bss_start|__bss_start__|__bss_end__|_bss_end__|__end__|__exidx_start|__exidx_end|__data_start|__dso_handle|__libc_csu_init|__libc_csu_fini|_IO_stdin_used|_DYNAMIC|_GLOBAL_OFFSET_TABLE_|_PROCEDURE_LINKAGE_TABLE_)$'

case $lib in
*.a)
	nm_out=$("$nm" -g --defined-only "$lib")
	exported=$(awk 'NF >= 3 && $3 ~ /^npu_/ { print $3 }' <<<"$nm_out" |
		sort -u || true) ;;
*)
	nm_out=$("$nm" -D --defined-only "$lib")
	exported=$(awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' <<<"$nm_out" |
		grep -Ev "$ignore" | sort -u || true) ;;
esac
expected=$(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$list" | sort -u)

if [ -z "$expected" ]; then
	echo "not ok - $list lists no symbol"
	exit 1
fi

extra=$(comm -23 <(printf '%s\n' "$exported") <(printf '%s\n' "$expected") | sed '/^$/d')
missing=$(comm -13 <(printf '%s\n' "$exported") <(printf '%s\n' "$expected") | sed '/^$/d')

status=0
for s in $extra; do
	echo "not ok - $s is exported but not in $(basename "$list")"
	status=1
done
for s in $missing; do
	echo "not ok - $s is listed but not exported by $(basename "$lib")"
	status=1
done
n=$(printf '%s\n' "$expected" | wc -l)
[ $status -eq 0 ] && echo "ok - $(basename "$lib") exports exactly the $n listed symbols"
exit $status
