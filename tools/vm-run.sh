#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Boot the cached Debian 6.12 kernel in QEMU (TCG, 8 GiB over two NUMA
# nodes), insmod npu.ko and npu_virtual.ko (the virtual NPU) and run
# commands in the guest; stream their output and return their status.
# The guest's kernel log is part of the result: any WARN, BUG, oops, KASAN,
# UBSAN, lockdep, refcount or list-corruption report, hung task, lockup or
# RCU stall fails the run, and so does an rmmod of npu_virtual or npu that
# does not succeed.
#
# usage: vm-run.sh [options] [--] 'command' ['command' ...]
#   --bin FILE      copy FILE (a static program) into the guest's /usr/bin
#   --dyn FILE      copy FILE, a dynamically linked program (to /usr/bin) or
#                   shared library (to /usr/lib/dyn), with every shared
#                   library it needs and the dynamic loader; the guest
#                   finds them through LD_LIBRARY_PATH=/usr/lib/dyn
#   --data FILE     copy FILE into the guest's /data (the commands' cwd)
#   --param P=V     module parameter (repeatable): sim_* ones are the
#                   virtual NPU's (npu_virtual.ko), the others npu.ko's
#   --no-virtual    insmod npu.ko alone: no virtual NPU
#   --vgem          insmod Debian's vgem.ko too (and what it needs): a
#                   DRM device of software fences, for benchmarks to
#                   measure against (debian kernel only)
#   --timeout SEC   whole-run limit (default 600)
#   --append ARGS   more guest kernel command line (e.g. a clocksource, to
#                   see what the emulated HPET's slow reads cost a figure)
#   --log FILE      keep the full serial log there
#   --no-npu        do not insmod the modules (harness self-checks only)
#   --kernel K      debian (default): Debian's 6.12 kernel and the modules built
#                   against its headers; debug: the lane's debug kernel
#                   (tools/debug-kernel.sh: KASAN, lockdep, kmemleak, KUnit,
#                   CMA) and the modules built against it (tools/lane-debug.sh);
#                   the guest scans kmemleak after rmmod and any report
#                   fails the run
#
# Exit status: 0 all commands passed and the log is clean; 1 a command
# failed; 2 the guest kernel log has a splat or rmmod failed; 3 the guest
# did not finish (timeout, panic, no result); 64 usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

bins=() dyns=() datas=() params=() vparams=() cmds=()
timeout_s=600 logfile= load_npu=1 load_virtual=1 kernel=debian vgem=
user_append=
usage() { sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 64; }
while [ $# -gt 0 ]; do
	case $1 in
	--bin) bins+=("$2"); shift 2 ;;
	--dyn) dyns+=("$2"); shift 2 ;;
	--data) datas+=("$2"); shift 2 ;;
	--param)
		case $2 in
		sim_*) vparams+=("$2") ;;
		*) params+=("$2") ;;
		esac
		shift 2 ;;
	--no-virtual) load_virtual=0; shift ;;
	--vgem) vgem=vgem; shift ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) user_append=$2; shift 2 ;;
	--log) logfile=$2; shift 2 ;;
	--no-npu) load_npu=0; shift ;;
	--kernel) kernel=$2; shift 2 ;;
	-h|--help) usage ;;
	--) shift; cmds+=("$@"); break ;;
	-*) echo "vm-run: unknown option $1" >&2; usage ;;
	*) cmds+=("$1"); shift ;;
	esac
