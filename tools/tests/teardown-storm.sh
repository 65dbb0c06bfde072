#!/bin/sh
# SPDX-License-Identifier: MIT
#
# In the guest (tools/vm-run.sh; the debug kernel in tools/lane-debug.sh):
# the driver torn down again and again with work in flight.
#
#  rmmod storm, STORM_CYCLES rounds (default 50): four storm_load
#    processes keep slow jobs (task_delay_us) queued and running on every
#    core of every die and map, unmap, create and destroy VMs; rmmod of
#    npu_virtual must be refused while they live; they are killed with
#    SIGKILL; rmmod npu_virtual, then npu, is retried until it succeeds;
#    both are loaded again with the parameters tools/vm-run.sh used.
#  unbind storm, STORM_UNBINDS rounds (default 20): the same load on
#    die 1 (die 0 alone with one die), which is unbound through sysfs
#    while it runs, its processes are killed (every other round while
#    the unbind is under way), and it is bound again.
#
# After each storm: every die runs a job on each core, debugfs shows no
# VM, BO or queued job left, the kernel log gained no splat, and, on a
# kmemleak kernel, two scans find nothing.  Prints TAP, with the counts.
# Needs storm_load in PATH and the modules in /npu (tools/vm-run.sh).
set -u
d=/sys/kernel/debug
drv=/sys/bus/platform/drivers/npu-virtual
cycles=${STORM_CYCLES:-50}
unbinds=${STORM_UNBINDS:-20}
procs=4
delay_us=${STORM_DELAY_US:-20000}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
now() { cut -d' ' -f1 /proc/uptime; }

[ -f /npu/npu.ko ] && [ -f /npu/npu_virtual.ko ] ||
	{ echo "Bail out! no /npu/npu.ko and /npu/npu_virtual.ko"; exit 1; }
command -v storm_load > /dev/null || { echo "Bail out! no storm_load"; exit 1; }
grep -q '^npu_virtual ' /proc/modules || { echo "Bail out! npu_virtual not loaded"; exit 1; }

splats() {
	dmesg | grep -cE 'BUG:|WARNING:|Oops|general protection|list_(add|del) corruption|refcount_t:|UBSAN:|KASAN:'
}

# Slow tasks on every core of every die: jobs stay queued and running.
slow_cores() {
	for f in $d/accel/npu-virtual.*/core*/task_delay_us; do
		[ -f "$f" ] && echo "$delay_us" > "$f"
	done
}

pids=
# start_load DIE...: one storm_load per argument; waits until each has
# jobs queued.  Returns 1 when one did not get there in 30 s.
start_load() {
	rm -f /tmp/storm-ready.*
	pids= i=0
	for die in "$@"; do
		i=$((i + 1))
		storm_load "$die" /tmp/storm-ready.$i 2>> /tmp/storm-load.err &
		pids="$pids $!"
	done
	end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -le $end ]; do
		r=$(ls /tmp/storm-ready.* 2>/dev/null | wc -l)
		[ "$r" -ge $# ] && return 0
		sleep 0.1
	done
	return 1
}

# SIGKILL to the load; what tears the driver down next does not wait for
# the processes to be gone (reap_load does).
kill_load() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
		kills=$((kills + 1))
	done
}

reap_load() {
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=
}

# rmmod_retry MODULE: until it succeeds, 60 s at most; counts retries.
rmmod_retry() {
	end=$(($(date +%s) + 60))
	while ! rmmod "$1" 2>/dev/null; do
		retries=$((retries + 1))
		[ "$(date +%s)" -le $end ] || return 1
		sleep 0.1
	done
	return 0
}

dies() { ls -d $d/accel/npu-virtual.* 2>/dev/null | wc -l; }

# What the storms must leave: nothing of any file, dies that run jobs.
check_after() {
	what=$1
	echo "$what: checks" > /tmp/storm-phase
	left=
	for f in $d/accel/*/die; do
		for k in vms bos imports bo_bytes; do
			v=$(sed -n "s/^$k: //p" "$f")
			[ "$v" = 0 ] || left="$left $(basename "$(dirname "$f")"):$k=$v"
		done
	done
	for f in $d/accel/*/cores; do
		grep -q 'queued [1-9]' "$f" && left="$left $(basename "$(dirname "$f")"):queued"
	done
	[ -z "$left" ] && ok "$what: nothing left in debugfs" ||
		not_ok "$what: left behind:$left"
	bad=
	i=0
	while [ $i -lt "$(dies)" ]; do
		storm_load -c $i 2>> /tmp/storm-load.err || bad="$bad $i"
		i=$((i + 1))
	done
	[ -z "$bad" ] && [ "$(dies)" -gt 0 ] && ok "$what: every core of $(dies) dies runs a job" ||
		not_ok "$what: dies that do not run jobs:${bad:- none found}"
	s=$(splats)
	[ "$s" = "$splats0" ] && ok "$what: no splat in the kernel log" ||
		{ not_ok "$what: $((s - splats0)) new splat lines in the kernel log"
		  dmesg | grep -E 'BUG:|WARNING:|Oops|corruption|KASAN:' | tail -n 5 | sed 's/^/#   /'; }
	splats0=$s
	if [ -e $d/kmemleak ]; then
		# twice: an object is reported once two scans found it unreferenced
		echo scan > $d/kmemleak; sleep 1
		echo scan > $d/kmemleak
		leaks=$(grep -c '^unreferenced object' $d/kmemleak)
		if [ "$leaks" = 0 ]; then
			ok "$what: kmemleak finds nothing"
		else
			not_ok "$what: kmemleak reports $leaks unreferenced objects"
			head -n 40 $d/kmemleak | sed 's/^/#   /'
		fi
	else
		echo "# $what: no kmemleak in this kernel"
	fi
}

