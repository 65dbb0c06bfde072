# SPDX-License-Identifier: MIT
#
# TAP helpers of the command-line checks (check-cli.sh, check-package.sh),
# sourced.  A checked command's stdout goes to ./out, its stderr to ./err;
# a failure shows err.  tap_done prints the plan and the counts and
# returns the status.

passed=0 failed=0

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) $*"; }
not_ok() {
	failed=$((failed + 1)); echo "not ok $((passed + failed)) $*"
	[ ! -f err ] || sed 's/^/#   /' err
}

# sanitized: whether ./err holds a report of AddressSanitizer, LeakSanitizer
# or UBSan (-Db_sanitize=address,undefined); such a report fails a check
# whatever the exit code
sanitized() {
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' err
}

# run NAME CMD...: must exit 0
run() {
	name=$1; shift
	"$@" >out 2>err
	rc=$?
	if sanitized; then not_ok "$name: sanitizer report (exit code $rc)"; return 1; fi
	if [ $rc -ne 0 ]; then not_ok "$name: exit code $rc"; return 1; fi
	ok "$name"
}

# expect_fail NAME REGEX CMD...: must exit 1, print nothing on stdout
# and a message matching REGEX on stderr, and no sanitizer report
expect_fail() {
	name=$1 pat=$2; shift 2
	"$@" >out 2>err
	rc=$?
	if sanitized; then
		not_ok "$name: sanitizer report (exit code $rc)"
	elif [ $rc -ne 1 ]; then
		not_ok "$name: exit code $rc, expected 1"
	elif [ -s out ]; then
		not_ok "$name: output on stdout"
	elif ! grep -qE -- "$pat" err; then
		not_ok "$name: no /$pat/ on stderr"
	else
		ok "$name: $(grep -E -m1 -- "$pat" err)"
	fi
}

# check NAME COND...: a shell condition
check() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

tap_done() {
	echo "1..$((passed + failed))"
	echo "# $passed passed, $failed failed"
	[ $failed -eq 0 ]
}