done
[ ${#cmds[@]} -gt 0 ] || { echo "vm-run: no command to run" >&2; usage; }

arch=${ARCH:-amd64}
npu_kernel_paths "$arch"
extra_append=
case $kernel in
debian)
	vmlinuz=$KIMAGE/boot/vmlinuz-$KREL
	[ -f "$vmlinuz" ] || { echo "vm-run: no kernel at $vmlinuz; run tools/setup.sh" >&2; exit 64; }
	if [ "$arch" = amd64 ]; then
		ko=$NPU_TOP/kernel/npu.ko
	else	# ARCH=arm64 tools/build-module.sh
		ko=$NPU_BUILD/module-$arch/kernel/npu.ko
	fi ;;
debug)
	[ "$arch" = amd64 ] || { echo "vm-run: the debug kernel is amd64 only" >&2; exit 64; }
	ddir=$(bash "$here/debug-kernel.sh" --print-dir)
	[ -n "$ddir" ] || { echo "vm-run: no debug kernel; run tools/debug-kernel.sh" >&2; exit 64; }
	vmlinuz=$ddir/arch/x86/boot/bzImage
	ko=$NPU_BUILD/debug-module/kernel/npu.ko
	# A CMA area for the contiguous-allocation paths; KASAN reports all.
	# no5lvl: with 5-level paging (QEMU's "max" CPU has LA57), 6.12's
	# identify_cpu() clears the boot CPU's feature bits for a moment, so
	# KASAN, asking cpu_feature_enabled(X86_FEATURE_LA57) for its shadow
	# range, takes the direct map (0xff11...) for wild addresses: an
	# interrupt in that window gave "wild-memory-access" reports in early
	# boot, in about one boot of four, before any module was loaded.
	extra_append="cma=256M kasan_multi_shot no5lvl" ;;
*) echo "vm-run: --kernel $kernel: debian or debug" >&2; exit 64 ;;
esac
vko=$(dirname "$ko")/npu_virtual.ko
if [ $load_npu = 1 ]; then
	for f in "$ko" "$vko"; do
		[ -f "$f" ] || { echo "vm-run: $f not built; run tools/build-module.sh" >&2; exit 64; }
	done
fi
if [ -n "$vgem" ] && [ "$kernel" != debian ]; then
	echo "vm-run: --vgem is for the debian kernel" >&2; exit 64
fi
if [ $load_virtual = 0 ] && [ ${#vparams[@]} -gt 0 ]; then
	echo "vm-run: --param ${vparams[0]} is for the virtual NPU, which --no-virtual leaves out" >&2; exit 64
fi
for f in "${bins[@]}" "${dyns[@]}" "${datas[@]}"; do
	[ -f "$f" ] || { echo "vm-run: no such file: $f" >&2; exit 64; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/npu-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,data,modules,npu}

# busybox and its applets; never link busybox to itself.  Another
# architecture's static busybox comes from tools/setup.sh (the same
# Debian version: the build machine's lists the applets).
bb=$(command -v busybox || echo /bin/busybox)
if [ "$arch" = amd64 ]; then
	cp "$bb" "$root/bin/busybox"
else
	gbb=$KROOT/busybox/bin/busybox
	[ -x "$gbb" ] || { echo "vm-run: no $arch busybox; run ARCH=$arch tools/setup.sh" >&2; exit 64; }
	cp "$gbb" "$root/bin/busybox"
fi
for a in $("$bb" --list-full); do
	[ "$(basename "$a")" = busybox ] && continue
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

# Modules npu.ko (and vgem.ko with --vgem) need, in dependency order,
# decompressed for insmod (the debug kernel has them built in).
deps=
if [ "$kernel" = debian ]; then
	deps=$(for m in drm_shmem_helper gpu-sched $vgem; do
			modprobe -d "$KIMAGE" -S "$KREL" --show-depends "$m"
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
	[ -n "$deps" ] || { echo "vm-run: cannot resolve module dependencies" >&2; exit 64; }
fi
: > "$root/modules/order"
for m in $deps; do
	n=$(basename "$m"); n=${n%.xz}; n=${n%.zst}
	case $m in
	*.xz) xz -dc "$m" > "$root/modules/$n" ;;
	*.zst) zstd -qdc "$m" > "$root/modules/$n" ;;
	*) cp "$m" "$root/modules/$n" ;;
	esac
	echo "$n" >> "$root/modules/order"
done
# npu_virtual.ko is copied for every run (teardown_test reloads it);
# /npu/virtual says whether the guest loads it at boot.
if [ $load_npu = 1 ]; then
	cp "$ko" "$root/npu/npu.ko"
	cp "$vko" "$root/npu/npu_virtual.ko"
	[ $load_virtual = 0 ] || : > "$root/npu/virtual"
