# lib.sh: shared by the regress scripts; sourced, not run.
#
# Every script gets: a scratch directory $T (removed on exit), a private
# SoftHSM2 configuration (SOFTHSM2_CONF in $T), the programs in $BINDIR,
# and pass/fail/expect_exit helpers whose PASS/FAIL lines
# scripts/run-tests counts.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BINDIR=${BINDIR:-$top/bin}
case $BINDIR in /*) ;; *) BINDIR=$top/$BINDIR ;; esac
PATH=$BINDIR:$PATH
FIXTURES=$top/testdata/fixtures
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
export PATH SOFTHSM_MODULE

T=$(mktemp -d "${TMPDIR:-/tmp}/pki-test.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

passed=0
failed=0
name=$(basename "$0" .sh)

pass() { passed=$((passed + 1)); echo "PASS: $name: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $name: $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	desc=$1; shift
	if "$@" >"$T/.out" 2>&1; then pass "$desc"
	else fail "$desc"; sed 's/^/      /' "$T/.out" | head -20; fi
}

# expect_exit CODE DESCRIPTION COMMAND...: COMMAND must exit with CODE.
# Its stderr is kept in $T/.err for message checks.
expect_exit() {
	want=$1; desc=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	got=$?
	if [ "$got" -eq "$want" ]; then pass "$desc (exit $want)"
	else
		fail "$desc: exit $got, want $want"
		sed 's/^/      /' "$T/.err" | head -10
	fi
}

# expect_msg PATTERN DESCRIPTION: the last expect_exit's stderr matches.
expect_msg() {
	if grep -q -- "$1" "$T/.err"; then pass "$2"
	else fail "$2: stderr lacks '$1'"; sed 's/^/      /' "$T/.err" | head -5; fi
}

# snapshot DIR / unchanged DIR DESC: nothing was written below DIR.
# The harness's own scratch files (.out, .err, .snap*) do not count, nor
# SQLite's write-ahead log beside an inventory (not an output).
listing() { (cd "$1" && find . ! -name '.out' ! -name '.err' ! -name '.snap*' \
    ! -name '*.db-wal' ! -name '*.db-shm' -print | sort); }
snapshot() { listing "$1" >"$T/.snap"; }
unchanged() {
	listing "$1" >"$T/.snap2"
	if cmp -s "$T/.snap" "$T/.snap2"; then pass "$2: nothing written"
	else fail "$2: files were written"; diff "$T/.snap" "$T/.snap2" | head -5; fi
}

# A throwaway SoftHSM2 token store in $T/tokens.
softhsm_setup() {
	mkdir -p "$T/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$T/tokens" >"$T/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm2.conf
	export SOFTHSM2_CONF
}

# softhsm_token LABEL PIN: initialise a token in a free slot.
softhsm_token() {
	softhsm2-util --init-token --free --label "$1" --pin "$2" \
	    --so-pin "so-$2" >/dev/null
}

done_testing() {
	echo "# $name: $passed ok, $failed failing"
	[ "$failed" -eq 0 ]
}
