# fuzz.sh: a bounded smoke run of every libFuzzer target (testdata/fuzz/).
#
# Builds `make fuzz` if needed, then for each bin/fuzz-<name>: runs it
# over its seed corpus (testdata/fuzz/corpus/<name>/) and the inputs
# earlier fuzzing found (testdata/fuzz/regress/<name>/), one file at a
# time so that a failure names the file; then fuzzes for FUZZ_SECONDS
# (default 4) from those inputs, two targets at a time.  A crash, leak,
# timeout or sanitizer report is a FAIL line naming the target and the
# input; inputs found while fuzzing are kept in build/fuzz/artifacts/.
# FUZZ_TARGETS="csr ocsp" limits the run to those targets.  The release
# suite only: the targets carry their own sanitizers.
. "$(dirname "$0")/lib.sh"

[ "${PKI_SUITE:-release}" = release ] || { done_testing; exit; }

seconds=${FUZZ_SECONDS:-4}
artifacts=$top/build/fuzz/artifacts
# libFuzzer's own leak check; keep run-tests' suppressions and exit code.
opts="-rss_limit_mb=2048 -timeout=20 -malloc_limit_mb=2048"

if ! make -C "$top" --no-print-directory fuzz >"$T/build.log" 2>&1; then
	fail "make fuzz"
	sed 's/^/      /' "$T/build.log" | tail -20
	done_testing
	exit
fi
pass "make fuzz builds $(ls "$top"/bin/fuzz-* | wc -l) targets"

# A sanitizer or libFuzzer report in a log.
reported() {
	grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY: |ERROR: libFuzzer' "$1"
}

# replay NAME: every seed and regression input, one file at a time.
replay() {
	n=$1
	files=$(find "$top/testdata/fuzz/corpus/$n" \
	    "$top/testdata/fuzz/regress/$n" -type f 2>/dev/null | sort)
	[ -n "$files" ] || { echo "no inputs" >"$T/$n.replay"; return 1; }
	# shellcheck disable=SC2086
	"$top/bin/fuzz-$n" $opts $files >"$T/$n.replay" 2>&1 &&
	    ! reported "$T/$n.replay"
}

# explore NAME: fuzz for $seconds from the seeds into a scratch corpus.
explore() {
	n=$1
	mkdir -p "$T/new-$n" "$artifacts/$n"
	dirs=$top/testdata/fuzz/corpus/$n
	[ -d "$top/testdata/fuzz/regress/$n" ] &&
	    dirs="$dirs $top/testdata/fuzz/regress/$n"
	# shellcheck disable=SC2086
	"$top/bin/fuzz-$n" $opts -max_total_time="$seconds" -print_final_stats=1 \
	    -artifact_prefix="$artifacts/$n/" "$T/new-$n" $dirs \
	    >"$T/$n.explore" 2>&1 && ! reported "$T/$n.explore"
}

# one NAME: both phases; the verdict is written to $T/NAME.verdict.
one() {
	n=$1
	if ! replay "$n"; then
		input=$(sed -n 's/^Running: //p' "$T/$n.replay" | tail -n 1)
		echo "FAIL: $name: fuzz-$n: ${input:-no input} fails" \
		    >"$T/$n.verdict"
		sed 's/^/      /' "$T/$n.replay" | grep -vE '^      (Running|Executed|INFO)' |
		    head -30 >>"$T/$n.verdict"
	elif ! explore "$n"; then
		input=$(sed -n 's/.*Test unit written to //p' "$T/$n.explore" |
		    tail -n 1)
		echo "FAIL: $name: fuzz-$n: ${input:-no input kept} fails" \
		    >"$T/$n.verdict"
		sed 's/^/      /' "$T/$n.explore" | grep -vE '^      (#|INFO)' |
		    head -30 >>"$T/$n.verdict"
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: //p' \
		    "$T/$n.explore")
		echo "PASS: $name: fuzz-$n: seeds and regressions clean," \
		    "${runs:-?} runs in ${seconds}s clean" >"$T/$n.verdict"
	fi
}

# Two at a time: each target fuzzes for a fixed wall-clock time.
# shellcheck disable=SC2046
set -- ${FUZZ_TARGETS:-$(cd "$top/bin" && ls fuzz-* | sed 's/^fuzz-//')}
while [ $# -gt 0 ]; do
	one "$1" &
	a=$!
	if [ $# -gt 1 ]; then
		one "$2" &
		b=$!
	else
		b=
	fi
	wait $a
	[ -n "$b" ] && wait "$b"
	for n in $1 ${b:+$2}; do
		cat "$T/$n.verdict"
		if grep -q '^PASS: ' "$T/$n.verdict"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	shift
	[ $# -gt 0 ] && shift
done
done_testing