per=3
[ -e $d/kmemleak ] && per=4
echo "1..$((2 + 2 * per))"
# A round that makes no progress for 90 s: the blocked tasks' stacks go
# to the kernel log (the harness reports the hang).
: > /tmp/storm-progress
(
	while sleep 10; do
		[ -e /tmp/storm-progress ] || exit 0
		age=$(($(date +%s) - $(stat -c %Y /tmp/storm-progress 2>/dev/null || date +%s)))
		if [ "$age" -ge 90 ]; then
			echo "# no progress for 90 s, at: $(cat /tmp/storm-phase)"
			tail -n 5 /tmp/storm-load.err | sed 's/^/#   /'
			ps -o pid,stat,args | grep -v ' ps \|grep' | sed 's/^/#   /'
			grep -h . $d/accel/*/cores /proc/modules | grep 'core\|npu' | sed 's/^/#   /'
			echo w > /proc/sysrq-trigger
			: > /tmp/storm-progress
		fi
	done
) &
splats0=$(splats)
: > /tmp/storm-load.err

# --- the rmmod storm ------------------------------------------------------
kills=0 retries=0 refused=0 fails=0 done_cycles=0
t0=$(now)
c=0
while [ $c -lt "$cycles" ]; do
	c=$((c + 1))
	slow_cores
	echo "rmmod cycle $c: load" > /tmp/storm-phase
	nd=$(dies)
	if ! start_load $(i=0; while [ $i -lt $procs ]; do echo $((i % nd)); i=$((i + 1)); done); then
		echo "# cycle $c: the load did not start"
		fails=$((fails + 1))
	fi
	sleep 0.2
	if rmmod npu_virtual 2>/dev/null; then
		echo "# cycle $c: npu_virtual removed with its files open"
		fails=$((fails + 1))
		kill_load
		reap_load
		insmod /npu/npu_virtual.ko $(cat /npu/vparams 2>/dev/null)
		continue
	fi
	refused=$((refused + 1))
	echo "rmmod cycle $c: kill" > /tmp/storm-phase
	kill_load
	echo "rmmod cycle $c: rmmod" > /tmp/storm-phase
	# rmmod while the killed processes exit and close their files
	if ! rmmod_retry npu_virtual || ! rmmod_retry npu; then
		echo "# cycle $c: rmmod did not succeed in 60 s"
		fails=$((fails + 1))
		reap_load
		break
	fi
	reap_load
	echo "rmmod cycle $c: insmod" > /tmp/storm-phase
	if ! insmod /npu/npu.ko $(cat /npu/params 2>/dev/null) ||
	   ! insmod /npu/npu_virtual.ko $(cat /npu/vparams 2>/dev/null); then
		echo "# cycle $c: reloading the modules failed"
		fails=$((fails + 1))
		break
	fi
	done_cycles=$c
	: > /tmp/storm-progress
done
t1=$(now)
echo "# rmmod storm: cycles $done_cycles/$cycles kills $kills rmmod_refused $refused rmmod_retries $retries failures $fails in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ "$fails" = 0 ] && [ "$done_cycles" = "$cycles" ] &&
	ok "rmmod storm: $cycles cycles of kill -9 and reload with jobs in flight" ||
	not_ok "rmmod storm: $fails failures in $done_cycles cycles"
check_after "rmmod storm"

# --- the unbind storm -----------------------------------------------------
kills=0 fails=0 done_cycles=0
nd=$(dies)
die=1
[ "$nd" -ge 2 ] || die=0
dev=npu-virtual.$die
t0=$(now)
c=0
while [ $c -lt "$unbinds" ]; do
	c=$((c + 1))
	slow_cores
	echo "unbind cycle $c: load" > /tmp/storm-phase
	start_load $(i=0; while [ $i -lt $procs ]; do echo $die; i=$((i + 1)); done) ||
		{ echo "# unbind $c: the load did not start"; fails=$((fails + 1)); }
	sleep 0.2
	# Every other round the processes die while the die goes away.
	killer=
	if [ $((c % 2)) = 1 ]; then
		(sleep 0.0$((c % 10)); for p in $pids; do kill -9 "$p"; done) &
		killer=$!
	fi
	echo "unbind cycle $c: unbind" > /tmp/storm-phase
	if ! echo "$dev" > $drv/unbind; then
		echo "# unbind $c: unbind failed"
		fails=$((fails + 1))
		kill_load
		reap_load
		break
	fi
	[ -n "$killer" ] && wait "$killer"
	# The others meet -ENODEV and wait, files open, to be killed.
	sleep 0.1
	echo "unbind cycle $c: kill" > /tmp/storm-phase
	kill_load
	# bound again while the killed processes close their files
	echo "unbind cycle $c: bind" > /tmp/storm-phase
	if ! echo "$dev" > $drv/bind; then
		echo "# unbind $c: bind failed"
		fails=$((fails + 1))
		reap_load
		break
	fi
	reap_load
	done_cycles=$c
	: > /tmp/storm-progress
done
t1=$(now)
echo "# unbind storm: cycles $done_cycles/$unbinds of $dev kills $kills failures $fails in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ "$fails" = 0 ] && [ "$done_cycles" = "$unbinds" ] &&
	ok "unbind storm: $unbinds unbinds of $dev with jobs queued and running" ||
	not_ok "unbind storm: $fails failures in $done_cycles cycles"
check_after "unbind storm"
for f in $d/accel/npu-virtual.*/core*/task_delay_us; do echo 0 > "$f"; done
rm -f /tmp/storm-progress
grep -v 'waiting to be killed' /tmp/storm-load.err | sort | uniq -c | head -n 5 | sed 's/^/# storm_load: /'
[ "$failed" -eq 0 ]
