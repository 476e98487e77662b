# static.sh: every program links OpenSSL, libp11, libsodium, libyaml and
# SQLite statically; ldd lists only glibc's libraries and libqrencode.
. "$(dirname "$0")/lib.sh"

allowed='linux-vdso|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|libqrencode\.so'
# Sanitizer builds also pull their runtimes.
[ "${PKI_SUITE:-release}" = asan ] &&
    allowed="$allowed|libasan\.so|libubsan\.so|libstdc\+\+\.so|libgcc_s\.so|librt\.so"
n=0
for prog in "$BINDIR"/pki-*; do
	[ -x "$prog" ] || continue
	n=$((n + 1))
	extra=$(ldd "$prog" | grep -vE "$allowed" | awk '{print $1}' | tr '\n' ' ')
	if [ -z "$extra" ]; then pass "$(basename "$prog") links only glibc and libqrencode dynamically"
	else fail "$(basename "$prog") links dynamically: $extra"; fi
	for lib in libssl libcrypto libp11 libsodium libyaml libsqlite3; do
		ldd "$prog" | grep -q "$lib" && fail "$(basename "$prog") uses $lib.so"
	done
	"$prog" --help >/dev/null 2>&1 && pass "$(basename "$prog") --help exits 0" ||
	    fail "$(basename "$prog") --help"
	"$prog" --version | grep -q "$(basename "$prog") " &&
	    pass "$(basename "$prog") --version names itself" ||
	    fail "$(basename "$prog") --version"
	expect_exit 64 "$(basename "$prog") rejects an unknown option" \
	    "$prog" --no-such-option
	[ -f "$top/man/$(basename "$prog").1" ] &&
	    pass "$(basename "$prog") has a man page" ||
	    fail "$(basename "$prog") has no man page"
done
[ $n -ge 4 ] && pass "$n programs checked" || fail "only $n programs found in $BINDIR"
done_testing
