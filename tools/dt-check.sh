#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Device tree checks, with Debian's dtc and dt-schema (2022.08):
#  - every binding in dts/bindings passes dt-doc-validate (meta-schema);
#  - the schemas are processed (dt-mk-schema) together with the kernel
#    bindings our trees use (the Rockchip IOMMU, and the RK3588 NPU core
#    binding when the cached kernel source has it, 6.18 and later);
#  - every binding's example builds (dt-extract-example, cpp, dtc) and
#    passes dt-validate;
#  - a tree that includes the RK3588 snippet (dts/tests) builds and
#    passes dt-validate;
#  - the board overlays build with dtc -@, apply (fdtoverlay) to a
#    stand-in board with the providers they reference, and the result
#    passes dt-validate.
# dtc warnings count as failures, and so does any dt-validate report
# (2022.08 exits 0 even when it reports).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
npu_kernel_paths amd64
cd "$NPU_TOP"

out=$NPU_BUILD/dt
rm -rf "$out"; mkdir -p "$out"
inc=$(ls -d "$KROOT"/headers/usr/src/linux-headers-*-common/include | head -n1)
kbind=$KSRC/Documentation/devicetree/bindings
problems=0

fail() { echo "dt-check: FAIL: $*"; problems=$((problems + 1)); }

dt_cpp() {	# dt_cpp IN OUT: the kernel's dts preprocessing
	cpp -nostdinc -I "$NPU_TOP/dts" -I "$inc" -undef -D__DTS__ \
		-x assembler-with-cpp -P "$1" -o "$2"
}

dt_build() {	# dt_build IN OUT [dtc flags]: preprocess and compile
	local in=$1 dtb=$2 log
	shift 2
	dt_cpp "$in" "$dtb.pp" || { fail "cpp $in"; return 1; }
	log=$(dtc "$@" -I dts -O dtb -o "$dtb" "$dtb.pp" 2>&1) ||
		{ echo "$log"; fail "dtc $in"; return 1; }
	if [ -n "$log" ]; then echo "$log"; fail "dtc warnings in $in"; return 1; fi
	echo "dtc: $in"
}

dt_validate() {	# dt_validate DTB: against the processed schema
	local log
	log=$(dt-validate -s "$out/schema.json" "$1" 2>&1) || true
	if [ -n "$log" ]; then echo "$log"; fail "dt-validate $1"; return 1; fi
	echo "dt-validate: $(basename "$1")"
}

mapfile -t bindings < <(find dts/bindings -name '*.yaml' | sort)
[ ${#bindings[@]} -gt 0 ] || { echo "dt-check: no bindings"; exit 1; }

for b in "${bindings[@]}"; do
	log=$(dt-doc-validate -u "$NPU_TOP/dts/bindings" "$b" 2>&1) || true
	if [ -n "$log" ]; then echo "$log"; fail "dt-doc-validate $b"; else echo "dt-doc-validate: $b"; fi
done

schemas=("$NPU_TOP/dts/bindings" "$kbind/iommu/rockchip,iommu.yaml")
rknn=$kbind/npu/rockchip,rk3588-rknn-core.yaml
if [ -f "$rknn" ]; then
	schemas+=("$rknn")
else
	echo "dt-check: $(basename "$rknn") is not in this kernel source; the RK3588 core nodes are checked by dtc and the core schemas only"
fi
dt-mk-schema -j -o "$out/schema.json" "${schemas[@]}" ||
	{ echo "dt-check: dt-mk-schema failed"; exit 1; }

# The kernel's dtc flags for binding examples (dt_binding_check).
example_flags=(-Wno-avoid_unnecessary_addr_size -Wno-graph_child_address
	       -Wno-interrupt_provider -Wno-unique_unit_address)
for b in "${bindings[@]}"; do
	name=$(basename "$b" .yaml)
	dt-extract-example "$b" > "$out/$name.example.dts" ||
		{ fail "dt-extract-example $b"; continue; }
	dt_build "$out/$name.example.dts" "$out/$name.example.dtb" \
		"${example_flags[@]}" &&
		dt_validate "$out/$name.example.dtb" || true
done

# The snippet as a board file includes it.
dt_build dts/tests/rk3588-npu-check.dts "$out/rk3588-npu-check.dtb" &&
	dt_validate "$out/rk3588-npu-check.dtb" || true

# Overlays: an overlay alone cannot know its target's #address-cells or
# interrupt parent, so those checks wait until it is applied to the
# stand-in board (fdtoverlay), whose result is checked in full.
overlay_flags=(-@ -Wno-reg_format -Wno-avoid_default_addr_size
	       -Wno-interrupts_property)
base=$out/rk3588-board-base.dtb
dt_build dts/tests/rk3588-board-base.dts "$base" -@ || true
for o in dts/*.dtso; do
	name=$(basename "$o" .dtso)
	dt_build "$o" "$out/$name.dtbo" "${overlay_flags[@]}" || continue
	[ -f "$base" ] || continue
	if fdtoverlay -i "$base" -o "$out/$name.applied.dtb" "$out/$name.dtbo"; then
		echo "fdtoverlay: $o"
		dt_validate "$out/$name.applied.dtb" || true
		# The applied tree must be the snippet's tree, core for core.
		if ! fdtget -l "$out/$name.applied.dtb" / | grep -c '^npu@' | grep -qx 3; then
			fail "$o: three npu@ nodes expected after applying"
		fi
	else
		fail "fdtoverlay $o"
	fi
done

if [ "$problems" -ne 0 ]; then
	echo "dt-check: $problems problems"
	exit 1
fi
echo "dt-check: ${#bindings[@]} bindings, the RK3588 snippet and $(ls dts/*.dtso | wc -l) overlays clean"
