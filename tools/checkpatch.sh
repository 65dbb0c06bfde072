#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# checkpatch --strict over the kernel module and the UAPI header, with the
# checkpatch.pl of the cached Debian kernel source.  Zero warnings or it
# fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
npu_kernel_paths amd64
cd "$NPU_TOP"
files=$(git ls-files -co --exclude-standard 'kernel/*.[ch]' 'uapi/*.h')
# shellcheck disable=SC2086
out=$(perl "$KSRC/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f $files 2>&1 || true)
problems=$(echo "$out" | grep -E ': (ERROR|WARNING|CHECK):' || true)
n=$(echo "$files" | wc -w)
if [ -n "$problems" ]; then
	echo "$problems"
	echo "checkpatch: $(echo "$problems" | wc -l) problems in $n files"
	exit 1
fi
echo "checkpatch: $n files clean"