fi
echo "${params[*]}" > "$root/npu/params"
echo "${vparams[*]}" > "$root/npu/vparams"
for f in "${bins[@]}"; do cp "$f" "$root/usr/bin/"; done
# Dynamically linked files: their libraries as ldd resolves them on this
# machine (same architecture), under the names the loader asks for.
if [ ${#dyns[@]} -gt 0 ]; then
	[ "$arch" = amd64 ] || { echo "vm-run: --dyn is for amd64 guests" >&2; exit 64; }
	mkdir -p "$root/usr/lib/dyn"
	for f in "${dyns[@]}"; do
		case $(basename "$f") in
		*.so|*.so.*) cp -L "$f" "$root/usr/lib/dyn/" ;;
		*) cp -L "$f" "$root/usr/bin/" ;;
		esac
		ldd "$f" | while read -r name arrow path _; do
			if [ "$arrow" = "=>" ] && [ -f "$path" ]; then
				[ -e "$root/usr/lib/dyn/$name" ] || cp -L "$path" "$root/usr/lib/dyn/$name"
			elif [ "${name#/}" != "$name" ] && [ -f "$name" ]; then
				mkdir -p "$root$(dirname "$name")"
				[ -e "$root$name" ] || cp -L "$name" "$root$name"
			elif [ "$arrow" = "=>" ] && [ "$path" = "not" ]; then
				echo "vm-run: $f needs $name, which ldd does not find" >&2; exit 64
			fi
		done || exit 64
	done
fi
for f in "${datas[@]}"; do cp "$f" "$root/data/"; done
printf '%s\n' "${cmds[@]}" > "$root/commands"

cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/tmp
[ -d /usr/lib/dyn ] && export LD_LIBRARY_PATH=/usr/lib/dyn
# A task stuck in D state for a minute is reported (and fails the run).
echo 60 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
# Memory cgroups for the tests that charge BOs to one.
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
rc=0
for m in $(cat /modules/order); do
	insmod /modules/$m || { echo "NPU-VM: insmod $m failed"; rc=3; }
done
if [ -f /npu/npu.ko ]; then
	insmod /npu/npu.ko $(cat /npu/params) || { echo "NPU-VM: insmod npu failed"; rc=3; }
	if [ $rc = 0 ] && [ -f /npu/virtual ]; then
		insmod /npu/npu_virtual.ko $(cat /npu/vparams) ||
			{ echo "NPU-VM: insmod npu_virtual failed"; rc=3; }
	fi
fi
echo "NPU-VM: ready after $(cut -d' ' -f1 /proc/uptime) s"
if [ $rc = 0 ]; then
	cd /data
	while IFS= read -r cmd; do
		echo "NPU-VM: run: $cmd"
		t=$(cut -d' ' -f1 /proc/uptime)
		sh -c "$cmd" </dev/null
		r=$?
		t=$(awk -v t="$t" '{ printf "%.1f", $1 - t }' /proc/uptime)
		echo "NPU-VM: exit $r after $t s: $cmd"
		[ $r = 0 ] || rc=1
	done < /commands
	cd /
fi
# The virtual NPU first: it uses npu.ko.
for m in npu_virtual npu; do
	if [ -f /npu/npu.ko ] && grep -q "^$m " /proc/modules; then
		rmmod $m || { echo "NPU-VM: rmmod $m failed"; [ $rc = 0 ] && rc=2; }
	fi
done
if [ -e /sys/kernel/debug/kmemleak ]; then
	# twice: an object is reported once two scans found it unreferenced
	echo scan > /sys/kernel/debug/kmemleak; sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	echo "NPU-VM: kmemleak begin"
	cat /sys/kernel/debug/kmemleak
	echo "NPU-VM: kmemleak end"
fi
echo "NPU-VM: kernel log begin"
dmesg
echo "NPU-VM: kernel log end"
echo "NPU-VM: result $rc"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

case $arch in
amd64)
	qemu=(qemu-system-x86_64 -machine q35 -cpu max -accel tcg)
	console=ttyS0 ;;
arm64)
	qemu=(qemu-system-aarch64 -machine virt -cpu max,pauth-impdef=on -accel tcg)
	console=ttyAMA0 ;;
*) echo "vm-run: unknown ARCH $arch" >&2; exit 64 ;;
esac
qemu+=(-m 8G -smp 2,sockets=2,cores=1,threads=1
	-object memory-backend-ram,id=m0,size=4G
	-object memory-backend-ram,id=m1,size=4G
	-numa node,nodeid=0,cpus=0,memdev=m0
	-numa node,nodeid=1,cpus=1,memdev=m1
	-display none -monitor none -serial stdio -no-reboot
	-kernel "$vmlinuz" -initrd "$work/initramfs.cpio"
	-append "console=$console panic=-1 loglevel=4 $extra_append $user_append")

