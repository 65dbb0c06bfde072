#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sparse (C=2: every file, not only rebuilt ones) over the module, for
# each architecture named (default: amd64 arm64).  Any sparse report
# fails it, and so do an architecture whose headers are not set up
# (ARCH=arm64 tools/setup.sh) and a build in which sparse checked nothing.
#
# usage: sparse.sh [ARCH...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
command -v sparse >/dev/null || { echo "sparse: not installed (tools/setup.sh)"; exit 1; }

archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(amd64 arm64)
problems=0
for arch in "${archs[@]}"; do
	out=$(ARCH=$arch bash "$here/build-module.sh" C=2 CHECK=sparse 2>&1) || {
		echo "$out"; echo "sparse: $arch build failed"; exit 1; }
	# Everything but kbuild's progress lines is a report.
	reports=$(echo "$out" | grep -vE '^  [A-Z]+ +|^make(\[[0-9]+\])?: ' || true)
	n=$(echo "$out" | grep -c '^  CHECK ' || true)
	if [ "$n" -eq 0 ]; then
		echo "sparse: $arch: no file was checked"
		problems=$((problems + 1))
	elif [ -n "$reports" ]; then
		echo "$reports"
		echo "sparse: $arch: $(echo "$reports" | wc -l) report lines in $n files"
		problems=$((problems + 1))
	else
		echo "sparse: $arch: $n files clean"
	fi
done
[ "$problems" -eq 0 ]
