#!/bin/sh
# ct-valgrind.sh: prove that Shamir split/combine, base32_encode and the
# share text block are constant time on the shipped -O2 build.
#
# Builds testdata/unit/ct_shamir.c with the Makefile's compiler flags
# (no sanitizers, whatever the suite), runs it under valgrind memcheck
# with the secret, the coefficients and the share values marked
# undefined, and passes only when memcheck reports no branch on, and no
# address computed from, any of them.  Then builds the same check around
# a deliberately leaky table-lookup multiply (-DCT_SELFTEST_LEAKY) and
# passes only when memcheck does report it: the check is live.
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 70

# Keep in step with WARN, HARDEN, CFLAGS and LDLIBS in the Makefile.
CT_CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wpointer-arith
-Wcast-qual -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -O2 -g
-I common -I /usr/include/p11-kit-1"
CT_LDFLAGS="-pie -Wl,-z,relro,-z,now -Wl,--as-needed"
CT_LIBS="-Wl,-Bstatic -lp11 -lssl -lcrypto -lsodium -lyaml -lsqlite3
-Wl,-Bdynamic -lqrencode -lpthread -ldl -lm"
CT_SRCS="testdata/unit/ct_shamir.c common/shamir.c common/base32.c
common/share.c common/secmem.c common/err.c"

# build OUTPUT EXTRA-FLAGS...
build() {
	out=$1; shift
	# shellcheck disable=SC2086
	${CC:-cc} $CT_CFLAGS "$@" -o "$out" $CT_SRCS $CT_LDFLAGS $CT_LIBS \
	    >"$T/.build" 2>&1
}

# memcheck BINARY LOG: run under valgrind, return its exit status.
memcheck() {
	valgrind --error-exitcode=1 --track-origins=yes --leak-check=no \
	    --log-file="$2" "$1" >"$2.out" 2>&1
}

if build "$T/ct_shamir"; then
	pass "ct_shamir builds with the shipped -O2 flags"
else
	fail "ct_shamir does not build"
	sed 's/^/      /' "$T/.build" | head -20
fi
if build "$T/ct_leaky" -DCT_SELFTEST_LEAKY; then
	pass "the leaky self-test variant builds"
else
	fail "the leaky variant does not build"
	sed 's/^/      /' "$T/.build" | head -20
fi

if ! command -v valgrind >/dev/null 2>&1; then
	if [ "${PKI_SUITE:-release}" = asan ]; then
		echo "# valgrind not installed: memcheck part skipped"
		done_testing; exit
	fi
	fail "valgrind is not installed (scripts/install-deps installs it)"
	done_testing; exit
fi

memcheck "$T/ct_shamir" "$T/ct.log"
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q 'uninitialised' "$T/ct.log" &&
    grep -q '^ct_shamir: done' "$T/ct.log.out"; then
	pass "split, combine, base32_encode, share text: no secret-dependent" \
	    "branch or address under memcheck"
else
	fail "memcheck found secret-dependent code (exit $rc)"
	grep -E 'uninitialised|   (at|by) ' "$T/ct.log" | head -30 |
	    sed 's/^/      /'
	sed 's/^/      /' "$T/ct.log.out" | head -20
fi
# The taint really flowed (checked inside ct_shamir with GET_VBITS).
if grep -q '^not ok' "$T/ct.log.out" ||
    [ "$(grep -c '^ok' "$T/ct.log.out")" -ne 8 ]; then
	fail "the secrets were not tracked through split/combine/encode"
	sed 's/^/      /' "$T/ct.log.out" | head -20
else
	pass "memcheck tracked the secret into every share, result and text"
fi

memcheck "$T/ct_leaky" "$T/leaky.log"
rc=$?
if [ "$rc" -eq 1 ] &&
    grep -q 'Use of uninitialised value' "$T/leaky.log" &&
    grep -q 'gf256_mul' "$T/leaky.log"; then
	pass "the check is live: a table-lookup multiply is reported"
else
	fail "memcheck did not report the leaky multiply (exit $rc)"
	head -20 "$T/leaky.log" | sed 's/^/      /'
fi
done_testing