log=${logfile:-$work/serial.log}
start=$(date +%s.%N)
# An oops on an int3 in the kernel's own text while it boots, with no
# module loaded yet, is TCG's: a static key patched (text_poke_bp) while
# the other vCPU runs stale translated code.  It was seen about once in
# some hundred boots, in hrtimer and page-allocator static branches.
# Such a boot ran nothing of ours, so it is booted again, twice at most;
# any other report, or one with a module loaded, fails the run.
for attempt in 1 2 3; do
	set +e
	timeout -k 10 "$timeout_s" "${qemu[@]}" < /dev/null 2>&1 | tee "$log" |
		sed -u '/^NPU-VM: kernel log begin/,/^NPU-VM: kernel log end/d; /^NPU-VM: kmemleak begin/,/^NPU-VM: kmemleak end/d'
	qrc=${PIPESTATUS[0]}
	set -e
	tr -d '\r' < "$log" > "$work/clean.log"
	grep -q '^\[ *[0-9.]*\] Oops: int3' "$work/clean.log" &&
		grep -qE '^\[ *[0-9.]*\] Modules linked in:$' "$work/clean.log" &&
		! grep -q '^NPU-VM: run:' "$work/clean.log" || break
	[ "$attempt" = 3 ] && break
	echo "vm-run: the guest oopsed on a text-patching int3 in early boot, before any module (TCG); booting again"
done
secs=$(echo "$(date +%s.%N) - $start" | bc)

# Kernel lines: everything between the dmesg markers, and console lines
# with a printk timestamp (a crash may never reach the markers).
{
	sed -n '/^NPU-VM: kernel log begin$/,/^NPU-VM: kernel log end$/p' "$work/clean.log"
	grep -E '^\[ *[0-9]+\.[0-9]+\]' "$work/clean.log" || true
} > "$work/kernel.log"
# Hung tasks, soft and hard lockups ("BUG: soft lockup"), RCU stalls and
# UBSAN reports count too: each is a kernel bug report as much as a WARN.
bad='WARNING:|BUG:|Oops|KASAN|UBSAN:|kernel BUG|general protection fault|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|refcount_t:|list_add corruption|list_del corruption|sleeping function called from invalid context|Kernel panic|kmemleak: [0-9]+ new suspected|blocked for more than [0-9]+ seconds|hard LOCKUP|detected stalls on CPUs|self-detected stall|rcu_.* detected stall'
splats=$(grep -E "$bad" "$work/kernel.log" | sort -u || true)
leaks=$(sed -n '/^NPU-VM: kmemleak begin$/,/^NPU-VM: kmemleak end$/p' "$work/clean.log" |
	sed '1d;$d')
if [ -n "$leaks" ]; then
	splats+=${splats:+$'\n'}"kmemleak: $(grep -c '^unreferenced object' <<<"$leaks") unreferenced objects"
fi
result=$(sed -n 's/^NPU-VM: result \([0-9]*\)$/\1/p' "$work/clean.log" | tail -n1)

printf 'vm-run: %.1f s, ' "$secs"
if [ -n "$splats" ]; then
	echo "FAIL: guest kernel log has splats:"
	echo "$splats" | sed 's/^/vm-run:   /'
	echo "vm-run: ---- guest kernel log ----"
	sed -n '/^NPU-VM: kernel log begin$/,/^NPU-VM: kernel log end$/p' "$work/clean.log"
	[ -z "$leaks" ] || { echo "vm-run: ---- kmemleak ----"; echo "$leaks"; }
	exit 2
fi
if [ -z "$result" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "FAIL: guest timed out after $timeout_s s"
	else
		echo "FAIL: guest ended without a result (qemu status $qrc)"
	fi
	exit 3
fi
case $result in
0) echo "ok: every command passed, guest log clean"; exit 0 ;;
1) echo "FAIL: a command failed"; exit 1 ;;
2) echo "FAIL: rmmod npu_virtual or npu failed"; exit 2 ;;
*) echo "FAIL: guest setup failed (result $result)"; exit 3 ;;
esac
